"""`keras.layers.ZeroPadding2D`: adds rows and columns of zeros around images."""
from torchkeras.api_export import keras_export
from torchkeras.layers.convolutional import legacy
from torchkeras.layers.reshaping.base_zero_padding import BaseZeroPadding


@keras_export("keras.layers.ZeroPadding2D")
class ZeroPadding2D(BaseZeroPadding):
    """Pads height and width with zeros. `padding`: an int, `(symmetric_height, symmetric_width)`, or
    `((top, bottom), (left, right))`.

    Keras 1's `dim_ordering=` and 4-tuple `(top, bottom, left, right)` are accepted with a DeprecationWarning.
    """

    pair_hints = ("(symmetric_height_pad, symmetric_width_pad)", "((top_pad, bottom_pad), (left_pad, right_pad))")

    def __init__(self, padding=(1, 1), data_format=None, **kwargs):
        data_format = legacy.translate("ZeroPadding2D", kwargs, legacy.IMAGE, {"data_format": data_format})[
            "data_format"]
        if isinstance(padding, (tuple, list)) and len(padding) == 4 and all(isinstance(p, int) for p in padding):
            legacy.warn_once("ZeroPadding2D.padding4", "`ZeroPadding2D(padding=(top, bottom, left, right))` is "
                             "Keras 1; use `padding=((top, bottom), (left, right))` instead.")
            padding = (tuple(padding[:2]), tuple(padding[2:]))
        super().__init__(2, padding, data_format, **kwargs)
