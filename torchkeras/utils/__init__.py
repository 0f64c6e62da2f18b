"""`keras.utils`.

Names resolve lazily from the public table, so that importing a small helper module from this package does not
import the trainers, the saving code or matplotlib.
"""
from torchkeras.api_export import namespace as _namespace

# Keras 2 module paths: `keras.utils.np_utils.to_categorical`, `keras.utils.generic_utils.*`, ...
_KERAS2_MODULES = ("np_utils", "generic_utils", "data_utils", "vis_utils", "layer_utils", "conv_utils", "io_utils")

__getattr__, __dir__, __all__ = _namespace(__name__, submodules=_KERAS2_MODULES)
