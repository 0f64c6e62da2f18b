"""`keras.layers.Cropping3D`: removes slices at the borders of volumes."""
from torchkeras.api_export import keras_export
from torchkeras.layers.convolutional import legacy
from torchkeras.layers.reshaping.base_cropping import BaseCropping


@keras_export("keras.layers.Cropping3D")
class Cropping3D(BaseCropping):
    """Crops the three spatial axes. `cropping`: an int, 3 ints (symmetric), or 3 `(start, end)` pairs.
    The result is a view of the input (no copy).

    Keras 1's `dim_ordering=` is accepted with a DeprecationWarning.
    """

    pair_hints = (
        "(symmetric_dim1_crop, symmetric_dim2_crop, symmetric_dim3_crop)",
        "((left_dim1_crop, right_dim1_crop), (left_dim2_crop, right_dim2_crop), (left_dim3_crop, right_dim3_crop))",
    )

    def __init__(self, cropping=((1, 1), (1, 1), (1, 1)), data_format=None, **kwargs):
        data_format = legacy.translate("Cropping3D", kwargs, legacy.IMAGE, {"data_format": data_format})[
            "data_format"]
        super().__init__(3, cropping, data_format, **kwargs)
