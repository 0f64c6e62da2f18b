"""The base of the max and average pooling layers (1D, 2D, 3D)."""
import torch
import torch.nn.functional as F

from torchkeras.backend import config
from torchkeras.layers.convolutional import conv_utils
from torchkeras.layers.input_spec import InputSpec
from torchkeras.layers.layer import Layer
from torchkeras.ops import conv_geometry

_MAX = {1: F.max_pool1d, 2: F.max_pool2d, 3: F.max_pool3d}
_AVG = {1: F.avg_pool1d, 2: F.avg_pool2d, 3: F.avg_pool3d}


class BasePooling(Layer):
    """Pools windows of `pool_size` moved by `strides` (default: `pool_size`) over the spatial axes.

    `padding="same"` pads like Keras's torch backend: where the padding is symmetric, torch's own padding
    (ignored by the max, left out of the averages' counts); where Keras puts one more pixel at the end, the
    border is extended by replication (so averages at that border count the repeated edge values).
    """

    def __init__(self, pool_size, strides, pool_dimensions, pool_mode="max", padding="valid", data_format=None,
                 name=None, **kwargs):
        super().__init__(name=name, **kwargs)
        self.pool_size = conv_utils.standardize_tuple(pool_size, pool_dimensions, "pool_size")
        strides = self.pool_size if strides is None else strides
        self.strides = conv_utils.standardize_tuple(strides, pool_dimensions, "strides")
        self.pool_mode = pool_mode
        self.padding = conv_utils.standardize_padding(padding)
        self.data_format = config.standardize_data_format(data_format)
        self.input_spec = InputSpec(ndim=pool_dimensions + 2)
        self._rank = pool_dimensions
        self._channels_last = self.data_format == "channels_last"
        self._pad_cache = {}
        self.built = True

    def _padding(self, spatial):
        plan = self._pad_cache.get(spatial)
        if plan is None:
            plan = conv_utils.padding_plan(self.padding, spatial, self.pool_size, self.strides, (1,) * self._rank)
            self._pad_cache[spatial] = plan
        return plan

    def call(self, inputs):
        x = conv_geometry.to_channels_first(inputs) if self._channels_last else inputs
        padding, explicit = self._padding(tuple(x.shape[2:]))
        if explicit is not None:
            x = self._pad_border(x, explicit)
        # The torch functions are looked up per call: max_pool*d are local functions that cannot be pickled.
        if self.pool_mode == "max":
            out = _MAX[self._rank](x, self.pool_size, self.strides, padding)
        else:
            out = _AVG[self._rank](x, self.pool_size, self.strides, padding, count_include_pad=False)
        return conv_geometry.to_channels_last(out) if self._channels_last else out

    def _pad_border(self, x, pads):
        """Keras's extra "same" pixel: the max ignores it (-inf); the average counts a repeated edge value."""
        if self.pool_mode == "max":
            return F.pad(x, pads, value=float("-inf"))
        if torch.compiler.is_compiling():
            # torch's fake kernel of replication_pad's backward assumes contiguous inputs (torch 2.13).
            x = x.contiguous()
        return F.pad(x, pads, mode="replicate")

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        channels = input_shape[conv_utils.channel_axis(self.data_format)]
        try:
            return conv_utils.conv_output_shape(input_shape, channels, self.pool_size, self.strides, self.padding,
                                                self.data_format, (1,) * self._rank)
        except ValueError:
            raise ValueError(
                f"Computed output size would be zero or negative. Received: `inputs.shape={input_shape}`, "
                f"`pool_size={self.pool_size}`, `strides={self.strides}`, `padding={self.padding}`."
            ) from None

    def get_config(self):
        config_ = super().get_config()
        config_.update({
            "pool_size": self.pool_size,
            "padding": self.padding,
            "strides": self.strides,
            "data_format": self.data_format,
        })
        return config_
