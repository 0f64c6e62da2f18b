"""Keras 2's `keras.layers.noise` module path: `GaussianNoise`, `GaussianDropout`, `AlphaDropout`."""
from torchkeras.utils.keras2_paths import warn_once
from torchkeras.layers.regularization import AlphaDropout, GaussianDropout, GaussianNoise  # noqa: F401

warn_once(__name__.replace("torchkeras", "keras", 1), "keras.layers")
