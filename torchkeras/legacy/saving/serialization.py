"""Keras 2's object serialization, as Keras 3 keeps it in `keras.legacy.saving` (`keras.utils.legacy`).

An object becomes `{"class_name": <registered name>, "config": <its get_config()>}`, without Keras 3's `module`
and `registered_name` keys; a function becomes its registered name. Reading looks class names up in custom
object scopes, the registered objects, `custom_objects`, then the `module_objects` the caller gives (this is the
low-level utility library code builds `deserialize` functions on, as in Keras). Names resolve through
torchkeras's registry (`keras.saving.register_keras_serializable`, `custom_object_scope`), and the nested
configs an object's `from_config` receives, Keras 2 or Keras 3 dicts alike, are read by that class as usual.
"""
import inspect

from torchkeras.api_export import keras_export
from torchkeras.saving import serialization_lib

# The config of an object whose get_config() is not implemented, when failures are skipped.
_LAYER_UNDEFINED_CONFIG_KEY = "layer was saved without config"
_HOW_TO_REGISTER = (
    "Please ensure you are using a `keras.utils.custom_object_scope` and that this object is included in the "
    "scope. See https://www.tensorflow.org/guide/keras/save_and_serialize#registering_the_custom_object for "
    "details."
)


@keras_export("keras.legacy.saving.serialize_keras_object", "keras.utils.legacy.serialize_keras_object")
def serialize_keras_object(instance):
    """Serialize a Keras object into a JSON-compatible representation (Keras 2's format).

    Args:
        instance: The object to serialize.

    Returns:
        `{"class_name": ..., "config": ...}` for an object with `get_config()`, the registered name for a
        function or class, or None for None.
    """
    instance = inspect.unwrap(instance)
    if instance is None:
        return None
    if hasattr(instance, "get_config"):
        name = serialization_lib.get_registered_name(instance.__class__)
        config = instance.get_config()
        serialized = {}
        for key, item in config.items():
            if isinstance(item, str):
                serialized[key] = item
                continue
            # Objects in a config become configs themselves (marked so that reading turns them back into
            # objects); plain values (numbers, lists, already serialized dicts) stay as they are.
            try:
                value = serialize_keras_object(item)
                if isinstance(value, dict) and not isinstance(item, dict):
                    value["__passive_serialization__"] = True
                serialized[key] = value
            except ValueError:
                serialized[key] = item
        return {"class_name": name, "config": serialized}
    if hasattr(instance, "__name__"):
        return serialization_lib.get_registered_name(instance)
    raise ValueError(f"Cannot serialize {instance} because it doesn't implement `get_config()`.")


def _lookup(name, custom_objects, module_objects):
    return serialization_lib.get_registered_object(name, custom_objects, module_objects)


def class_and_config_for_serialized_keras_object(config, module_objects=None, custom_objects=None,
                                                 printable_module_name="object"):
    """The class and the constructor config of a Keras 2 `{"class_name", "config"}` dict."""
    if not isinstance(config, dict) or "class_name" not in config or "config" not in config:
        raise ValueError(
            f"Improper config format for {config}. Expecting python dict contains `class_name` and `config` "
            "as keys"
        )
    class_name = config["class_name"]
    cls = _lookup(class_name, custom_objects, module_objects)
    if cls is None:
        raise ValueError(f"Unknown {printable_module_name}: '{class_name}'. {_HOW_TO_REGISTER}")
    cls_config = config["config"]
    if isinstance(cls_config, list):  # old Sequential configs: a list of layer configs
        return cls, cls_config
    cls_config = dict(cls_config)
    for key, item in list(cls_config.items()):
        if key == "name":
            continue  # a name is a name, even when a custom function has the same one
        if isinstance(item, dict) and "__passive_serialization__" in item:
            cls_config[key] = deserialize_keras_object(item, module_objects=module_objects,
                                                       custom_objects=custom_objects,
                                                       printable_module_name="config_item")
        elif isinstance(item, str) and inspect.isfunction(_lookup(item, custom_objects, module_objects)):
            cls_config[key] = _lookup(item, custom_objects, module_objects)  # a custom function, saved by name
    return cls, cls_config


@keras_export("keras.legacy.saving.deserialize_keras_object", "keras.utils.legacy.deserialize_keras_object")
def deserialize_keras_object(identifier, module_objects=None, custom_objects=None,
                             printable_module_name="object"):
    """Turns the serialized form of a Keras object (Keras 2's format) back into an actual object.

    This function is for mid-level library implementers rather than end users: names are looked up in custom
    object scopes, registered objects, `custom_objects`, then `module_objects` (e.g. `globals()` of the module
    defining the objects). For built-in Keras objects use `keras.layers.deserialize(config)` and the like.

    Args:
        identifier: the serialized form of the object: a `{"class_name", "config"}` dict, a name, or a function.
        module_objects: A dictionary of built-in objects to look the name up in.
        custom_objects: A dictionary of custom objects to look the name up in.
        printable_module_name: A human-readable string representing the type of the object, for errors.

    Returns:
        The deserialized object (a class named by a string is instantiated with no arguments).
    """
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        cls, cls_config = class_and_config_for_serialized_keras_object(identifier, module_objects,
                                                                       custom_objects, printable_module_name)
        custom_objects = custom_objects or {}
        if hasattr(cls, "from_config"):
            if "custom_objects" in inspect.getfullargspec(cls.from_config).args:
                return cls.from_config(cls_config, custom_objects={**serialization_lib.get_custom_objects(),
                                                                   **custom_objects})
            with serialization_lib.CustomObjectScope(custom_objects):
                return cls.from_config(cls_config)
        # A function returning an object: by convention the config holds its keyword arguments.
        with serialization_lib.CustomObjectScope(custom_objects):
            return cls(**cls_config)
    if isinstance(identifier, str):
        if custom_objects and identifier in custom_objects:
            obj = custom_objects[identifier]
        else:
            obj = _lookup(identifier, None, module_objects)
        if obj is None:
            raise ValueError(f"Unknown {printable_module_name}: '{identifier}'. {_HOW_TO_REGISTER}")
        return obj() if inspect.isclass(obj) else obj  # classes named by a string: instantiated, no arguments
    if inspect.isfunction(identifier):
        return identifier
    raise ValueError(f"Could not interpret serialized {printable_module_name}: {identifier}")
