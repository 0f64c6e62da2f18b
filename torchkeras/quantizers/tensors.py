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


def torch_dtype(dtype):
    return dtype if isinstance(dtype, torch.dtype) else dtypes.to_torch_dtype(dtypes.standardize_dtype(dtype))


def dtype_name(x):
    return dtypes.standardize_dtype(x.dtype)


def numpy_axis(axis):
    return tuple(axis) if isinstance(axis, list) else axis


def torch_axis(axis):
    return tuple(axis) if isinstance(axis, (list, tuple)) else axis
