"""Turning the inputs of preprocessing layers (NumPy arrays, lists, scalars, tensors) into torch tensors."""
import numpy as np
import torch

from torchkeras.backend import dtypes
from torchkeras.backend.device import get_device


def to_tensor(x, dtype=None):
    """`x` as a torch tensor (NumPy/lists go to the Keras device; tensors keep theirs), cast to `dtype`."""
    torch_dtype = dtypes.to_torch_dtype(dtype) if dtype is not None else None
    if isinstance(x, torch.Tensor):
        return x if torch_dtype is None or x.dtype == torch_dtype else x.to(torch_dtype)
    array = np.asarray(x)
    if array.dtype.kind in ("U", "S", "O"):
        raise ValueError(
            f"Expected numeric inputs, but received strings (dtype {array.dtype}). Use a `StringLookup`, "
            "`TextVectorization` or `Hashing` layer for string inputs.")
    if torch_dtype is None and array.dtype == np.float64:
        torch_dtype = torch.float32
    if not array.flags.writeable or not array.flags.c_contiguous:
        array = np.ascontiguousarray(array).copy()
    tensor = torch.from_numpy(array) if array.dtype != np.uint16 else torch.from_numpy(array.astype("int32"))
    tensor = tensor.to(get_device())
    return tensor if torch_dtype is None else tensor.to(torch_dtype)
