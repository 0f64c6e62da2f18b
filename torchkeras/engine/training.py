"""Keras 2's `keras.engine.training` module path: `Model`."""
from torchkeras.models.model import Model  # noqa: F401
from torchkeras.utils.keras2_paths import warn_once

warn_once("keras.engine.training", "keras.Model")
