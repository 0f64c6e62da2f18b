"""`keras.metrics`: stateful metrics (`update_state` / `result` / `reset_state`), the metric functions, and `get`,
`serialize`, `deserialize`. Names resolve on first use."""
from torchkeras.api_export import namespace as _namespace

__getattr__, __dir__, __all__ = _namespace(__name__, internal={
    "ALL_OBJECTS": "torchkeras.metrics.identifiers:ALL_OBJECTS",
    "ALL_OBJECTS_DICT": "torchkeras.metrics.identifiers:ALL_OBJECTS_DICT",
    "resolve_accuracy": "torchkeras.metrics.identifiers:resolve_accuracy",
})
