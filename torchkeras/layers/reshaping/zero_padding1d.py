"""`keras.layers.ZeroPadding1D`: adds zeros at the start and end of the steps axis."""
from torchkeras.api_export import keras_export
from torchkeras.layers.reshaping.base_zero_padding import BaseZeroPadding


@keras_export("keras.layers.ZeroPadding1D")
class ZeroPadding1D(BaseZeroPadding):
    """Pads `(batch, steps, features)` inputs with `padding` zeros (an int, or `(before, after)`) along steps."""

    def __init__(self, padding=1, data_format=None, **kwargs):
        super().__init__(1, padding, data_format, **kwargs)
