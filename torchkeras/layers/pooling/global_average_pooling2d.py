"""`keras.layers.GlobalAveragePooling2D`: the mean over height and width."""
from torchkeras.api_export import keras_export
from torchkeras.layers.pooling.base_global_pooling import BaseGlobalPooling
from torchkeras.layers.pooling.global_average import mean


@keras_export("keras.layers.GlobalAveragePooling2D", "keras.layers.GlobalAvgPool2D")
class GlobalAveragePooling2D(BaseGlobalPooling):
    """Mean over height and width of `(batch, height, width, channels)` inputs
    (`(batch, channels, height, width)` when channels_first)."""

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(pool_dimensions=2, data_format=data_format, keepdims=keepdims, **kwargs)

    def call(self, inputs):
        return mean(inputs, self._axes, self.keepdims)
