"""Keras 2's `keras.layers.convolutional_recurrent` module path: `ConvLSTM2D`, `ConvLSTM2DCell`, `ConvRNN2D`."""
from torchkeras.layers.recurrent.conv_lstm import ConvLSTM as ConvRNN2D  # noqa: F401
from torchkeras.layers.recurrent.conv_lstm import ConvLSTMCell
from torchkeras.layers.recurrent.conv_lstm_nd import ConvLSTM2D  # noqa: F401
from torchkeras.utils.keras2_paths import warn_once

warn_once("keras.layers.convolutional_recurrent", "keras.layers.ConvLSTM2D")


class ConvLSTM2DCell(ConvLSTMCell):
    """Keras 2's cell of `ConvLSTM2D`: the 2-D `ConvLSTMCell` (same arguments, without `rank`)."""

    def __init__(self, filters, kernel_size, **kwargs):
        kwargs.pop("rank", None)
        super().__init__(2, filters, kernel_size, **kwargs)

    def get_config(self):
        config = super().get_config()
        config.pop("rank", None)
        return config
