"""`keras.layers.Dropout`: randomly zeroes inputs during training (inverted dropout)."""
import torch
import torch.nn.functional as F

from torchkeras.api_export import keras_export
from torchkeras.layers.layer import Layer


def check_rate(rate):
    if not isinstance(rate, (int, float)) or not 0 <= rate <= 1:
        raise ValueError(
            f"Invalid value received for argument `rate`. Expected a float value between 0 and 1. Received: "
            f"rate={rate}"
        )


def make_generator(seed, device):
    if seed is None:
        return None
    g = torch.Generator(device=device)
    g.manual_seed(int(seed))
    return g


@keras_export("keras.layers.Dropout")
class Dropout(Layer):
    """Sets a fraction `rate` of inputs to 0 during training and scales the rest by `1 / (1 - rate)`.

    `noise_shape` selects which axes share the dropout mask (e.g. `(batch, 1, features)`).
    """

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        check_rate(rate)
        self.rate = rate
        self.seed = seed
        self.noise_shape = noise_shape
        self.supports_masking = True
        self._generators = {}
        self.built = True

    def _generator(self, device):
        if self.seed is None:
            return None
        key = str(device)
        if key not in self._generators:
            self._generators[key] = make_generator(self.seed, device)
        return self._generators[key]

    def call(self, inputs, training=False):
        if not training or self.rate == 0:
            return inputs
        if self.rate >= 1:
            return torch.zeros_like(inputs)
        g = self._generator(inputs.device)
        if self.noise_shape is None and g is None:
            return F.dropout(inputs, self.rate, training=True)
        shape = inputs.shape if self.noise_shape is None else tuple(
            inputs.shape[i] if d is None else d for i, d in enumerate(self.noise_shape))
        keep = 1.0 - self.rate
        mask = torch.empty(shape, device=inputs.device, dtype=inputs.dtype).bernoulli_(keep, generator=g)
        return inputs * mask / keep

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({"rate": self.rate, "seed": self.seed, "noise_shape": self.noise_shape})
        return config
