"""Dtype names as Keras spells them (`'float32'`), their torch counterparts, and Keras's type promotion."""
import numpy as np
import torch

from torchkeras.api_export import keras_export

_TORCH = {
    "float16": torch.float16,
    "bfloat16": torch.bfloat16,
    "float32": torch.float32,
    "float64": torch.float64,
    "uint8": torch.uint8,
    "uint16": torch.uint16,
    "uint32": torch.uint32,
    "uint64": torch.uint64,
    "int8": torch.int8,
    "int16": torch.int16,
    "int32": torch.int32,
    "int64": torch.int64,
    "bool": torch.bool,
    "complex64": torch.complex64,
    "complex128": torch.complex128,
    "float8_e4m3fn": torch.float8_e4m3fn,
    "float8_e5m2": torch.float8_e5m2,
    "complex32": torch.complex32,  # not a Keras dtype: what torch gives for float16 complex results
}
_NAMES = {v: k for k, v in _TORCH.items()}
_ALIASES = {"float": "float32", "double": "float64", "half": "float16", "int": "int32", "string": "string"}


def standardize_dtype(dtype):
    """Return the Keras name of `dtype` (a string, numpy dtype, torch dtype or Python type)."""
    if isinstance(dtype, str) and dtype in _TORCH:
        return dtype
    from torchkeras.backend import config

    if dtype is None:
        return config.floatx()
    if isinstance(dtype, torch.dtype):
        return _NAMES[dtype]
    if hasattr(dtype, "name") and isinstance(getattr(dtype, "name"), str) and not isinstance(dtype, str):
        # numpy dtype or a DTypePolicy-like object
        name = dtype.name
    elif dtype is float:
        return config.floatx()
    elif dtype is int:
        return "int32"  # as Keras on torch
    elif dtype is bool:
        return "bool"
    elif isinstance(dtype, type) and issubclass(dtype, np.generic):
        name = np.dtype(dtype).name
    else:
        name = str(dtype)
    if name.startswith("torch."):
        name = name[len("torch."):]
    name = _ALIASES.get(name, name)
    if name in ("mixed_float16",):
        return "float16"
    if name in ("mixed_bfloat16",):
        return "bfloat16"
    if name not in _TORCH and name != "string":
        raise ValueError(f"Invalid dtype: {dtype}")
    return name


def to_torch_dtype(dtype):
    """The torch dtype for a Keras dtype name (or anything `standardize_dtype` accepts)."""
    if isinstance(dtype, torch.dtype):
        return dtype
    found = _TORCH.get(dtype) if isinstance(dtype, str) else None  # the common case, on hot paths
    if found is not None:
        return found
    return _TORCH[standardize_dtype(dtype)]


def is_float_dtype(dtype):
    return standardize_dtype(dtype).startswith(("float", "bfloat"))


def is_int_dtype(dtype):
    name = standardize_dtype(dtype)
    return name.startswith("int") or name.startswith("uint")


# --- type promotion: `keras.backend.result_type` ------------------------------------------------------------
# Keras's lattice (adapted by Keras from JAX): each dtype points at the dtypes just above it. "int" and "float"
# are the weak types of Python scalars.
_LATTICE = {
    "bool": ["int"],
    "uint8": ["int16", "uint16"],
    "uint16": ["int32", "uint32"],
    "uint32": ["int64", "uint64"],
    "uint64": ["float"],
    "int": ["uint8", "int8", "complex64"],
    "int8": ["int16"],
    "int16": ["int32"],
    "int32": ["int64"],
    "int64": ["float"],
    "float": ["bfloat16", "float16"],
    "bfloat16": ["float32"],
    "float16": ["float32"],
    "float32": ["float64", "complex64"],
    "float64": ["complex128"],
    "complex64": ["complex128"],
    "complex128": [],
}
_FLOAT8 = ("float8_e4m3fn", "float8_e5m2")
# Keras's torch backend (like JAX without x64) narrows 64-bit results of promotion to 32 bits.
_NARROW_64 = {"int64": "int32", "uint64": "uint32", "float64": "float32", "complex128": "complex64"}


def _upper_bounds():
    bounds = {}
    for node in _LATTICE:
        seen, frontier = {node}, [node]
        while frontier:
            frontier = [up for n in frontier for up in _LATTICE[n] if up not in seen]
            seen.update(frontier)
        bounds[node] = seen
    return bounds


_UPPER = _upper_bounds()


def _least_upper_bound(*nodes):
    nodes = set(nodes)
    unknown = [n for n in nodes if n not in _UPPER]
    if unknown:
        raise ValueError(f"dtype={unknown[0]!r} is not a valid dtype for Keras type promotion.")
    common = set.intersection(*(_UPPER[n] for n in nodes))
    least = (common & nodes) or {c for c in common if common <= _UPPER[c]}
    if len(least) != 1:
        raise ValueError(
            f"Input dtypes {tuple(str(n) for n in nodes)} have no available implicit dtype promotion path. "
            "Try explicitly casting inputs to the desired output type."
        )
    return least.pop()


def _weak_node(name):
    """The lattice node of a weakly typed (Python scalar) value of dtype `name`."""
    if name == "bool":
        return name
    if "float" in name:
        return "float"
    if "int" in name:
        return "int"
    if "complex" in name:
        return "complex"  # not on the lattice: Keras refuses it too
    raise ValueError(f"Invalid value for argument `dtype`. Received: dtype={name}")


def _resolve_weak(name, precision):
    kind = "f" if name == "bfloat16" else name[:1]
    if kind == "b":
        return "bool"
    if kind == "i":
        return f"int{precision}"
    if kind == "u":
        return f"uint{precision}"
    return f"float{precision}"


def _python_dtype(value):
    """Keras's name for a Python type used as a dtype (`int` is int32 on torch, `float` float32)."""
    return {bool: "bool", int: "int32", float: "float32", complex: "complex64", str: "string"}.get(value)


@keras_export("keras.backend.result_type")
def result_type(*dtypes):
    """Returns the type from applying the Keras type promotion rules.

    Each argument is a dtype (a name, a torch or NumPy dtype) or a Python type: `int` and `float` are weak
    types, which take the precision of the other arguments (`result_type("bfloat16", int)` is `"bfloat16"`).
    The result is the least upper bound on Keras's promotion lattice; 64-bit results are narrowed to 32 bits,
    as Keras does on torch (`result_type("float64")` is `"float32"`). With no arguments: `floatx()`.
    """
    from torchkeras.backend import config

    if not dtypes:
        return config.floatx()
    for dtype in dtypes:
        if isinstance(dtype, str) and dtype in _FLOAT8:
            raise ValueError(
                "There is no implicit conversions from float8 dtypes to others. You must cast it internally. "
                f"Received: {dtypes}")
    names, weak = [], []
    for dtype in dtypes:
        if dtype is None:
            dtype = config.floatx()
        is_weak = dtype is int or dtype is float
        names.append(_python_dtype(dtype) if isinstance(dtype, type) and _python_dtype(dtype) else
                     standardize_dtype(dtype))
        weak.append(is_weak)
    if len(names) == 1:
        out, out_weak = names[0], weak[0]
    elif len(set(names)) == 1 and not all(weak):
        out, out_weak = names[0], False
    elif all(weak):
        out, out_weak = _least_upper_bound(*names), True
    else:
        out = _least_upper_bound(*(_weak_node(n) if w else n for n, w in zip(names, weak)))
        out_weak = out in ("int", "float")
    if out_weak and out != "bool":
        out = _resolve_weak(out, config.floatx()[-2:])
    return _NARROW_64.get(out, out)
