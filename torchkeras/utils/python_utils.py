"""Small Python helpers, including how Keras stores Python functions (Lambda layers) in configs.

`func_dump` / `func_load` use Keras's format: the function's code object, marshalled and base64-encoded.
Marshalled code only loads in the Python version (major.minor) that wrote it, and loading it runs code
from the file: the serializer only calls `func_load` when unsafe deserialization is allowed.
"""
import binascii
import codecs
import marshal
import types

import numpy as np


def func_dump(func):
    """Serialize a Python function: `(code, defaults, closure)`, `code` being base64 of its marshalled code."""
    raw = marshal.dumps(func.__code__)
    code = codecs.encode(raw, "base64").decode("ascii")
    closure = tuple(cell.cell_contents for cell in func.__closure__) if func.__closure__ else None
    return code, func.__defaults__, closure


def func_load(code, defaults=None, closure=None, globs=None):
    """Rebuild a function from `func_dump`'s output (or from the `[code, defaults, closure]` list Keras 2
    writes). `globs` are the globals the function sees (default: this module's)."""
    if isinstance(code, (tuple, list)):
        code, defaults, closure = code
    if isinstance(defaults, list):
        defaults = tuple(defaults)
    if closure is not None:
        closure = tuple(c if isinstance(c, types.CellType) else types.CellType(c) for c in closure)
    try:
        raw = codecs.decode(code.encode("ascii"), "base64")
    except (UnicodeEncodeError, binascii.Error):
        raw = code.encode("raw_unicode_escape")
    try:
        code_obj = marshal.loads(raw)
    except (ValueError, EOFError, TypeError) as e:
        raise ValueError(
            "Could not load a serialized Python function (e.g. a Lambda layer's function): its bytecode is "
            "unreadable here, usually because it was saved by another Python version. Re-create the function "
            f"in code and pass it to the loader through `custom_objects`. ({type(e).__name__}: {e})"
        ) from None
    if not isinstance(code_obj, types.CodeType):
        raise ValueError(f"Expected serialized function bytecode; the data holds a {type(code_obj).__name__}.")
    if globs is None:
        globs = globals()
    return types.FunctionType(code_obj, globs, name=code_obj.co_name, argdefs=defaults, closure=closure)


def to_list(x):
    """`x` if it is a list, else `[x]`."""
    return x if isinstance(x, list) else [x]


def remove_long_seq(maxlen, seq, label):
    """Keep the `(sequence, label)` pairs whose sequence is shorter than `maxlen`."""
    kept = [(s, y) for s, y in zip(seq, label) if len(s) < maxlen]
    return [s for s, _ in kept], [y for _, y in kept]


def remove_by_id(lst, value):
    """Remove the first element of `lst` that *is* `value` (safe for tensors, whose `==` is elementwise)."""
    for i, item in enumerate(lst):
        if item is value:
            del lst[i]
            return


def index_by_id(lst, value):
    """The index of the first element of `lst` that *is* `value`, or -1."""
    for i, item in enumerate(lst):
        if item is value:
            return i
    return -1


def is_continuous_axis(axis):
    """Whether an axis tuple is a run of consecutive axes (ascending or descending); an int is."""
    if isinstance(axis, int) or len(axis) <= 1:
        return True
    step = axis[1] - axis[0]
    if step not in (1, -1):
        return False
    return all(b - a == step for a, b in zip(axis[:-1], axis[1:]))


def default(method):
    """Mark a method as the default implementation, so that `is_default` can tell when it is overridden."""
    method._is_default = True
    return method


def is_default(method):
    """Whether `method` is marked by `default` (i.e. not overridden)."""
    return getattr(method, "_is_default", False)


def pythonify_logs(logs):
    """Flatten nested log dicts; turn one-element tensors and arrays into Python floats (others are kept)."""
    result = {}
    for key, value in sorted((logs or {}).items()):
        if isinstance(value, dict):
            result.update(pythonify_logs(value))
            continue
        try:
            if hasattr(value, "detach"):
                value = value.detach().cpu().numpy()
            if isinstance(value, np.ndarray) and value.size == 1:
                value = value.reshape(())
            value = float(value)
        except (TypeError, ValueError, RuntimeError):
            pass
        result[key] = value
    return result
