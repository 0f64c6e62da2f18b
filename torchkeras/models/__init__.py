"""`keras.models`: Model, Sequential, load/save, cloning and config helpers, resolved on first use."""
from torchkeras.api_export import namespace as _namespace

__getattr__, __dir__, __all__ = _namespace(__name__)
