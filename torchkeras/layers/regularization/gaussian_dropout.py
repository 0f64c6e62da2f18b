"""`keras.layers.GaussianDropout`: multiply by Gaussian noise centered at 1 in training."""
import math

import torch

from torchkeras.api_export import keras_export
from torchkeras.layers.layer import Layer
from torchkeras.layers.regularization.noise_utils import check_unit_interval, generator_for, make_seed_generator


@keras_export("keras.layers.GaussianDropout")
class GaussianDropout(Layer):
    """Multiplies its inputs by noise from `N(1, rate / (1 - rate))` during training; identity at inference."""

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(**kwargs)
        check_unit_interval("rate", rate)
        self.rate = rate
        self.seed = seed
        self.seed_generator = make_seed_generator(seed) if rate > 0 else None
        self.supports_masking = True
        self.built = True

    def call(self, inputs, training=False):
        if not training or self.rate <= 0:
            return inputs
        stddev = math.sqrt(self.rate / (1.0 - self.rate))
        gen = generator_for(self.seed_generator, inputs.device)
        noise = torch.normal(1.0, stddev, size=tuple(inputs.shape), generator=gen, dtype=inputs.dtype,
                             device=inputs.device)
        return inputs * noise

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({"rate": self.rate, "seed": self.seed})
        return config
