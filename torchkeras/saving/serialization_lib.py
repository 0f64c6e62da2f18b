"""Keras 3 object serialization: `serialize_keras_object` / `deserialize_keras_object`.

Every object becomes `{"module", "class_name", "config", "registered_name"}` (plus `build_config` and
`compile_config` for layers and models), exactly the schema of Keras 3's `config.json`. Reading also accepts
Keras 2's `{"class_name", "config"}` dicts. Nothing here unpickles or runs code from a file: a serialized
Python lambda is refused unless `safe_mode=False`.
"""
import contextlib
import inspect
import threading
import types

import numpy as np
import torch

from torchkeras import api_export
from torchkeras.api_export import keras_export

GLOBAL_CUSTOM_OBJECTS = {}
GLOBAL_CUSTOM_NAMES = {}
_local = threading.local()

# Public namespaces searched (in order) for a class name that carries no usable module (Keras 2 configs), then
# the internal names of Keras's op classes (`Add`, `Reshape`, ...) that functional configs record.
_NAMESPACES = [
    "keras.layers",
    "keras.models",
    "keras",
    "keras.initializers",
    "keras.regularizers",
    "keras.constraints",
    "keras.losses",
    "keras.metrics",
    "keras.optimizers",
    "keras.optimizers.schedules",
    "keras.activations",
    "keras.callbacks",
    "keras.src.ops.numpy",
    "keras.src.ops.nn",
    "keras.src.ops.core",
    "keras.src.ops.math",
    "keras.src.ops.linalg",
    "keras.src.ops.image",
]
# A function named in a config (an activation, a loss, a metric, an op) resolves only to a public function of
# these namespaces; their module helpers (`get`, `serialize`, `deserialize`) are never "modeling" functions.
_FUNCTION_NAMESPACES = ("keras.activations", "keras.losses", "keras.metrics", "keras.ops")
_HELPERS = frozenset({"get", "serialize", "deserialize"})


def _scopes():
    stack = getattr(_local, "scopes", None)
    if stack is None:
        stack = _local.scopes = []
    return stack


@keras_export("keras.saving.CustomObjectScope", "keras.utils.CustomObjectScope")
class CustomObjectScope:
    """Make custom classes and functions visible to deserialization inside a `with` block."""

    def __init__(self, custom_objects=None, *args):
        merged = dict(custom_objects or {})
        for extra in args:
            merged.update(extra or {})
        self.custom_objects = merged

    def __enter__(self):
        _scopes().append(self.custom_objects)
        return self

    def __exit__(self, *exc):
        _scopes().pop()


custom_object_scope = CustomObjectScope
keras_export("keras.saving.custom_object_scope", "keras.utils.custom_object_scope")(custom_object_scope)


@keras_export("keras.saving.get_custom_objects", "keras.utils.get_custom_objects")
def get_custom_objects():
    """The global dict of registered custom objects (name -> class or function)."""
    return GLOBAL_CUSTOM_OBJECTS


@keras_export("keras.saving.register_keras_serializable", "keras.utils.register_keras_serializable")
def register_keras_serializable(package="Custom", name=None):
    """Register a class or function under `"package>name"` so that saved files can refer to it."""

    def decorator(obj):
        serialized = name if name is not None else obj.__name__
        registered = f"{package}>{serialized}"
        if inspect.isclass(obj) and not hasattr(obj, "get_config"):
            raise ValueError("Cannot register a class that does not have a get_config() method.")
        GLOBAL_CUSTOM_OBJECTS[registered] = obj
        GLOBAL_CUSTOM_NAMES[obj] = registered
        return obj

    return decorator


@keras_export("keras.saving.get_registered_name", "keras.utils.get_registered_name")
def get_registered_name(obj):
    """`"package>name"` for a registered object, else its `__name__`."""
    if obj in GLOBAL_CUSTOM_NAMES:
        return GLOBAL_CUSTOM_NAMES[obj]
    return obj.__name__


@keras_export("keras.saving.get_registered_object", "keras.utils.get_registered_object")
def get_registered_object(name, custom_objects=None, module_objects=None):
    """Find a class or function by name in the custom scopes, the global registry, then `module_objects`."""
    for scope in reversed(_scopes()):
        if name in scope:
            return scope[name]
    if name in GLOBAL_CUSTOM_OBJECTS:
        return GLOBAL_CUSTOM_OBJECTS[name]
    if custom_objects and name in custom_objects:
        return custom_objects[name]
    if module_objects and name in module_objects:
        return module_objects[name]
    return None


# --- safe mode ----------------------------------------------------------------------------------------


def in_safe_mode():
    stack = getattr(_local, "safe_mode", None)
    return stack[-1] if stack else None


@contextlib.contextmanager
def SafeModeScope(safe_mode=True):
    stack = getattr(_local, "safe_mode", None)
    if stack is None:
        stack = _local.safe_mode = []
    stack.append(safe_mode)
    try:
        yield
    finally:
        stack.pop()


@keras_export("keras.config.enable_unsafe_deserialization")
def enable_unsafe_deserialization():
    """Allow loading Python lambdas from Keras files (they run code: only for files you trust)."""
    _local.global_unsafe = True


def unsafe_enabled():
    return getattr(_local, "global_unsafe", False)


# --- serialization ------------------------------------------------------------------------------------


def _public_module(obj):
    cls = obj if inspect.isclass(obj) else type(obj)
    path = api_export.get_export_path(cls)
    if path is None:
        return None, None
    module, _, name = path.rpartition(".")
    return module, name


@keras_export("keras.saving.serialize_keras_object", "keras.utils.serialize_keras_object")
def serialize_keras_object(obj):
    """Turn `obj` into a JSON-friendly Keras 3 config."""
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    if isinstance(obj, bytes):
        return {"class_name": "__bytes__", "config": {"value": obj.decode("utf-8")}}
    if isinstance(obj, (np.floating, np.integer, np.bool_)):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return {"class_name": "__numpy__", "config": {"value": obj.tolist(), "dtype": str(obj.dtype)}}
    if isinstance(obj, torch.Tensor) and not hasattr(obj, "get_config"):
        arr = obj.detach().cpu().numpy()
        return {"class_name": "__tensor__", "config": {"value": arr.tolist(), "dtype": str(arr.dtype)}}
    if isinstance(obj, torch.dtype):
        from torchkeras.backend import dtypes

        return dtypes.standardize_dtype(obj)
    if isinstance(obj, slice):
        return {"class_name": "__slice__", "config": {"start": serialize_keras_object(obj.start),
                                                      "stop": serialize_keras_object(obj.stop),
                                                      "step": serialize_keras_object(obj.step)}}
    if obj is Ellipsis:
        return {"class_name": "__ellipsis__", "config": {}}
    if isinstance(obj, (list, tuple)):
        return [serialize_keras_object(x) for x in obj]
    if isinstance(obj, dict):
        return {k: serialize_keras_object(v) for k, v in obj.items()}
    if isinstance(obj, api_export.get_exported("keras.KerasTensor")):
        history = obj._keras_history
        return {
            "class_name": "__keras_tensor__",
            "config": {
                "shape": list(obj.shape),
                "dtype": obj.dtype,
                "keras_history": [history[0].name, history[1], history[2]] if history else None,
            },
        }
    if isinstance(obj, types.FunctionType) and obj.__name__ == "<lambda>":
        from torchkeras.utils import python_utils

        return {
            "class_name": "__lambda__",
            "config": {"value": list(python_utils.func_dump(obj))},
        }
    if isinstance(obj, (types.FunctionType, types.BuiltinFunctionType)) or (
        callable(obj) and not inspect.isclass(obj) and not hasattr(obj, "get_config")
    ):
        return _serialize_function(obj)
    if inspect.isclass(obj):
        module, name = _public_module(obj)
        return {
            "module": module or obj.__module__,
            "class_name": "class",
            "config": name or obj.__name__,
            "registered_name": None if module else get_registered_name(obj),
        }
    if not hasattr(obj, "get_config"):
        raise TypeError(f"Cannot serialize {obj!r}: it has no `get_config()` method.")
    config = obj.get_config()
    config = serialize_keras_object(config) if not isinstance(config, dict) else {
        k: serialize_keras_object(v) for k, v in config.items()
    }
    cls = type(obj)
    module, name = _public_module(cls)
    registered = GLOBAL_CUSTOM_NAMES.get(cls)
    if module is not None and registered is None:
        result = {"module": module, "class_name": name, "config": config, "registered_name": None}
        special = getattr(cls, "_keras_registered_name", None)
        if special:
            result["module"], result["registered_name"] = special
    else:
        result = {
            # Keras writes no module for classes defined in the running script.
            "module": None if cls.__module__ == "__main__" else cls.__module__,
            "class_name": cls.__name__,
            "config": config,
            "registered_name": registered or cls.__name__,
        }
    if hasattr(obj, "get_build_config"):
        build_config = obj.get_build_config()
        if build_config is not None:
            result["build_config"] = serialize_keras_object(build_config)
    if hasattr(obj, "get_compile_config"):
        compile_config = obj.get_compile_config()
        if compile_config is not None:
            result["compile_config"] = serialize_keras_object(compile_config)
    return result


def _serialize_function(fn):
    name = getattr(fn, "__name__", None)
    registered = GLOBAL_CUSTOM_NAMES.get(fn)
    path = api_export.get_export_path(fn)
    if path is not None and registered is None and modeling_function(path) is fn:
        module, _, public = path.rpartition(".")
        if module in ("keras.losses", "keras.metrics", "keras.activations"):
            module = "builtins"  # how Keras 3 writes its built-in functions
        return {"module": module, "class_name": "function", "config": public, "registered_name": "function"}
    # Keras names a Python function by its (registered) name only, under the module of the function type.
    module = "builtins" if isinstance(fn, types.FunctionType) else getattr(fn, "__module__", None)
    return {
        "module": module,
        "class_name": "function",
        "config": registered or name,
        "registered_name": "function",
    }


# --- deserialization ----------------------------------------------------------------------------------


def _is_public_name(name):
    """A name a config may use: an identifier that is not private (no module paths, no dunders)."""
    return isinstance(name, str) and name.isidentifier() and not name.startswith("_")


def _exported_class(path):
    """The class exported under `path` (public or Keras-internal), or None (also for non-classes)."""
    namespace, _, name = path.rpartition(".")
    if not _is_public_name(name):
        return None
    obj = api_export.find_internal(path) if path.startswith("keras.src.") else api_export.get_exported(path)
    return obj if inspect.isclass(obj) else None


def modeling_function(path):
    """The function exported under `path` (`'keras.metrics.mae'`) if it is one a config may name (an
    activation, loss, metric or op, never a module helper such as `get`/`serialize`, nor a class), else None."""
    namespace, _, name = path.rpartition(".")
    if not _is_public_name(name) or name in _HELPERS:
        return None
    if not any(namespace == ns or namespace.startswith(ns + ".") for ns in _FUNCTION_NAMESPACES):
        return None
    obj = api_export.get_exported(path)
    if obj is None or inspect.isclass(obj) or not callable(obj):
        return None
    return obj


def _find_function(name, module):
    """A built-in function named in a config: under `module` when it is a public Keras namespace, else (for
    Keras's `"builtins"` and Keras 2's bare names) in the activations, losses and metrics."""
    if isinstance(module, str) and (module == "keras" or module.startswith("keras.")) and \
            not module.startswith("keras.src."):
        found = modeling_function(f"{module}.{name}")
        if found is not None:
            return found
    for ns in _FUNCTION_NAMESPACES[:3]:
        found = modeling_function(f"{ns}.{name}")
        if found is not None:
            return found
    return None


def _find_class(class_name, module, registered_name, custom_objects, namespaces=None):
    """A class named in a config: custom objects first, then the public registry (under `module`, or Keras's
    internal name, or by name in the usual namespaces). Only classes are returned."""
    for key in (registered_name, class_name):
        if key:
            found = get_registered_object(key, custom_objects)
            if found is not None:
                return found
    if not isinstance(class_name, str):
        return None
    if isinstance(module, str) and module.startswith("keras") and _is_public_name(class_name):
        found = _exported_class(f"{module}.{class_name}")
        if found is not None:
            return found
    search = list(namespaces or []) + _NAMESPACES
    candidates = [class_name]
    if ">" in class_name:  # Keras 2 writes e.g. "Custom>Adam"
        candidates.append(class_name.split(">")[-1])
    if isinstance(registered_name, str) and ">" in registered_name:
        candidates.append(registered_name.split(">")[-1])
    for name in filter(_is_public_name, candidates):
        for ns in search:
            found = _exported_class(f"{ns}.{name}")
            if found is not None:
                return found
    return None


def _not_found(kind, name, config):
    return TypeError(
        f"Could not locate {kind} '{name}'. Make sure custom classes and functions are decorated with "
        "`@keras.saving.register_keras_serializable()`. If they are already decorated, make sure they are all "
        f"imported so that the decorator is run before trying to load them. Full object config: {config}"
    )


def _special(config, safe_mode):
    cn = config["class_name"]
    inner = config.get("config", {})
    if cn in ("__numpy__", "__tensor__"):
        arr = np.array(inner["value"], dtype=inner["dtype"])
        return arr if cn == "__numpy__" else torch.as_tensor(arr)
    if cn == "__bytes__":
        return inner["value"].encode("utf-8")
    if cn == "__slice__":
        return slice(inner.get("start"), inner.get("stop"), inner.get("step"))
    if cn == "__ellipsis__":
        return Ellipsis
    if cn == "__tuple__":
        return tuple(deserialize_keras_object(x, safe_mode=safe_mode) for x in config.get("items", []))
    if cn == "__lambda__":
        check_lambda_allowed(safe_mode)
        from torchkeras.utils import python_utils

        value = inner["value"]
        if isinstance(value, (list, tuple)):
            return python_utils.func_load(value[0], defaults=value[1] if len(value) > 1 else None,
                                          closure=value[2] if len(value) > 2 else None)
        return python_utils.func_load(value)
    raise _not_found("class", cn, config)  # a dunder name that is no special object: unknown, as in Keras


def check_lambda_allowed(safe_mode=None):
    if safe_mode is None:
        safe_mode = in_safe_mode()
    if safe_mode is None:
        safe_mode = True
    if safe_mode and not unsafe_enabled():
        raise ValueError(
            "Requested the deserialization of a Python lambda. This carries a potential risk of arbitrary "
            "code execution and thus it is disallowed by default. If you trust the source of the saved "
            "model, you can pass `safe_mode=False` to the loading function in order to allow Python lambda "
            "loading, or call `keras.config.enable_unsafe_deserialization()`."
        )


def serialize(obj):
    return serialize_keras_object(obj)


@keras_export("keras.saving.deserialize_keras_object", "keras.utils.deserialize_keras_object")
def deserialize_keras_object(config, custom_objects=None, safe_mode=None, module_objects=None,
                             namespaces=None, printable_module_name="object", **kwargs):
    """Rebuild an object from `serialize_keras_object`'s output (Keras 3), or a Keras 2 config.

    `safe_mode` (default True) refuses serialized Python lambdas; nested calls inherit the outer value.
    """
    if safe_mode is None:
        safe_mode = in_safe_mode()
        if safe_mode is None:
            safe_mode = True
    if config is None or isinstance(config, (bool, int, float)):
        return config
    if isinstance(config, str):
        found = get_registered_object(config, custom_objects, module_objects)
        if found is not None:
            return found
        if namespaces and _is_public_name(config):
            for ns in namespaces:
                found = _exported_class(f"{ns}.{config}") or modeling_function(f"{ns}.{config}")
                if found is not None:
                    return found
        return config
    if isinstance(config, (list, tuple)):
        return [deserialize_keras_object(c, custom_objects, safe_mode, module_objects, namespaces) for c in config]
    if not isinstance(config, dict):
        raise TypeError(f"Could not parse config: {config}")
    if "class_name" not in config:
        return {k: deserialize_keras_object(v, custom_objects, safe_mode, module_objects, namespaces)
                for k, v in config.items()}
    class_name = config["class_name"]
    if not isinstance(class_name, str):
        raise TypeError(f"Could not parse config: `class_name` must be a string, but received {class_name!r} "
                        f"(of type {type(class_name).__name__}). Full object config: {config}")
    if class_name.startswith("__") and class_name.endswith("__") and class_name != "__keras_tensor__":
        return _special(config, safe_mode)
    inner = config.get("config", {})
    module = config.get("module")
    registered_name = config.get("registered_name")
    if class_name == "function":
        name = inner
        fn = get_registered_object(registered_name if registered_name not in (None, "function") else name,
                                   custom_objects, module_objects)
        if fn is None:
            fn = get_registered_object(name, custom_objects, module_objects)
        if fn is None and _is_public_name(name):
            fn = _find_function(name, module)
        if fn is None:
            raise _not_found("function", name, config)
        return fn
    if class_name == "class":
        cls = _find_class(inner, module, registered_name, custom_objects, namespaces)
        if cls is None:
            raise _not_found("class", inner, config)
        return cls
    cls = None
    if module_objects and class_name in module_objects:
        cls = module_objects[class_name]
    if cls is None:
        cls = _find_class(class_name, module, registered_name, custom_objects, namespaces)
    if cls is None:
        raise _not_found("class", class_name, config)
    if isinstance(cls, types.FunctionType):
        return cls
    with CustomObjectScope(custom_objects or {}), SafeModeScope(safe_mode):
        if not hasattr(cls, "from_config"):
            raise TypeError(f"Unable to reconstruct an instance of '{class_name}': it has no `from_config()`.")
        if inspect.isclass(cls) and hasattr(cls, "build") and inner is not None and \
                not isinstance(inner, (dict, list)):
            raise TypeError(f"Could not parse the config of '{class_name}': its `config` must be a dict, but "
                            f"received {inner!r}.")
        from torchkeras.saving import layer_argument_checks

        layer_argument_checks.check_layer_arguments(cls, inner)
        obj = cls.from_config(inner if isinstance(inner, dict) else {"value": inner})
        build_config = config.get("build_config")
        if build_config and hasattr(obj, "build_from_config") and not getattr(obj, "built", True):
            try:
                obj.build_from_config(build_config)
            except Exception as e:  # noqa: BLE001 - the layer can still build lazily on first call
                import warnings

                warnings.warn(
                    f"Layer '{getattr(obj, 'name', class_name)}' could not be built from its build_config "
                    f"{build_config}: {e}. It will be built on its first call instead.",
                    stacklevel=2,
                )
        compile_config = config.get("compile_config")
        if compile_config and hasattr(obj, "compile_from_config"):
            obj.compile_from_config(compile_config)
    return obj


deserialize = deserialize_keras_object
