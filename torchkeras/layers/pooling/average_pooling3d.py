"""`keras.layers.AveragePooling3D`: average pooling over three spatial axes."""
from torchkeras.api_export import keras_export
from torchkeras.layers.convolutional import legacy
from torchkeras.layers.pooling.base_pooling import BasePooling


@keras_export("keras.layers.AveragePooling3D", "keras.layers.AvgPool3D")
class AveragePooling3D(BasePooling):
    """Average of each `pool_size` window over three spatial axes; `strides` default to `pool_size`.

    Inputs `(batch, d1, d2, d3, channels)` (channels_last) or `(batch, channels, d1, d2, d3)` (channels_first).
    Keras 1 spellings (`border_mode`, `dim_ordering`) are accepted with a
    DeprecationWarning.
    """

    def __init__(self, pool_size=None, strides=None, padding="valid", data_format=None, name=None, **kwargs):
        args = legacy.translate("AveragePooling3D", kwargs, legacy.POOL, {
            "pool_size": pool_size, "strides": strides, "padding": padding, "data_format": data_format})
        if args["pool_size"] is None:  # Keras 2's default; Keras 3 requires `pool_size`
            from torchkeras.utils.keras2_paths import warn_once

            warn_once("AveragePooling3D() without pool_size", "AveragePooling3D(pool_size=(2, 2, 2))",
                      what="Keras 2's default pool size (2, 2, 2) (Keras 3 requires the argument)")
            args["pool_size"] = (2, 2, 2)
        super().__init__(args["pool_size"], args["strides"], pool_dimensions=3, pool_mode="average",
                         padding=args["padding"], data_format=args["data_format"], name=name, **kwargs)
