"""Keras 2 module paths (`keras.layers.core`, `keras.engine.topology`, `keras.utils.np_utils`, ...).

They are aliases: the names they hold are the very objects of the modern modules, so `isinstance`, configs
and saving see no difference. Each old path warns once per process with a DeprecationWarning that names the
modern spelling.
"""
import importlib
import warnings

_WARNED = set()


def warn_once(old, new, stacklevel=3, what="a Keras 2 module path, kept as an alias"):
    """One DeprecationWarning for the Keras 2 spelling `old`, naming its modern spelling `new`.

    `stacklevel` counts from the caller of `warn_once` plus one (3: the code that called the caller)."""
    if old in _WARNED:
        return
    _WARNED.add(old)
    warnings.warn(f"`{old}` is {what}. Use `{new}` instead.", DeprecationWarning, stacklevel=stacklevel)


def lazy_names(module_name, table, modern_prefix):
    """A module `__getattr__` that resolves the Keras 2 names of `table` (`name -> "module:attr"`) on first
    access, with a one-time warning naming `<modern prefix>.<name>` (`modern_prefix`: a string, or a dict
    `name -> prefix`)."""

    def __getattr__(name):
        target = table.get(name)
        if target is None:
            raise AttributeError(f"module '{module_name}' has no attribute '{name}'")
        source, _, attr = target.partition(":")
        value = getattr(importlib.import_module(source), attr or name)
        prefix = modern_prefix.get(name, "keras") if isinstance(modern_prefix, dict) else modern_prefix
        warn_once(f"{module_name.replace('torchkeras', 'keras', 1)}.{name}", f"{prefix}.{name}")
        return value

    return __getattr__
