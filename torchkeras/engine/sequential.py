"""Keras 2's `keras.engine.sequential` module path: `Sequential`."""
from torchkeras.models.sequential import Sequential  # noqa: F401
from torchkeras.utils.keras2_paths import warn_once

warn_once("keras.engine.sequential", "keras.Sequential")
