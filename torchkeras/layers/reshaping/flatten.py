"""`keras.layers.Flatten`: flattens every axis but the batch axis."""
import math

from torchkeras.api_export import keras_export
from torchkeras.backend import config
from torchkeras.layers.input_spec import InputSpec
from torchkeras.layers.layer import Layer


@keras_export("keras.layers.Flatten")
class Flatten(Layer):
    """`(batch, d1, d2, ...) -> (batch, d1*d2*...)`. With `data_format="channels_first"` the channels are
    moved last first, so the result matches a channels_last model's."""

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = config.standardize_data_format(data_format)
        self.input_spec = InputSpec(min_ndim=1)
        self.built = True

    def call(self, inputs):
        if self.data_format == "channels_first" and inputs.dim() > 2:
            inputs = inputs.permute(0, *range(2, inputs.dim()), 1)
        return inputs.reshape(inputs.shape[0], -1)

    def compute_output_shape(self, input_shape):
        rest = input_shape[1:]
        size = None if any(d is None for d in rest) else int(math.prod(rest))
        return (input_shape[0], size)

    def get_config(self):
        config_ = super().get_config()
        config_["data_format"] = self.data_format
        return config_
