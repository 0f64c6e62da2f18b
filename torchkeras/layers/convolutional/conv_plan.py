"""How a convolution layer with Keras's arguments runs on torch: its torch strides and dilation, and cached
padding plans."""
from torchkeras.layers.convolutional import conv_utils
from torchkeras.ops import conv_geometry


class ConvPlanMixin:
    """For a layer with `rank`, `kernel_size`, `strides`, `dilation_rate`, `padding` and `data_format` set.

    channels_last 1D inputs run as 2D over a (1, steps) image (see `conv_utils.lift_1d`).
    """

    def _init_conv_plan(self):
        self._channels_last = self.data_format == "channels_last"
        self._lifted = self.rank == 1 and self._channels_last
        lead = (1,) if self._lifted else ()
        self._conv = conv_geometry.CONV[self.rank + len(lead)]
        self._torch_strides = lead + self.strides
        self._torch_dilation = lead + self.dilation_rate
        self._pad_cache = {}

    def _padding(self, spatial):
        """(torch `padding=`, explicit `F.pad` list or None) for inputs of this spatial shape (cached)."""
        plan = self._pad_cache.get(spatial)
        if plan is None:
            plan = conv_utils.padding_plan(self.padding, spatial, self.kernel_size, self.strides,
                                           self.dilation_rate, self._lifted)
            self._pad_cache[spatial] = plan
        return plan
