"""`keras.layers.ZeroPadding2D`: adds rows and columns of zeros around images."""
import torch.nn.functional as F

from torchkeras.api_export import keras_export
from torchkeras.backend import config
from torchkeras.layers.convolutional import conv_utils, legacy
from torchkeras.layers.input_spec import InputSpec
from torchkeras.layers.layer import Layer


@keras_export("keras.layers.ZeroPadding2D")
class ZeroPadding2D(Layer):
    """Pads height and width with zeros. `padding`: an int, `(symmetric_height, symmetric_width)`, or
    `((top, bottom), (left, right))`.

    Keras 1's `dim_ordering=` and 4-tuple `(top, bottom, left, right)` are accepted with a DeprecationWarning.
    """

    def __init__(self, padding=(1, 1), data_format=None, **kwargs):
        data_format = legacy.translate("ZeroPadding2D", kwargs, legacy.IMAGE, {"data_format": data_format})[
            "data_format"]
        if isinstance(padding, (tuple, list)) and len(padding) == 4 and all(isinstance(p, int) for p in padding):
            legacy.warn_once("ZeroPadding2D.padding4", "`ZeroPadding2D(padding=(top, bottom, left, right))` is "
                             "Keras 1; use `padding=((top, bottom), (left, right))` instead.")
            padding = (tuple(padding[:2]), tuple(padding[2:]))
        super().__init__(**kwargs)
        self.data_format = config.standardize_data_format(data_format)
        self.padding = conv_utils.standardize_pairs(
            padding, 2, "padding", "(symmetric_height_pad, symmetric_width_pad)",
            "((top_pad, bottom_pad), (left_pad, right_pad))")
        self.input_spec = InputSpec(ndim=4)
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
