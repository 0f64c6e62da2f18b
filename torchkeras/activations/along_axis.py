"""Activations computed along an axis: softmax, log_softmax, sparsemax, glu."""
import warnings

import torch
import torch.nn.functional as F

from torchkeras.activations.dispatch import call_non_tensor
from torchkeras.api_export import keras_export


def _over_axes(fn, x, axis):
    """Apply `fn(t, dim=-1)` jointly over `axis` (an int, a tuple of ints, or None for all axes)."""
    if axis is None:
        return fn(x.reshape(-1), dim=-1).reshape(x.shape)
    if isinstance(axis, (tuple, list)):
        rank = x.dim()
        axes = sorted({a % rank for a in axis})
        if len(axes) == 1:
            return fn(x, dim=axes[0])
        kept = [d for d in range(rank) if d not in axes]
        moved = x.permute(*kept, *axes)
        flat = moved.reshape(*[x.shape[d] for d in kept], -1)
        out = fn(flat, dim=-1).reshape(moved.shape)
        order = kept + axes
        inverse = sorted(range(rank), key=order.__getitem__)
        return out.permute(*inverse)
    return fn(x, dim=axis)


def _in_float32_if_cpu_half(fn, x, axis):
    # Keras's torch backend computes float16 softmaxes on CPU in float32 and casts back.
    if x.dtype == torch.float16 and x.device.type == "cpu":
        return _over_axes(fn, x.float(), axis).to(torch.float16)
    return _over_axes(fn, x, axis)


@keras_export("keras.activations.softmax")
def softmax(x, axis=-1):
    """Softmax: `exp(x) / sum(exp(x))` along `axis` (default -1; a tuple of axes or None is accepted)."""
    if not isinstance(x, torch.Tensor):
        return call_non_tensor(softmax, x, axis=axis)
    if type(axis) is int:
        rank = x.dim()
        if -rank <= axis < rank and x.shape[axis] == 1:
            _warn_size_one_axis(axis, x.shape)
        if x.dtype is not torch.float16:
            return x.softmax(axis)
    return _in_float32_if_cpu_half(F.softmax, x, axis)


def _warn_size_one_axis(axis, shape):
    warnings.warn(
        f"You are using a softmax over axis {axis} of a tensor of shape {tuple(shape)}. This axis has "
        "size 1. The softmax operation will always return the value 1, which is likely not what you "
        "intended. Did you mean to use a sigmoid instead?",
        stacklevel=3,
    )


@keras_export("keras.activations.log_softmax")
def log_softmax(x, axis=-1):
    """Log-softmax: `x - log(sum(exp(x)))` along `axis` (default -1)."""
    if not isinstance(x, torch.Tensor):
        return call_non_tensor(log_softmax, x, axis=axis)
    if type(axis) is int and x.dtype is not torch.float16:
        return F.log_softmax(x, axis)
    return _in_float32_if_cpu_half(F.log_softmax, x, axis)


@keras_export("keras.activations.sparsemax")
def sparsemax(x, axis=-1):
    """Sparsemax: the Euclidean projection of `x` onto the probability simplex along `axis`.

    `sparsemax(x) = max(x - tau, 0)` where `tau` makes each slice sum to 1 (Martins & Astudillo, 2016).
    """
    if not isinstance(x, torch.Tensor):
        return call_non_tensor(sparsemax, x, axis=axis)
    if x.dim() == 0:
        raise ValueError(f"sparsemax expects an input of rank >= 1. Received: x.shape={tuple(x.shape)}")
    dim = axis % x.dim()
    n = x.shape[dim]
    ranked = torch.sort(x, dim=dim, descending=True).values
    running = torch.cumsum(ranked, dim=dim)
    view = [1] * x.dim()
    view[dim] = n
    k = torch.arange(1, n + 1, device=x.device, dtype=x.dtype).reshape(view)
    in_support = k * ranked > running - 1
    support_size = in_support.sum(dim=dim, keepdim=True)
    total = torch.gather(running, dim, support_size - 1)
    tau = (total - 1) / support_size.to(x.dtype)
    return torch.clamp(x - tau, min=0)


@keras_export("keras.activations.glu")
def glu(x, axis=-1):
    """Gated linear unit: `a * sigmoid(b)` where `x` is split in two halves `a`, `b` along `axis`."""
    if not isinstance(x, torch.Tensor):
        return call_non_tensor(glu, x, axis=axis)
    if x.shape[axis] % 2 != 0:
        raise ValueError(
            f"axis size must be divisible by 2. Received: x.shape={tuple(x.shape)} with axis={axis}"
        )
    return F.glu(x, dim=axis)
