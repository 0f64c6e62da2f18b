"""`keras.legacy.saving`: Keras 2's serialization format (`{"class_name", "config"}`), also exported as
`keras.utils.legacy`."""
from torchkeras.api_export import namespace as _namespace

__getattr__, __dir__, __all__ = _namespace(__name__)
