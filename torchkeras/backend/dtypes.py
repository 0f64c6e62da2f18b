"""Dtype names as Keras spells them (`'float32'`), and their torch counterparts."""
import numpy as np
import torch

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
    return standardize_dtype(dtype) in ("float16", "bfloat16", "float32", "float64")


def is_int_dtype(dtype):
    name = standardize_dtype(dtype)
    return name.startswith("int") or name.startswith("uint")
