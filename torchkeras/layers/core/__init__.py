from torchkeras.layers.core.dense import Dense
from torchkeras.layers.core.embedding import Embedding
from torchkeras.layers.core.identity import Identity
from torchkeras.layers.core.input_layer import Input, InputLayer
from torchkeras.layers.core.lambda_layer import Lambda
from torchkeras.layers.core.reversible_embedding import ReversibleEmbedding
from torchkeras.layers.core.torch_module_wrapper import TorchModuleWrapper

__all__ = ["Dense", "Embedding", "Identity", "Input", "InputLayer", "Lambda", "TorchModuleWrapper"]

# Keras 2 exposed more layers under `keras.layers.core`; they resolve lazily (with a one-time warning) to the
# same classes as `keras.layers.<Name>`.
from torchkeras.utils.keras2_paths import lazy_names as _lazy_names  # noqa: E402

__getattr__ = _lazy_names(__name__, {
    "Activation": "torchkeras.layers.activations.activation",
    "ActivityRegularization": "torchkeras.layers.regularization.activity_regularization",
    "Dropout": "torchkeras.layers.regularization.dropout",
    "SpatialDropout1D": "torchkeras.layers.regularization.spatial_dropout",
    "SpatialDropout2D": "torchkeras.layers.regularization.spatial_dropout",
    "SpatialDropout3D": "torchkeras.layers.regularization.spatial_dropout",
    "Flatten": "torchkeras.layers.reshaping.flatten",
    "Permute": "torchkeras.layers.reshaping.permute",
    "RepeatVector": "torchkeras.layers.reshaping.repeat_vector",
    "Reshape": "torchkeras.layers.reshaping.reshape",
    "Masking": "torchkeras.layers.core.masking",
    # Keras 1 (`from keras.layers.core import Merge, MaxoutDense, Highway`).
    "Merge": "torchkeras.layers.merging.keras1_merge",
    "merge": "torchkeras.layers.merging.keras1_merge",
    "MaxoutDense": "torchkeras.legacy.layers",
    "Highway": "torchkeras.legacy.layers",
}, "keras.layers")
__all__ += ["ReversibleEmbedding"]
