"""`keras.layers.GlobalMaxPooling1D`: the maximum over the steps axis."""
import torch

from torchkeras.api_export import keras_export
from torchkeras.layers.pooling.base_global_pooling import BaseGlobalPooling


@keras_export("keras.layers.GlobalMaxPooling1D", "keras.layers.GlobalMaxPool1D")
class GlobalMaxPooling1D(BaseGlobalPooling):
    """Maximum over the steps axis of `(batch, steps, channels)` inputs
    (`(batch, channels, steps)` when channels_first).

    Ties share the gradient equally, as with Keras's `ops.max`.
    """

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(pool_dimensions=1, data_format=data_format, keepdims=keepdims, **kwargs)

    def call(self, inputs):
        return torch.amax(inputs, dim=self._axes, keepdim=self.keepdims)
