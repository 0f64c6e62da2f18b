"""The `get()` / `deserialize()` resolution shared by initializers, regularizers, constraints, losses and metrics.

`kind` is the word Keras puts in its error message: "Could not interpret {kind} identifier: ...".
"""
import inspect

from torchkeras.backend.naming import to_snake_case


def name_table(classes):
    """`{name: class}` for each class, under its own name and its snake_case name."""
    table = {cls.__name__: cls for cls in classes}
    table.update({to_snake_case(cls.__name__): cls for cls in classes})
    return table


def unknown_identifier(kind, identifier):
    return ValueError(f"Could not interpret {kind} identifier: {identifier}")


def instantiate(obj, kind, identifier):
    """A class becomes a default instance, any other callable is kept; anything else is an unknown identifier."""
    if callable(obj):
        return obj() if inspect.isclass(obj) else obj
    raise unknown_identifier(kind, identifier)


def object_from_name(name, names, kind, custom_objects=None):
    """The object called `name` in `names` or among the registered custom objects (a class is instantiated)."""
    obj = names.get(name)
    if obj is None:
        from torchkeras.saving import serialization_lib

        obj = serialization_lib.get_registered_object(name, custom_objects)
    if obj is None:
        raise unknown_identifier(kind, name)
    return obj() if inspect.isclass(obj) else obj


def deserialize_object(config, custom_objects, module_objects, from_name):
    """A name goes to `from_name(name, custom_objects)`; a config (Keras 3 or Keras 2 form) is deserialized."""
    if isinstance(config, str):
        return from_name(config, custom_objects)
    from torchkeras.saving import serialization_lib

    return serialization_lib.deserialize_keras_object(
        config, custom_objects=custom_objects, module_objects=module_objects
    )


def get_object(identifier, kind, from_name, deserialize, convert=None):
    """Keras's `get()` for configurable objects: None gives None; a name goes to `from_name`; a config dict is
    deserialized (a config that does not fit the class is a ValueError); anything else (after `convert`, if
    given) must be a class, which is instantiated, or a callable."""
    if identifier is None:
        return None
    if isinstance(identifier, str):
        return from_name(identifier)
    if isinstance(identifier, dict):
        try:
            obj = deserialize(identifier)
        except TypeError as e:
            raise ValueError(f"Could not interpret {kind} identifier: {identifier}. {e}") from None
    else:
        obj = identifier if convert is None else convert(identifier)
    return instantiate(obj, kind, identifier)


def get_builtin(identifier, kind, names, deserialize):
    """Keras's `get()` for losses and metrics: None gives None; a name is looked up in `names`, a config dict is
    deserialized; the result must be a class, which is instantiated, or a callable."""
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        obj = deserialize(identifier)
    elif isinstance(identifier, str):
        obj = names.get(identifier, None)
    else:
        obj = identifier
    return instantiate(obj, kind, identifier)
