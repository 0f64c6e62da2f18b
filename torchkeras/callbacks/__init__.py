"""`keras.callbacks`: hooks into `fit`, `evaluate` and `predict`, resolved on first use."""
from torchkeras.api_export import namespace as _namespace

__getattr__, __dir__, __all__ = _namespace(__name__)
