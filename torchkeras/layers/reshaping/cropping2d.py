"""`keras.layers.Cropping2D`: removes rows and columns at the borders of images."""
from torchkeras.api_export import keras_export
from torchkeras.layers.convolutional import legacy
from torchkeras.layers.reshaping.base_cropping import BaseCropping


@keras_export("keras.layers.Cropping2D")
class Cropping2D(BaseCropping):
    """Crops height and width. `cropping`: an int, `(symmetric_height, symmetric_width)`, or
    `((top, bottom), (left, right))`. The result is a view of the input (no copy).

    Keras 1's `dim_ordering=` is accepted with a DeprecationWarning.
    """

    pair_hints = ("(symmetric_height_crop, symmetric_width_crop)", "((top_crop, bottom_crop), (left_crop, right_crop))")

    def __init__(self, cropping=((0, 0), (0, 0)), data_format=None, **kwargs):
        data_format = legacy.translate("Cropping2D", kwargs, legacy.IMAGE, {"data_format": data_format})[
            "data_format"]
        super().__init__(2, cropping, data_format, **kwargs)
