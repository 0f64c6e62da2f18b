"""`keras.layers.AlphaDropout`: dropout that keeps the mean and variance of SELU activations."""
import torch

from torchkeras.api_export import keras_export
from torchkeras.layers.layer import Layer
from torchkeras.layers.regularization.noise_utils import check_unit_interval, generator_for, make_seed_generator

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


@keras_export("keras.layers.AlphaDropout")
class AlphaDropout(Layer):
    """In training, sets a fraction `rate` of inputs to SELU's negative saturation value, then applies the
    affine map `a * x + b` that restores the inputs' mean and variance. Identity at inference.

    `noise_shape` (None entries take the input's size) shares the dropout mask along axes of size 1.
    """

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        check_unit_interval("rate", rate)
        self.rate = rate
        self.seed = seed
        self.noise_shape = noise_shape
        self.seed_generator = make_seed_generator(seed) if rate > 0 else None
        self.supports_masking = True
        self.built = True

    def call(self, inputs, training=False):
        if not training or self.rate <= 0:
            return inputs
        if self.noise_shape is None:
            shape = tuple(inputs.shape)
        else:
            shape = tuple(inputs.shape[i] if d is None else int(d) for i, d in enumerate(self.noise_shape))
        gen = generator_for(self.seed_generator, inputs.device)
        uniform = torch.rand(shape, generator=gen, dtype=inputs.dtype, device=inputs.device)
        kept = (uniform >= self.rate).to(inputs.dtype)
        alpha_p = -_SELU_ALPHA * _SELU_SCALE
        a = ((1 - self.rate) * (1 + self.rate * alpha_p ** 2)) ** -0.5
        b = -a * alpha_p * self.rate
        x = inputs * kept + alpha_p * (1 - kept)
        return a * x + b

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({"rate": self.rate, "seed": self.seed, "noise_shape": self.noise_shape})
        return config
