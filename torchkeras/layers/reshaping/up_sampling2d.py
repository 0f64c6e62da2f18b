"""`keras.layers.UpSampling2D`: scales images up by integer factors (nearest, bilinear or bicubic)."""
import torch
import torch.nn.functional as F

from torchkeras.api_export import keras_export
from torchkeras.backend import config
from torchkeras.layers.convolutional import conv_utils, legacy
from torchkeras.layers.input_spec import InputSpec
from torchkeras.layers.layer import Layer
from torchkeras.layers.reshaping.up_sampling_utils import repeat_axes, scaled
from torchkeras.ops import conv_geometry

_INTERPOLATIONS = ("nearest", "bilinear", "bicubic")


@keras_export("keras.layers.UpSampling2D")
class UpSampling2D(Layer):
    """Repeats rows `size[0]` times and columns `size[1]` times (`interpolation="nearest"`), or resizes to
    that size with bilinear or bicubic interpolation (half-pixel centers, no antialiasing, like Keras).

    Keras 1's `dim_ordering=` is accepted with a DeprecationWarning.
    """

    def __init__(self, size=(2, 2), data_format=None, interpolation="nearest", **kwargs):
        data_format = legacy.translate("UpSampling2D", kwargs, legacy.IMAGE, {"data_format": data_format})[
            "data_format"]
        super().__init__(**kwargs)
        self.data_format = config.standardize_data_format(data_format)
        self.size = conv_utils.standardize_tuple(size, 2, "size")
        self.interpolation = str(interpolation).lower()
        if self.interpolation not in _INTERPOLATIONS:
            raise ValueError(
                f"Invalid value for argument `interpolation`: expected one of {_INTERPOLATIONS} (Lanczos "
                f"resizing is not supported on the torch backend). Received: interpolation={interpolation}"
            )
        self.input_spec = InputSpec(ndim=4)
        self._channels_last = self.data_format == "channels_last"
        self.built = True

    def call(self, inputs):
        if self.interpolation == "nearest":
            return repeat_axes(inputs, 1 if self._channels_last else 2, self.size)
        x = conv_geometry.to_channels_first(inputs) if self._channels_last else inputs
        dtype = x.dtype
        if dtype not in (torch.float32, torch.float64):
            x = x.to(torch.float32)
        size = (x.shape[2] * self.size[0], x.shape[3] * self.size[1])
        out = F.interpolate(x, size=size, mode=self.interpolation, align_corners=False, antialias=False)
        if out.dtype != dtype:
            out = out.round().to(dtype) if not dtype.is_floating_point else out.to(dtype)
        return conv_geometry.to_channels_last(out) if self._channels_last else out

    def compute_output_shape(self, input_shape):
        if self._channels_last:
            return (input_shape[0], scaled(input_shape[1], self.size[0]), scaled(input_shape[2], self.size[1]),
                    input_shape[3])
        return (input_shape[0], input_shape[1], scaled(input_shape[2], self.size[0]),
                scaled(input_shape[3], self.size[1]))

    def get_config(self):
        config_ = super().get_config()
        config_.update({"size": self.size, "data_format": self.data_format, "interpolation": self.interpolation})
        return config_
