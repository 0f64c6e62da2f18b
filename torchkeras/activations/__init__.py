"""`keras.activations`: the built-in activation functions, and `get` / `serialize` / `deserialize`."""
from torchkeras.api_export import namespace as _namespace
from torchkeras.activations import dispatch
from torchkeras.activations.along_axis import glu
from torchkeras.activations.along_axis import log_softmax
from torchkeras.activations.along_axis import softmax
from torchkeras.activations.along_axis import sparsemax
from torchkeras.activations.rectifiers import celu
from torchkeras.activations.rectifiers import elu
from torchkeras.activations.rectifiers import leaky_relu
from torchkeras.activations.rectifiers import relu
from torchkeras.activations.rectifiers import relu6
from torchkeras.activations.rectifiers import selu
from torchkeras.activations.rectifiers import threshold
from torchkeras.activations.shrinks import hard_shrink
from torchkeras.activations.shrinks import hard_tanh
from torchkeras.activations.shrinks import soft_shrink
from torchkeras.activations.shrinks import tanh_shrink
from torchkeras.activations.smooth import exponential
from torchkeras.activations.smooth import gelu
from torchkeras.activations.smooth import hard_sigmoid
from torchkeras.activations.smooth import hard_silu
from torchkeras.activations.smooth import linear
from torchkeras.activations.smooth import log_sigmoid
from torchkeras.activations.smooth import mish
from torchkeras.activations.smooth import sigmoid
from torchkeras.activations.smooth import silu
from torchkeras.activations.smooth import softplus
from torchkeras.activations.smooth import softsign
from torchkeras.activations.smooth import sparse_plus
from torchkeras.activations.smooth import sparse_sigmoid
from torchkeras.activations.smooth import squareplus
from torchkeras.activations.smooth import tanh
from torchkeras.api_export import keras_export

swish = silu
hard_swish = hard_silu

ALL_OBJECTS = (
    relu, leaky_relu, relu6, softmax, celu, elu, selu, softplus, softsign, squareplus, soft_shrink, sparse_plus,
    silu, gelu, glu, tanh, tanh_shrink, threshold, sigmoid, sparse_sigmoid, exponential, hard_sigmoid, hard_silu,
    hard_tanh, hard_shrink, linear, mish, log_softmax, log_sigmoid, sparsemax,
)
ALL_OBJECTS_DICT = {fn.__name__: fn for fn in ALL_OBJECTS}
ALL_OBJECTS_DICT["swish"] = silu
ALL_OBJECTS_DICT["hard_swish"] = hard_silu

dispatch.register_ops(ALL_OBJECTS)


def _unknown(identifier):
    return ValueError(f"Could not interpret activation function identifier: {identifier}")


def is_builtin(fn):
    """Whether `fn` is one of Keras's built-in activation functions (serialized by name)."""
    name = getattr(fn, "__name__", None)
    return isinstance(name, str) and ALL_OBJECTS_DICT.get(name) is fn


@keras_export("keras.activations.serialize")
def serialize(activation):
    """The name of a built-in activation (`'relu'`), else the Keras config of the function or object."""
    from torchkeras.saving import serialization_lib

    if is_builtin(activation):
        return activation.__name__
    if isinstance(activation, str):
        if activation in ALL_OBJECTS_DICT:
            return ALL_OBJECTS_DICT[activation].__name__
        raise _unknown(activation)
    if not callable(activation):
        raise ValueError(
            f"Unknown activation function '{activation}' cannot be serialized: expected a built-in activation "
            "name, a function, or a callable object with `get_config()`."
        )
    return serialization_lib.serialize_keras_object(activation)


@keras_export("keras.activations.deserialize")
def deserialize(config, custom_objects=None):
    """Return the activation function described by `config` (a name or a serialized config)."""
    from torchkeras.saving import serialization_lib

    if isinstance(config, str):
        fn = _lookup_name(config, custom_objects)
        if fn is None:
            raise _unknown(config)
        return fn
    return serialization_lib.deserialize_keras_object(
        config, custom_objects=custom_objects, module_objects=ALL_OBJECTS_DICT
    )


def _lookup_name(name, custom_objects=None):
    fn = ALL_OBJECTS_DICT.get(name)
    if fn is not None:
        return fn
    # Keras 2 scripts register custom activations by name (`get_custom_objects()["my_act"] = fn`).
    from torchkeras.saving import serialization_lib

    return serialization_lib.get_registered_object(name, custom_objects)


@keras_export("keras.activations.get")
def get(identifier):
    """Resolve an activation: None (linear), a name, a serialized config, or a callable."""
    if identifier is None:
        return linear
    if isinstance(identifier, str):
        obj = _lookup_name(identifier)
    elif isinstance(identifier, dict):
        obj = deserialize(identifier)
    else:
        obj = identifier
    if callable(obj):
        return obj
    raise _unknown(identifier)

__getattr__, __dir__, __all__ = _namespace(__name__)
