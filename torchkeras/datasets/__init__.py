"""`keras.datasets`: small ready-made datasets, downloaded once into `~/.keras/datasets` (or `$KERAS_HOME`)."""
from torchkeras.api_export import namespace as _namespace

__getattr__, __dir__, __all__ = _namespace(__name__)
