"""How a convolution layer with Keras's arguments runs on torch: its torch strides and dilation, and cached
padding plans."""
import torch.nn.functional as F

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

    # --- call: the layer's `_convolve(inputs, absorbed_pads)`, with or without a padding it absorbed ---------
    def call(self, inputs):
        return self._convolve(inputs, None)

    _plain_call = call  # what `_call_on_unpadded` computes; a subclass that overrides `call` absorbs nothing

    def _call_on_unpadded(self, inputs, pads):
        """`call` of `inputs` zero-padded by `pads`, without the padded copy (the graph plan runs a ZeroPadding2D
        and this layer so, in inference; see `_absorbs_zero_padding`)."""
        return self._convolve(inputs, pads)

    def _absorbs_zero_padding(self, pads):
        """Whether `call(ZeroPadding(pads)(x))` can run as `_call_on_unpadded(x, pads)` (no padded copy of `x`): a
        plain channels_last 2D `"valid"` convolution (see `conv_geometry.zero_padding_as_kernel`) whose `call` is
        the one `_call_on_unpadded` stands for (not overridden)."""
        if getattr(type(self), "_plain_call", None) is not type(self).call:
            return False
        return (self.rank == 2 and self._channels_last and not self._lifted and self.padding == "valid"
                and all(d == 1 for d in self.dilation_rate) and not getattr(self, "lora_enabled", False)
                and self._dtype_policy._quantization_mode is None and self._remat_mode is None
                and conv_geometry.zero_padding_as_kernel(self.kernel, pads) is not None)

    def _padded(self, x, kernel, absorbed_pads):
        """`(x, kernel, torch padding)` for torch's convolution of `x` (channels_first): Keras's padding, or the
        zero padding `absorbed_pads` that `x` stands for, folded into the kernel and torch's `padding=`."""
        if absorbed_pads is not None:
            kernel, padding = conv_geometry.zero_padding_as_kernel(kernel, absorbed_pads)
            return x, kernel, padding
        padding, explicit = self._padding(tuple(x.shape[-self.rank:]))
        if explicit is not None:
            x = F.pad(x, explicit)
        return x, kernel, padding

    def _padding(self, spatial):
        """(torch `padding=`, explicit `F.pad` list or None) for inputs of this spatial shape (cached)."""
        plan = self._pad_cache.get(spatial)
        if plan is None:
            plan = conv_utils.padding_plan(self.padding, spatial, self.kernel_size, self.strides,
                                           self.dilation_rate, self._lifted)
            self._pad_cache[spatial] = plan
        return plan
