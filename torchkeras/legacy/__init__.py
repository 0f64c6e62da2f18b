"""`keras.legacy`: Keras 2's `keras.legacy.layers` (MaxoutDense, Highway, AtrousConvolution1D/2D, the abstract
`Recurrent`) and `keras.legacy.interfaces` (the Keras 1 -> Keras 2 argument converters).

Submodules load on first use, so `import keras.legacy` stays cheap.
"""
import importlib

_SUBMODULES = ("interfaces", "layers")


def __getattr__(name):
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module '{__name__}' has no attribute '{name}'")


def __dir__():
    return sorted(set(globals()) | set(_SUBMODULES))
