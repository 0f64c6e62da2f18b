"""`keras.random`: random tensors (`normal`, `uniform`, `dropout`, ...) and `SeedGenerator`."""
from torchkeras.api_export import namespace as _namespace

__getattr__, __dir__, __all__ = _namespace(__name__)
