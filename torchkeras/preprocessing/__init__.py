"""`keras.preprocessing`: Keras 3's dataset builders, and Keras 2's `text`, `sequence` and `image` modules."""
from torchkeras.api_export import namespace as _namespace

__getattr__, __dir__, __all__ = _namespace(__name__)
