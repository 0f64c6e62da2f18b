"""Locally-connected layers (Keras 2): `LocallyConnected1D`, `LocallyConnected2D`."""
from torchkeras.layers.locally_connected.locally_connected1d import LocallyConnected1D
from torchkeras.layers.locally_connected.locally_connected2d import LocallyConnected2D

__all__ = ["LocallyConnected1D", "LocallyConnected2D"]
