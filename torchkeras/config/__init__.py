"""`keras.config`: global settings (float type, epsilon, image data format, dtype policy) and switches.

Names resolve on first use from the public table.
"""
from torchkeras.api_export import namespace as _namespace

__getattr__, __dir__, __all__ = _namespace(__name__, internal={"keras_home": "torchkeras.backend.config:keras_home"})
