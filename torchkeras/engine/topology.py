"""Keras 2's `keras.engine.topology` module path (deprecated already in Keras 2)."""
from torchkeras.layers.core.input_layer import Input, InputLayer  # noqa: F401
from torchkeras.layers.input_spec import InputSpec  # noqa: F401
from torchkeras.layers.layer import Layer  # noqa: F401
from torchkeras.models.model import Model as Network  # noqa: F401
from torchkeras.ops.node import Node  # noqa: F401
from torchkeras.utils.keras2_paths import warn_once
from torchkeras.utils.layer_utils import get_source_inputs  # noqa: F401

warn_once("keras.engine.topology", "keras.Layer, keras.Input and keras.Model")
