"""`keras.layers.LocallyConnected1D` (Keras 2): a 1-D convolution whose weights are not shared across steps."""
from torchkeras.api_export import keras_export
from torchkeras.layers.locally_connected.base_locally_connected import BaseLocallyConnected


@keras_export("keras.layers.LocallyConnected1D")
class LocallyConnected1D(BaseLocallyConnected):
    """Locally-connected layer for 1-D inputs `(batch, steps, channels)`: like `Conv1D`, but each output step
    has its own filters. Output `(batch, new_steps, filters)`.

    `implementation` 1 (default) stores `kernel (new_steps, kernel_size * channels, filters)`; 2 a masked dense
    `(steps, channels, new_steps, filters)` kernel; 3 the nonzero weights only (see `BaseLocallyConnected`).
    Keras 3 removed this layer and has no replacement, so it does not warn.
    """

    rank = 1

    def __init__(self, filters, kernel_size, strides=1, padding="valid", **kwargs):
        super().__init__(filters, kernel_size, strides=strides, padding=padding, **kwargs)
