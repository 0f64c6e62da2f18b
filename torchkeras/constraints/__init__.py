"""`keras.constraints`: projections applied to weights after each optimizer update, and `get`/`serialize`."""
from torchkeras.api_export import namespace as _namespace
from torchkeras.api_export import keras_export
from torchkeras.constraints.constraint import Constraint
from torchkeras.constraints.norm_constraints import MaxNorm
from torchkeras.constraints.norm_constraints import MinMaxNorm
from torchkeras.constraints.norm_constraints import NonNeg
from torchkeras.constraints.norm_constraints import UnitNorm
from torchkeras.utils.identifier_utils import deserialize_object
from torchkeras.utils.identifier_utils import get_object
from torchkeras.utils.identifier_utils import name_table
from torchkeras.utils.identifier_utils import object_from_name

# Lowercase spellings are the classes themselves; `maxnorm`, `nonneg`, `unitnorm` are Keras 2's legacy aliases.
max_norm = maxnorm = MaxNorm
min_max_norm = MinMaxNorm
non_neg = nonneg = NonNeg
unit_norm = unitnorm = UnitNorm

ALL_OBJECTS = (Constraint, MaxNorm, MinMaxNorm, NonNeg, UnitNorm)
ALL_OBJECTS_DICT = name_table(ALL_OBJECTS)
ALL_OBJECTS_DICT.update({"maxnorm": MaxNorm, "nonneg": NonNeg, "unitnorm": UnitNorm})


@keras_export("keras.constraints.serialize")
def serialize(constraint):
    """The Keras config of a constraint."""
    from torchkeras.saving import serialization_lib

    return serialization_lib.serialize_keras_object(constraint)


@keras_export("keras.constraints.deserialize")
def deserialize(config, custom_objects=None):
    """Return a constraint from its config (Keras 3 or Keras 2 form) or its name."""
    return deserialize_object(config, custom_objects, ALL_OBJECTS_DICT, _from_name)


def _from_name(name, custom_objects=None):
    return object_from_name(name, ALL_OBJECTS_DICT, "constraint", custom_objects)


@keras_export("keras.constraints.get")
def get(identifier):
    """Resolve a constraint: a name (`"max_norm"`), a config dict, a class, an instance or a callable."""
    return get_object(identifier, "constraint", _from_name, deserialize)

__getattr__, __dir__, __all__ = _namespace(__name__)
