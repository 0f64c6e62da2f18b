"""`keras.legacy`: Keras 2's `keras.legacy.layers` (MaxoutDense, Highway, AtrousConvolution1D/2D, the abstract
`Recurrent`) and `keras.legacy.interfaces` (the Keras 1 -> Keras 2 argument converters).

Submodules load on first use, so `import keras.legacy` stays cheap.
"""
from torchkeras.api_export import namespace as _namespace

__getattr__, __dir__, __all__ = _namespace(__name__, submodules=("interfaces", "layers"))
