"""Bounding boxes as torch tensors: arrays, lists and numbers go to the Keras device."""
import numpy as np
import torch

from torchkeras.backend.device import get_device
from torchkeras.backend.dtypes import to_torch_dtype


def to_tensor(x, dtype=None, device=None):
    """`x` as a torch tensor (cast to `dtype` when given); float64 arrays become float32 like Keras."""
    torch_dtype = to_torch_dtype(dtype) if dtype is not None else None
    if isinstance(x, torch.Tensor):
        if device is not None and x.device != torch.device(device):
            x = x.to(device)
        return x if torch_dtype is None or x.dtype == torch_dtype else x.to(torch_dtype)
    array = np.asarray(x)
    if torch_dtype is None:
        if array.dtype == np.float64:
            torch_dtype = torch.float32
        elif array.dtype == np.int64 and not isinstance(x, np.ndarray):
            torch_dtype = torch.int32  # Python ints: Keras's default int dtype
    tensor = torch.as_tensor(np.ascontiguousarray(array), device=device if device is not None else get_device())
    return tensor if torch_dtype is None else tensor.to(torch_dtype)
