"""Keras 2's `keras.layers.local` module path: `LocallyConnected1D`, `LocallyConnected2D`."""
from torchkeras.utils.keras2_paths import warn_once
from torchkeras.layers.locally_connected import LocallyConnected1D, LocallyConnected2D  # noqa: F401

warn_once(__name__.replace("torchkeras", "keras", 1), "keras.layers")
