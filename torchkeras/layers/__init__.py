"""`keras.layers`: every layer class (grouped by family in sub-packages), resolved on first use, and
`serialize` / `deserialize`."""
from torchkeras.api_export import namespace as _namespace

# Keras 2 module paths (`keras.layers.core.Dense`, `keras.layers.advanced_activations.LeakyReLU`, ...) resolve
# too, without being advertised.
_KERAS2_MODULES = ("advanced_activations", "convolutional", "convolutional_recurrent", "core", "cudnn_recurrent",
                   "embeddings", "local", "noise", "normalization", "pooling", "recurrent", "wrappers")

__getattr__, __dir__, __all__ = _namespace(
    __name__, internal={name: f"{__name__}.{name}" for name in _KERAS2_MODULES}
)
