"""Keras 2's `keras.layers.advanced_activations` module path."""
from torchkeras.utils.keras2_paths import warn_once
from torchkeras.layers.activations import ELU, LeakyReLU, PReLU, ReLU, Softmax, ThresholdedReLU  # noqa: F401

warn_once(__name__.replace("torchkeras", "keras", 1), "keras.layers")
