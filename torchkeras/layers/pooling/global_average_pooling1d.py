"""`keras.layers.GlobalAveragePooling1D`: the mean over the steps axis, honouring a mask."""
import torch

from torchkeras.api_export import keras_export
from torchkeras.backend import config
from torchkeras.backend import dtypes
from torchkeras.layers.pooling.base_global_pooling import BaseGlobalPooling
from torchkeras.layers.pooling.global_average import mean


@keras_export("keras.layers.GlobalAveragePooling1D", "keras.layers.GlobalAvgPool1D")
class GlobalAveragePooling1D(BaseGlobalPooling):
    """Mean over the steps of `(batch, steps, features)` inputs
    (`(batch, features, steps)` when channels_first).

    With a mask `(batch, steps)`, only the unmasked steps are averaged; the output carries no mask.
    """

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(pool_dimensions=1, data_format=data_format, keepdims=keepdims, **kwargs)
        self.supports_masking = True

    def call(self, inputs, mask=None):
        if mask is None:
            return mean(inputs, self._axes, self.keepdims)
        steps_axis = self._axes[0]
        keep = mask.to(torch.bool).unsqueeze(2 if steps_axis == 1 else 1)
        if not inputs.is_floating_point():
            inputs = inputs.to(dtypes.to_torch_dtype(config.floatx()))
        total = torch.where(keep, inputs, torch.zeros((), dtype=inputs.dtype, device=inputs.device))
        total = total.sum(dim=steps_axis, keepdim=self.keepdims)
        return total / keep.to(inputs.dtype).sum(dim=steps_axis, keepdim=self.keepdims)

    def compute_mask(self, inputs, mask=None):
        return None
