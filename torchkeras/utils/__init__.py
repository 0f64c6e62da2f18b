"""`keras.utils`.

Names resolve lazily from the public table, so that importing a small helper module from this package does not
import the trainers, the saving code or matplotlib.
"""
from torchkeras.api_export import namespace as _namespace

# Keras 2 module paths: `keras.utils.np_utils.to_categorical`, `keras.utils.generic_utils.*`, ...
__getattr__, __dir__, __all__ = _namespace(__name__, internal={
    "np_utils": "torchkeras.utils.numerical_utils",
    "generic_utils": "torchkeras.utils.generic_utils",
    "vis_utils": "torchkeras.utils.model_visualization",
})
