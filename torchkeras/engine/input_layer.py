"""Keras 2's `keras.engine.input_layer` module path: `Input`, `InputLayer`."""
from torchkeras.layers.core.input_layer import Input, InputLayer  # noqa: F401
from torchkeras.utils.keras2_paths import warn_once

warn_once("keras.engine.input_layer", "keras.Input and keras.layers.InputLayer")
