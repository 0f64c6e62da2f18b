"""Checks at the config boundary: a model loader returns a model or raises, and a built-in layer built from a
config gets its arguments checked as a constructor would, before anything is allocated.

- `check_model_config(config, what)` refuses what cannot describe a model (`null`, `{}`, a list, a number, a
  function, class or optimizer reference, a bare layer), saying what was found.
- `deserialize_model(config, what, ...)` rebuilds it, turns recursion and allocation failures into clear
  errors, and checks that the result is a model.
- `check_layer_arguments(cls, config)` validates the common size, rate and epsilon arguments of torchkeras's
  own layers (positive integers below 2**31 for sizes, rates in [0, 1], epsilons >= 0, numbers that are not
  strings), so that `units=10**40` or `epsilon=-1` fail fast with the argument's name.
"""
import numbers

from torchkeras.saving import limits

def _kind_of(config):
    """A short description of what a config value is, for error messages."""
    if config is None:
        return "null"
    if isinstance(config, bool):
        return f"the boolean {config}"
    if isinstance(config, numbers.Number):
        return f"the number {config!r}"
    if isinstance(config, str):
        return f"the string {config[:80]!r}"
    if isinstance(config, (list, tuple)):
        return f"a list of {len(config)} items"
    if isinstance(config, dict):
        if not config:
            return "an empty dict"
        class_name = config.get("class_name")
        if class_name is None:
            return f"a dict without `class_name` (keys: {sorted(map(str, config))[:10]})"
        if class_name == "function":
            return f"a function reference ({config.get('config')!r})"
        if class_name == "class":
            return f"a class reference ({config.get('config')!r})"
        return f"a config of class {class_name!r}"
    return f"a {type(config).__name__}"


def check_model_config(config, what):
    """Refuse a config that cannot describe a model, before deserializing it."""
    if isinstance(config, dict) and "class_name" in config:
        class_name = config["class_name"]
        if not isinstance(class_name, str):
            raise TypeError(f"{what} is not a model config: its `class_name` must be a string, but it is "
                            f"{_kind_of(class_name)}.")
        if class_name not in ("function", "class") and not class_name.startswith("__"):
            inner = config.get("config")
            if inner is not None and not isinstance(inner, (dict, list)):
                raise TypeError(f"{what} is not a model config: the `config` of class {class_name!r} must be a "
                                f"dict, but it is {_kind_of(inner)}.")
            return
    raise ValueError(f"{what} is not a model config: expected a dict with `class_name` and `config` describing a "
                     f"Keras model, but found {_kind_of(config)}.")


def deserialize_model(config, what, custom_objects=None, safe_mode=None, deserialize=None):
    """Rebuild the model of `config` (already checked by `check_model_config`) and check it is a model."""
    from torchkeras.models.model import Model
    from torchkeras.saving import serialization_lib

    deserialize = deserialize or serialization_lib.deserialize_keras_object
    limits.check_depth(config, what)
    try:
        obj = deserialize(config, custom_objects=custom_objects, safe_mode=safe_mode)
    except RecursionError:
        raise limits.ConfigError(f"{what} is nested too deeply to be rebuilt: it is malformed.") from None
    except (AttributeError, IndexError, KeyError) as e:
        raise limits.ConfigError(f"{what} is malformed: rebuilding it failed with {type(e).__name__}: {e}. It "
                                 "was not written by Keras, or it was damaged.") from e
    except MemoryError:
        raise ValueError(f"{what} describes a model too large to allocate: a size argument is absurd.") from None
    except RuntimeError as e:
        if "alloc" in str(e).lower() or "memory" in str(e).lower():
            raise ValueError(f"{what} describes a model too large to allocate ({e}): a size argument is "
                             "absurd.") from None
        raise
    if not isinstance(obj, Model) and not callable(getattr(type(obj), "save", None)):
        # Models, and the layers Keras saves as whole `.keras` files themselves (FeatureSpace's `save`).
        found = f"a layer ({type(obj).__name__} '{getattr(obj, 'name', '?')}')" if hasattr(obj, "build") \
            else f"{type(obj).__name__}" if not isinstance(obj, type) else f"the class {obj.__name__}"
        raise ValueError(f"{what} is not a model config: it describes {found}, not a Keras model. Use "
                         "`keras.layers.deserialize` or the object's `from_config` for other objects.")
    return obj
