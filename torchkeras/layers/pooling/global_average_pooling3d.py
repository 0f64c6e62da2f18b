"""`keras.layers.GlobalAveragePooling3D`: the mean over the three spatial axes."""
from torchkeras.api_export import keras_export
from torchkeras.layers.pooling.base_global_pooling import BaseGlobalPooling
from torchkeras.layers.pooling.global_average import mean


@keras_export("keras.layers.GlobalAveragePooling3D", "keras.layers.GlobalAvgPool3D")
class GlobalAveragePooling3D(BaseGlobalPooling):
    """Mean over the three spatial axes of `(batch, d1, d2, d3, channels)` inputs
    (`(batch, channels, d1, d2, d3)` when channels_first)."""

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(pool_dimensions=3, data_format=data_format, keepdims=keepdims, **kwargs)

    def call(self, inputs):
        return mean(inputs, self._axes, self.keepdims)
