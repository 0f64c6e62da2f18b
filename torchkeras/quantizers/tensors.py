"""Small conversions shared by the quantizers: inputs may be tensors, Variables, NumPy arrays or lists."""
import numpy as np
import torch

from torchkeras.backend import dtypes


def to_tensor(x):
    if isinstance(x, torch.Tensor):
        return x.detach() if isinstance(x, torch.nn.Parameter) else x
    from torchkeras import ops

    return ops.convert_to_tensor(x)


def to_numpy(x):
    if isinstance(x, torch.Tensor):
        return x.detach().cpu().numpy()
    return np.asarray(x)


_FLOAT8 = {"float8_e4m3fn": torch.float8_e4m3fn, "float8_e5m2": torch.float8_e5m2}


def torch_dtype(dtype):
    if isinstance(dtype, torch.dtype):
        return dtype
    if isinstance(dtype, str) and dtype in _FLOAT8:
        return _FLOAT8[dtype]
    return dtypes.to_torch_dtype(dtypes.standardize_dtype(dtype))


def dtype_name(x):
    for name, dtype in _FLOAT8.items():
        if x.dtype == dtype:
            return name
    return dtypes.standardize_dtype(x.dtype)


def numpy_axis(axis):
    return tuple(axis) if isinstance(axis, list) else axis


def torch_axis(axis):
    return tuple(axis) if isinstance(axis, (list, tuple)) else axis
