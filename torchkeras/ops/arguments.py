"""How `keras.ops` functions take their tensor arguments."""
import torch

from torchkeras.backend import config
from torchkeras.ops.core import _as_tensor
from torchkeras.ops.core import to_torch_dtype


def as_tensor(x):
    """`x` itself if it is a tensor, else `x` converted like `keras.ops.convert_to_tensor`."""
    return x if isinstance(x, torch.Tensor) else _as_tensor(x)


def as_float(x):
    """Float input for float-only kernels: ints and bools are computed in floatx, as Keras does."""
    x = as_tensor(x)
    if x.is_floating_point() or x.is_complex():
        return x
    return x.to(to_torch_dtype(config.floatx()))


def cast(x, dtype):
    """`x` in `dtype` (itself when it already has it)."""
    dt = to_torch_dtype(dtype)
    return x if x.dtype == dt else x.to(dt)
