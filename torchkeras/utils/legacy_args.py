"""Keras 1 argument spellings that old tutorials still use, translated with a one-time warning."""
import warnings

_WARNED = set()


def translate(layer_name, kwargs, mapping, positional=None):
    """Rename legacy keys in `kwargs` per `mapping` ({old: new} or {old: (new, convert_fn)})."""
    for old, new in mapping.items():
        if old not in kwargs:
            continue
        convert = None
        if isinstance(new, tuple):
            new, convert = new
        value = kwargs.pop(old)
        if convert is not None:
            value = convert(value)
        if new is None:
            continue
        if new in kwargs:
            raise TypeError(f"{layer_name} got both `{old}` (Keras 1) and `{new}`. Pass only `{new}`.")
        kwargs[new] = value
        key = (layer_name, old)
        if key not in _WARNED:
            _WARNED.add(key)
            warnings.warn(
                f"`{layer_name}({old}=...)` is a Keras 1 argument; use `{new}=` instead.",
                DeprecationWarning,
                stacklevel=4,
            )
    return kwargs


def border_mode(value):
    return value


def bias_flag(value):
    return bool(value)
