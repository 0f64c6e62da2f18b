"""`keras.layers.ZeroPadding3D`: adds zeros around volumes along their three spatial axes."""
from torchkeras.api_export import keras_export
from torchkeras.layers.convolutional import legacy
from torchkeras.layers.reshaping.base_zero_padding import BaseZeroPadding


@keras_export("keras.layers.ZeroPadding3D")
class ZeroPadding3D(BaseZeroPadding):
    """Pads the three spatial axes with zeros. `padding`: an int, 3 ints (symmetric), or 3 `(before, after)`
    pairs.

    Keras 1's `dim_ordering=` is accepted with a DeprecationWarning.
    """

    pair_hints = (
        "(symmetric_dim1_pad, symmetric_dim2_pad, symmetric_dim3_pad)",
        "((left_dim1_pad, right_dim1_pad), (left_dim2_pad, right_dim2_pad), (left_dim3_pad, right_dim3_pad))",
    )

    def __init__(self, padding=((1, 1), (1, 1), (1, 1)), data_format=None, **kwargs):
        data_format = legacy.translate("ZeroPadding3D", kwargs, legacy.IMAGE, {"data_format": data_format})[
            "data_format"]
        super().__init__(3, padding, data_format, **kwargs)
