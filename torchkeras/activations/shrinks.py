"""Shrinkage and clipping activations: hard_shrink, soft_shrink, tanh_shrink, hard_tanh."""
import torch
import torch.nn.functional as F

from torchkeras.activations.dispatch import call_non_tensor
from torchkeras.api_export import keras_export


@keras_export("keras.activations.hard_shrink")
def hard_shrink(x, threshold=0.5):
    """Hard shrink: `x` where `|x| > threshold`, else 0."""
    if not isinstance(x, torch.Tensor):
        return call_non_tensor(hard_shrink, x, threshold=threshold)
    return F.hardshrink(x, threshold)


@keras_export("keras.activations.soft_shrink")
def soft_shrink(x, threshold=0.5):
    """Soft shrink: `x - threshold` above `threshold`, `x + threshold` below `-threshold`, else 0."""
    if not isinstance(x, torch.Tensor):
        return call_non_tensor(soft_shrink, x, threshold=threshold)
    return F.softshrink(x, threshold)


@keras_export("keras.activations.tanh_shrink")
def tanh_shrink(x):
    """Tanh shrink: `x - tanh(x)`."""
    if not isinstance(x, torch.Tensor):
        return call_non_tensor(tanh_shrink, x)
    return F.tanhshrink(x)


@keras_export("keras.activations.hard_tanh")
def hard_tanh(x):
    """Hard tanh: `x` clipped to `[-1, 1]`."""
    if not isinstance(x, torch.Tensor):
        return call_non_tensor(hard_tanh, x)
    return F.hardtanh(x, -1.0, 1.0)
