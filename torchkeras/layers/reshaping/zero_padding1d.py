"""`keras.layers.ZeroPadding1D`: adds zeros at the start and end of the steps axis."""
import torch.nn.functional as F

from torchkeras.api_export import keras_export
from torchkeras.backend import config
from torchkeras.layers.convolutional import conv_utils
from torchkeras.layers.input_spec import InputSpec
from torchkeras.layers.layer import Layer


@keras_export("keras.layers.ZeroPadding1D")
class ZeroPadding1D(Layer):
    """Pads `(batch, steps, features)` inputs with `padding` zeros (an int, or `(before, after)`) along steps."""

    def __init__(self, padding=1, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = config.standardize_data_format(data_format)
        self.padding = conv_utils.standardize_tuple(padding, 2, "padding", allow_zero=True)
        self.input_spec = InputSpec(ndim=3)
        self._axis = 1 if self.data_format == "channels_last" else 2
        self._pad = conv_utils.flat_pad((self.padding,) + (((0, 0),) if self._axis == 1 else ()))
        self.built = True

    def call(self, inputs):
        return F.pad(inputs, self._pad)

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        if shape[self._axis] is not None:
            shape[self._axis] += sum(self.padding)
        return tuple(shape)

    def get_config(self):
        config_ = super().get_config()
        config_.update({"padding": self.padding, "data_format": self.data_format})
        return config_
