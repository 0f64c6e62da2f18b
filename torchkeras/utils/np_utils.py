"""Keras 2's `keras.utils.np_utils` module path: `to_categorical`, `normalize`."""
from torchkeras.utils.keras2_paths import warn_once
from torchkeras.utils.numerical_utils import normalize, to_categorical  # noqa: F401

warn_once("keras.utils.np_utils", "keras.utils.to_categorical and keras.utils.normalize")
