"""`keras.losses`: every built-in Keras 3 loss, as a class (`MeanSquaredError()`) and as a function of
per-sample values (`mean_squared_error`), plus `get`, `serialize` and `deserialize`. Names resolve on first use."""
from torchkeras.api_export import namespace as _namespace

__getattr__, __dir__, __all__ = _namespace(__name__, internal={
    "ALL_OBJECTS": "torchkeras.losses.identifiers:ALL_OBJECTS",
    "ALL_OBJECTS_DICT": "torchkeras.losses.identifiers:ALL_OBJECTS_DICT",
    "resolve_crossentropy": "torchkeras.losses.identifiers:resolve_crossentropy",
})
