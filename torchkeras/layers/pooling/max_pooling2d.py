"""`keras.layers.MaxPooling2D`: max pooling over height and width."""
from torchkeras.api_export import keras_export
from torchkeras.layers.convolutional import legacy
from torchkeras.layers.pooling.base_pooling import BasePooling


@keras_export("keras.layers.MaxPooling2D", "keras.layers.MaxPool2D")
class MaxPooling2D(BasePooling):
    """Max of each `pool_size` window over height and width; `strides` default to `pool_size`.

    Inputs `(batch, height, width, channels)` (channels_last) or `(batch, channels, height, width)` (channels_first).
    Keras 1 spellings (`border_mode`, `dim_ordering`) are accepted with a
    DeprecationWarning.
    """

    def __init__(self, pool_size=(2, 2), strides=None, padding="valid", data_format=None, name=None, **kwargs):
        args = legacy.translate("MaxPooling2D", kwargs, legacy.POOL, {
            "pool_size": pool_size, "strides": strides, "padding": padding, "data_format": data_format})
        super().__init__(args["pool_size"], args["strides"], pool_dimensions=2, pool_mode="max",
                         padding=args["padding"], data_format=args["data_format"], name=name, **kwargs)
