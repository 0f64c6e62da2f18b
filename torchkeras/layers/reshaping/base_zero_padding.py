"""The base of `ZeroPadding1D`, `ZeroPadding2D` and `ZeroPadding3D`."""
import torch.nn.functional as F

from torchkeras.backend import config
from torchkeras.layers.convolutional import conv_utils
from torchkeras.layers.input_spec import InputSpec
from torchkeras.layers.layer import Layer
from torchkeras.ops import conv_geometry


class BaseZeroPadding(Layer):
    """Pads the `rank` spatial axes with zeros.

    `padding` is `(before, after)` for rank 1; for higher ranks, an int, `rank` ints (symmetric) or `rank`
    pairs, described in error messages by the subclass's `pair_hints` (symmetric form, pairs form).
    """

    pair_hints = None

    def __init__(self, rank, padding, data_format, **kwargs):
        super().__init__(**kwargs)
        self.data_format = config.standardize_data_format(data_format)
        if rank == 1:
            self.padding = conv_utils.standardize_tuple(padding, 2, "padding", allow_zero=True)
            self._pairs = (self.padding,)
        else:
            self.padding = conv_utils.standardize_pairs(padding, rank, "padding", *self.pair_hints)
            self._pairs = self.padding
        self.input_spec = InputSpec(ndim=rank + 2)
        self._first_axis = 1 if self.data_format == "channels_last" else 2
        self._pad = conv_geometry.flat_pad(self._pairs + (((0, 0),) if self._first_axis == 1 else ()))
        self.built = True

    def call(self, inputs):
        return F.pad(inputs, self._pad)

    def _spatial_pads(self):
        """The (before, after) pads of the spatial axes of channels_last inputs (None for channels_first): what a
        following convolution may absorb (see the convolutions' `_absorbs_zero_padding`)."""
        return self._pairs if self._first_axis == 1 else None

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        for i, pair in enumerate(self._pairs):
            if shape[self._first_axis + i] is not None:
                shape[self._first_axis + i] += sum(pair)
        return tuple(shape)

    def get_config(self):
        config_ = super().get_config()
        config_.update({"padding": self.padding, "data_format": self.data_format})
        return config_
