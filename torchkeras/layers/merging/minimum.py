"""`keras.layers.Minimum` and `keras.layers.minimum`: elementwise minimum of a list of inputs."""
import torch

from torchkeras.api_export import keras_export
from torchkeras.layers.merging.base_merge import Merge, merge_with_mask_or


@keras_export("keras.layers.Minimum")
class Minimum(Merge):
    """Elementwise minimum of a list of inputs; a masked-out value never wins over an unmasked one."""

    def _merge_function(self, inputs, masks):
        return merge_with_mask_or(torch.minimum, inputs, masks)


@keras_export("keras.layers.minimum")
def minimum(inputs, **kwargs):
    """Functional interface to the `Minimum` layer: the elementwise minimum of `inputs`."""
    return Minimum(**kwargs)(inputs)
