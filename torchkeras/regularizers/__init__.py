"""`keras.regularizers`: weight penalties added to the loss, and `get` / `serialize` / `deserialize`."""
from torchkeras.api_export import namespace as _namespace
from torchkeras.api_export import keras_export
from torchkeras.regularizers.norm_penalties import L1
from torchkeras.regularizers.norm_penalties import L1L2
from torchkeras.regularizers.norm_penalties import L2
from torchkeras.regularizers.orthogonal_regularizer import OrthogonalRegularizer
from torchkeras.regularizers.regularizer import Regularizer
from torchkeras.utils.identifier_utils import deserialize_object
from torchkeras.utils.identifier_utils import get_object
from torchkeras.utils.identifier_utils import name_table
from torchkeras.utils.identifier_utils import object_from_name

# The lowercase spellings (`keras.regularizers.l2(0.01)`, Keras 2 style) are the classes themselves.
l1 = L1
l2 = L2
l1_l2 = L1L2
orthogonal_regularizer = OrthogonalRegularizer

ALL_OBJECTS = (Regularizer, L1, L2, L1L2, OrthogonalRegularizer)
ALL_OBJECTS_DICT = name_table(ALL_OBJECTS)


def _keras2_l1_l2():
    """The string `'l1_l2'` means what it meant in Keras 2 (`l1_l2()`: both factors 0.01); Keras 3 rejects it."""
    return L1L2(l1=0.01, l2=0.01)


@keras_export("keras.regularizers.serialize")
def serialize(regularizer):
    """The Keras config of a regularizer."""
    from torchkeras.saving import serialization_lib

    return serialization_lib.serialize_keras_object(regularizer)


@keras_export("keras.regularizers.deserialize")
def deserialize(config, custom_objects=None):
    """Return a regularizer from its config (Keras 3 or Keras 2 form) or its name."""
    return deserialize_object(config, custom_objects, ALL_OBJECTS_DICT, _from_name)


def _from_name(name, custom_objects=None):
    if name == "l1_l2":
        return _keras2_l1_l2()
    return object_from_name(name, ALL_OBJECTS_DICT, "regularizer", custom_objects)


@keras_export("keras.regularizers.get")
def get(identifier):
    """Resolve a regularizer: a name (`"l2"`), a config dict, a class, an instance or a callable; None -> None."""
    return get_object(identifier, "regularizer", _from_name, deserialize)

__getattr__, __dir__, __all__ = _namespace(__name__)
