"""Keras 2's `keras.engine` package path: `Input`, `InputLayer`, `InputSpec`, `Layer`, `Model`,
`get_source_inputs` (and the modules `topology`, `training`, `base_layer`, `input_layer`, `sequential`,
`network`, `saving`), as aliases of today's objects. Each name warns once, naming its modern spelling."""
from torchkeras.utils.keras2_paths import lazy_names as _lazy_names

_TABLE = {
    "Input": "torchkeras.layers.core.input_layer",
    "InputLayer": "torchkeras.layers.core.input_layer",
    "InputSpec": "torchkeras.layers.input_spec",
    "Layer": "torchkeras.layers.layer",
    "Model": "torchkeras.models.model",
    "get_source_inputs": "torchkeras.utils.layer_utils",
}
_MODERN = {"Input": "keras", "InputLayer": "keras.layers", "InputSpec": "keras", "Layer": "keras", "Model": "keras",
           "get_source_inputs": "keras.utils"}

__getattr__ = _lazy_names(__name__, _TABLE, _MODERN)


def __dir__():
    return sorted(set(globals()) | set(_TABLE))
