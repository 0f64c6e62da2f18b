"""Keras 2's `keras.layers.wrappers` module path: `Wrapper`, `TimeDistributed`, `Bidirectional`."""
from torchkeras.utils.keras2_paths import warn_once
from torchkeras.layers.recurrent import Bidirectional, TimeDistributed, Wrapper  # noqa: F401

warn_once(__name__.replace("torchkeras", "keras", 1), "keras.layers")
