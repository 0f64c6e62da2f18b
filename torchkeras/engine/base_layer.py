"""Keras 2's `keras.engine.base_layer` module path: `Layer`, `InputSpec`, `Node`."""
from torchkeras.layers.input_spec import InputSpec  # noqa: F401
from torchkeras.layers.layer import Layer  # noqa: F401
from torchkeras.ops.node import Node  # noqa: F401
from torchkeras.utils.keras2_paths import warn_once

warn_once("keras.engine.base_layer", "keras.Layer and keras.InputSpec")


def disable_tracking(func):
    """Keras 2 decorator that stopped a method's attribute assignments from tracking layers; torchkeras
    tracks sublayers as `torch.nn.Module`s, so it returns `func` unchanged."""
    return func
