"""`keras.layers.UnitNormalization`: scale each sample to unit L2 norm along `axis`."""
import torch

from torchkeras.api_export import keras_export
from torchkeras.layers.layer import Layer


@keras_export("keras.layers.UnitNormalization")
class UnitNormalization(Layer):
    """Divides each sample by its L2 norm along `axis` (int or list): `x * min(1 / ||x||, 1e12)`."""

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        if isinstance(axis, (list, tuple)):
            self.axis = list(axis)
        elif isinstance(axis, int) and not isinstance(axis, bool):
            self.axis = axis
        else:
            raise TypeError(
                f"Invalid value for `axis` argument: expected an int or a list/tuple of ints. Received: axis={axis}"
            )
        self.supports_masking = True
        self.built = True

    def call(self, inputs):
        x = inputs.unsqueeze(0) if inputs.dim() == 0 else inputs
        inv_norm = torch.rsqrt(torch.sum(torch.square(x), dim=self.axis, keepdim=True))
        return x * torch.clamp(inv_norm, max=1e12)

    def compute_output_shape(self, input_shape):
        axes = [self.axis] if isinstance(self.axis, int) else self.axis
        rank = len(input_shape)
        for a in axes:
            if a >= rank or a < -rank:
                raise ValueError(f"Axis {self.axis} is out of bounds for input shape {tuple(input_shape)}.")
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config["axis"] = self.axis
        return config
