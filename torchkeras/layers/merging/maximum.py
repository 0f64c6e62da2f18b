"""`keras.layers.Maximum` and `keras.layers.maximum`: elementwise maximum of a list of inputs."""
import torch

from torchkeras.api_export import keras_export
from torchkeras.layers.merging.base_merge import Merge, merge_with_mask_or


@keras_export("keras.layers.Maximum")
class Maximum(Merge):
    """Elementwise maximum of a list of inputs; a masked-out value never wins over an unmasked one."""

    def _merge_function(self, inputs, masks):
        return merge_with_mask_or(torch.maximum, inputs, masks)


@keras_export("keras.layers.maximum")
def maximum(inputs, **kwargs):
    """Functional interface to the `Maximum` layer: the elementwise maximum of `inputs`."""
    return Maximum(**kwargs)(inputs)
