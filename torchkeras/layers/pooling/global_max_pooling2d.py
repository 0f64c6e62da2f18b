"""`keras.layers.GlobalMaxPooling2D`: the maximum over height and width."""
import torch

from torchkeras.api_export import keras_export
from torchkeras.layers.pooling.base_global_pooling import BaseGlobalPooling


@keras_export("keras.layers.GlobalMaxPooling2D", "keras.layers.GlobalMaxPool2D")
class GlobalMaxPooling2D(BaseGlobalPooling):
    """Maximum over height and width of `(batch, height, width, channels)` inputs
    (`(batch, channels, height, width)` when channels_first).

    Ties share the gradient equally, as with Keras's `ops.max`.
    """

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(pool_dimensions=2, data_format=data_format, keepdims=keepdims, **kwargs)

    def call(self, inputs):
        return torch.amax(inputs, dim=self._axes, keepdim=self.keepdims)
