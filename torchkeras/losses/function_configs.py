"""How loss and metric functions appear in configs.

A built-in function (`mean_squared_error`, `binary_accuracy`, ...) is written the way Keras 3 writes it,
`{"module": "builtins", "class_name": "function", "config": "<name>", "registered_name": "function"}`, so that
Keras reads our configs; anything else goes through the generic serializer.
"""
from torchkeras import api_export
from torchkeras.saving import serialization_lib


def serialize_function(fn):
    """The config of a loss or metric function: Keras's `builtins` reference for a built-in one."""
    path = api_export.get_export_path(fn)
    if path is not None and path.startswith(("keras.losses.", "keras.metrics.")) and \
            fn not in serialization_lib.GLOBAL_CUSTOM_NAMES:
        return {"module": "builtins", "class_name": "function", "config": fn.__name__, "registered_name": "function"}
    return serialization_lib.serialize_keras_object(fn)


def serialize_object(obj):
    """The config of a loss or metric: a function as `serialize_function` writes it, else the object's config."""
    if callable(obj) and not hasattr(obj, "get_config"):
        return serialize_function(obj)
    return serialization_lib.serialize_keras_object(obj)


def deserialize_function(config, lookup, custom_objects=None):
    """The function a config (or a plain name, as Keras 2 files store it) refers to.

    `lookup(name)` finds a built-in function by name (or returns None); custom objects win over built-ins, and
    other configs (e.g. registered custom functions) go through the generic deserializer.
    """
    if isinstance(config, str):
        found = (custom_objects or {}).get(config) or lookup(config)
        if found is None:
            raise ValueError(f"Could not interpret function identifier: {config}")
        return found
    if isinstance(config, dict) and config.get("class_name") == "function":
        module, name = config.get("module"), config.get("config")
        if custom_objects and name in custom_objects:
            return custom_objects[name]
        if module in (None, "builtins") or str(module).startswith(("keras.", "torchkeras.")):
            found = lookup(name)
            if found is not None:
                return found
    return serialization_lib.deserialize_keras_object(config, custom_objects=custom_objects)


def wrapper_config(config, fn, fn_kwargs):
    """A function wrapper's config: its base `config`, the function under `"fn"` and the function's kwargs."""
    config["fn"] = serialize_function(fn)
    config.update(serialization_lib.serialize_keras_object(fn_kwargs))
    return config


def wrapper_arguments(config, lookup):
    """A function wrapper's constructor arguments from its config (`"fn"` resolved with `lookup`)."""
    config = dict(config)
    if "fn" in config:
        config["fn"] = deserialize_function(config["fn"], lookup)
    return config
