"""`keras.constraints`: projections applied to weights after each optimizer update, and `get`/`serialize`."""
import inspect

from torchkeras.api_export import keras_export
from torchkeras.backend.naming import to_snake_case
from torchkeras.constraints.constraint import Constraint
from torchkeras.constraints.norm_constraints import MaxNorm
from torchkeras.constraints.norm_constraints import MinMaxNorm
from torchkeras.constraints.norm_constraints import NonNeg
from torchkeras.constraints.norm_constraints import UnitNorm

# Lowercase spellings are the classes themselves; `maxnorm`, `nonneg`, `unitnorm` are Keras 2's legacy aliases.
max_norm = maxnorm = MaxNorm
min_max_norm = MinMaxNorm
non_neg = nonneg = NonNeg
unit_norm = unitnorm = UnitNorm

ALL_OBJECTS = (Constraint, MaxNorm, MinMaxNorm, NonNeg, UnitNorm)
ALL_OBJECTS_DICT = {cls.__name__: cls for cls in ALL_OBJECTS}
ALL_OBJECTS_DICT.update({to_snake_case(cls.__name__): cls for cls in ALL_OBJECTS})
ALL_OBJECTS_DICT.update({"maxnorm": MaxNorm, "nonneg": NonNeg, "unitnorm": UnitNorm})


def _unknown(identifier):
    return ValueError(f"Could not interpret constraint identifier: {identifier}")


@keras_export("keras.constraints.serialize")
def serialize(constraint):
    """The Keras config of a constraint."""
    from torchkeras.saving import serialization_lib

    return serialization_lib.serialize_keras_object(constraint)


@keras_export("keras.constraints.deserialize")
def deserialize(config, custom_objects=None):
    """Return a constraint from its config (Keras 3 or Keras 2 form) or its name."""
    from torchkeras.saving import serialization_lib

    if isinstance(config, str):
        return _from_name(config, custom_objects)
    return serialization_lib.deserialize_keras_object(
        config, custom_objects=custom_objects, module_objects=ALL_OBJECTS_DICT
    )


def _from_name(name, custom_objects=None):
    obj = ALL_OBJECTS_DICT.get(name)
    if obj is None:
        from torchkeras.saving import serialization_lib

        obj = serialization_lib.get_registered_object(name, custom_objects)
    if obj is None:
        raise _unknown(name)
    return obj() if inspect.isclass(obj) else obj


@keras_export("keras.constraints.get")
def get(identifier):
    """Resolve a constraint: a name (`"max_norm"`), a config dict, a class, an instance or a callable."""
    if identifier is None:
        return None
    if isinstance(identifier, str):
        return _from_name(identifier)
    if isinstance(identifier, dict):
        try:
            obj = deserialize(identifier)
        except TypeError as e:
            raise ValueError(f"Could not interpret constraint identifier: {identifier}. {e}") from None
    else:
        obj = identifier
    if callable(obj):
        return obj() if inspect.isclass(obj) else obj
    raise _unknown(identifier)
