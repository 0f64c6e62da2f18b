"""The mean used by the global average pooling layers (integer inputs give float32, like Keras)."""
import torch

from torchkeras.backend import config
from torchkeras.backend import dtypes


def mean(x, axes, keepdims):
    if not x.is_floating_point():
        x = x.to(dtypes.to_torch_dtype(config.floatx()))
    return torch.mean(x, dim=axes, keepdim=keepdims)
