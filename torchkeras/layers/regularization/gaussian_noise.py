"""`keras.layers.GaussianNoise`: add zero-centered Gaussian noise in training."""
import torch

from torchkeras.api_export import keras_export
from torchkeras.layers.layer import Layer
from torchkeras.layers.regularization.noise_utils import check_unit_interval, generator_for, make_seed_generator


@keras_export("keras.layers.GaussianNoise")
class GaussianNoise(Layer):
    """Adds noise drawn from `N(0, stddev**2)` to its inputs during training; identity at inference."""

    def __init__(self, stddev, seed=None, **kwargs):
        super().__init__(**kwargs)
        check_unit_interval("stddev", stddev)
        self.stddev = stddev
        self.seed = seed
        self.seed_generator = make_seed_generator(seed) if stddev > 0 else None
        self.supports_masking = True
        self.built = True

    def call(self, inputs, training=False):
        if not training or self.stddev <= 0:
            return inputs
        gen = generator_for(self.seed_generator, inputs.device)
        noise = torch.normal(0.0, float(self.stddev), size=tuple(inputs.shape), generator=gen, dtype=inputs.dtype,
                             device=inputs.device)
        return inputs + noise

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({"stddev": self.stddev, "seed": self.seed})
        return config
