"""`keras.layers.GlobalMaxPooling3D`: the maximum over the three spatial axes."""
import torch

from torchkeras.api_export import keras_export
from torchkeras.layers.pooling.base_global_pooling import BaseGlobalPooling


@keras_export("keras.layers.GlobalMaxPooling3D", "keras.layers.GlobalMaxPool3D")
class GlobalMaxPooling3D(BaseGlobalPooling):
    """Maximum over the three spatial axes of `(batch, d1, d2, d3, channels)` inputs
    (`(batch, channels, d1, d2, d3)` when channels_first).

    Ties share the gradient equally, as with Keras's `ops.max`.
    """

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(pool_dimensions=3, data_format=data_format, keepdims=keepdims, **kwargs)

    def call(self, inputs):
        return torch.amax(inputs, dim=self._axes, keepdim=self.keepdims)
