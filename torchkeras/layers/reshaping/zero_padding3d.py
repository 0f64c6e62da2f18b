"""`keras.layers.ZeroPadding3D`: adds zeros around volumes along their three spatial axes."""
import torch.nn.functional as F

from torchkeras.api_export import keras_export
from torchkeras.backend import config
from torchkeras.layers.convolutional import conv_utils, legacy
from torchkeras.layers.input_spec import InputSpec
from torchkeras.layers.layer import Layer


@keras_export("keras.layers.ZeroPadding3D")
class ZeroPadding3D(Layer):
    """Pads the three spatial axes with zeros. `padding`: an int, 3 ints (symmetric), or 3 `(before, after)`
    pairs.

    Keras 1's `dim_ordering=` is accepted with a DeprecationWarning.
    """

    def __init__(self, padding=((1, 1), (1, 1), (1, 1)), data_format=None, **kwargs):
        data_format = legacy.translate("ZeroPadding3D", kwargs, legacy.IMAGE, {"data_format": data_format})[
            "data_format"]
        super().__init__(**kwargs)
        self.data_format = config.standardize_data_format(data_format)
        self.padding = conv_utils.standardize_pairs(
            padding, 3, "padding", "(symmetric_dim1_pad, symmetric_dim2_pad, symmetric_dim3_pad)",
            "((left_dim1_pad, right_dim1_pad), (left_dim2_pad, right_dim2_pad), (left_dim3_pad, right_dim3_pad))")
        self.input_spec = InputSpec(ndim=5)
        self._first_axis = 1 if self.data_format == "channels_last" else 2
        self._pad = conv_utils.flat_pad(self.padding + (((0, 0),) if self._first_axis == 1 else ()))
        self.built = True

    def call(self, inputs):
        return F.pad(inputs, self._pad)

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        for i, pair in enumerate(self.padding):
            if shape[self._first_axis + i] is not None:
                shape[self._first_axis + i] += sum(pair)
        return tuple(shape)

    def get_config(self):
        config_ = super().get_config()
        config_.update({"padding": self.padding, "data_format": self.data_format})
        return config_
