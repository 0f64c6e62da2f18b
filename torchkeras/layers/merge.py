"""Keras 2's `keras.layers.merge` module path (and Keras 1's `Merge` layer and `merge` function)."""
from torchkeras.utils.keras2_paths import warn_once
from torchkeras.layers.merging import Add, Average, Concatenate, Dot, Maximum, Minimum  # noqa: F401
from torchkeras.layers.merging import Multiply, Subtract  # noqa: F401
from torchkeras.layers.merging import add, average, concatenate, dot, maximum, minimum  # noqa: F401
from torchkeras.layers.merging import multiply, subtract  # noqa: F401
from torchkeras.layers.merging.keras1_merge import Merge, merge  # noqa: F401

warn_once(__name__.replace("torchkeras", "keras", 1), "keras.layers")
