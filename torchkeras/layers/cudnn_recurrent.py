"""Keras 2's `keras.layers.cudnn_recurrent` module path: `CuDNNLSTM`, `CuDNNGRU`."""
from torchkeras.utils.keras2_paths import warn_once
from torchkeras.layers.recurrent.cudnn import CuDNNGRU, CuDNNLSTM  # noqa: F401

warn_once(__name__.replace("torchkeras", "keras", 1), "keras.layers")
