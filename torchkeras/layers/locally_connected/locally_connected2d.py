"""`keras.layers.LocallyConnected2D` (Keras 2): a 2-D convolution whose weights are not shared across positions."""
from torchkeras.api_export import keras_export
from torchkeras.layers.locally_connected.base_locally_connected import BaseLocallyConnected


@keras_export("keras.layers.LocallyConnected2D")
class LocallyConnected2D(BaseLocallyConnected):
    """Locally-connected layer for 2-D inputs `(batch, rows, cols, channels)` (or channels_first): like
    `Conv2D`, but each output position has its own filters.

    `implementation` 1 (default) stores `kernel (new_rows * new_cols, kh * kw * channels, filters)`; 2 a masked
    dense `(rows, cols, channels, new_rows, new_cols, filters)` kernel; 3 the nonzero weights only (see
    `BaseLocallyConnected`). Keras 3 removed this layer.
    """

    rank = 2

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", **kwargs):
        super().__init__(filters, kernel_size, strides=strides, padding=padding, **kwargs)
