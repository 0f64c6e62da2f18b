"""`keras.layers.MaxPooling3D`: max pooling over three spatial axes."""
from torchkeras.api_export import keras_export
from torchkeras.layers.convolutional import legacy
from torchkeras.layers.pooling.base_pooling import BasePooling


@keras_export("keras.layers.MaxPooling3D", "keras.layers.MaxPool3D")
class MaxPooling3D(BasePooling):
    """Max of each `pool_size` window over three spatial axes; `strides` default to `pool_size`.

    Inputs `(batch, d1, d2, d3, channels)` (channels_last) or `(batch, channels, d1, d2, d3)` (channels_first).
    Keras 1 spellings (`border_mode`, `dim_ordering`) are accepted with a
    DeprecationWarning.
    """

    def __init__(self, pool_size=(2, 2, 2), strides=None, padding="valid", data_format=None, name=None, **kwargs):
        args = legacy.translate("MaxPooling3D", kwargs, legacy.POOL, {
            "pool_size": pool_size, "strides": strides, "padding": padding, "data_format": data_format})
        super().__init__(args["pool_size"], args["strides"], pool_dimensions=3, pool_mode="max",
                         padding=args["padding"], data_format=args["data_format"], name=name, **kwargs)
