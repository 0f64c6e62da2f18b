"""`keras.regularizers`: weight penalties added to the loss, and `get` / `serialize` / `deserialize`."""
import inspect

from torchkeras.api_export import keras_export
from torchkeras.backend.naming import to_snake_case
from torchkeras.regularizers.norm_penalties import L1
from torchkeras.regularizers.norm_penalties import L1L2
from torchkeras.regularizers.norm_penalties import L2
from torchkeras.regularizers.orthogonal_regularizer import OrthogonalRegularizer
from torchkeras.regularizers.regularizer import Regularizer

# The lowercase spellings (`keras.regularizers.l2(0.01)`, Keras 2 style) are the classes themselves.
l1 = L1
l2 = L2
l1_l2 = L1L2
orthogonal_regularizer = OrthogonalRegularizer

ALL_OBJECTS = (Regularizer, L1, L2, L1L2, OrthogonalRegularizer)
ALL_OBJECTS_DICT = {cls.__name__: cls for cls in ALL_OBJECTS}
ALL_OBJECTS_DICT.update({to_snake_case(cls.__name__): cls for cls in ALL_OBJECTS})


def _keras2_l1_l2():
    """The string `'l1_l2'` means what it meant in Keras 2 (`l1_l2()`: both factors 0.01); Keras 3 rejects it."""
    return L1L2(l1=0.01, l2=0.01)


_NAMES = {**ALL_OBJECTS_DICT, "l1_l2": _keras2_l1_l2}


def _unknown(identifier):
    return ValueError(f"Could not interpret regularizer identifier: {identifier}")


@keras_export("keras.regularizers.serialize")
def serialize(regularizer):
    """The Keras config of a regularizer."""
    from torchkeras.saving import serialization_lib

    return serialization_lib.serialize_keras_object(regularizer)


@keras_export("keras.regularizers.deserialize")
def deserialize(config, custom_objects=None):
    """Return a regularizer from its config (Keras 3 or Keras 2 form) or its name."""
    from torchkeras.saving import serialization_lib

    if isinstance(config, str):
        return _from_name(config, custom_objects)
    return serialization_lib.deserialize_keras_object(
        config, custom_objects=custom_objects, module_objects=ALL_OBJECTS_DICT
    )


def _from_name(name, custom_objects=None):
    obj = _NAMES.get(name)
    if obj is None:
        from torchkeras.saving import serialization_lib

        obj = serialization_lib.get_registered_object(name, custom_objects)
    if obj is None:
        raise _unknown(name)
    return obj() if inspect.isclass(obj) or obj is _keras2_l1_l2 else obj


@keras_export("keras.regularizers.get")
def get(identifier):
    """Resolve a regularizer: a name (`"l2"`), a config dict, a class, an instance or a callable; None -> None."""
    if identifier is None:
        return None
    if isinstance(identifier, str):
        return _from_name(identifier)
    if isinstance(identifier, dict):
        try:
            obj = deserialize(identifier)
        except TypeError as e:
            raise ValueError(f"Could not interpret regularizer identifier: {identifier}. {e}") from None
    else:
        obj = identifier
    if callable(obj):
        return obj() if inspect.isclass(obj) else obj
    raise _unknown(identifier)
