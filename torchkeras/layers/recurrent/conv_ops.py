"""N-d convolutions with Keras-layout kernels, for the ConvLSTM cells.

Kernels are `(*kernel_size, in, out)`; torch wants `(out, in, *kernel_size)`: a permuted view. channels_last
inputs are permuted to a channels-first *view* (no copy), convolved, and permuted back.
"""
import math

import torch.nn.functional as F

_CONV = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}


def standardize_tuple(value, n, name, allow_zero=False):
    """An int or an iterable of n ints as a tuple of n ints (Keras's messages)."""
    error_msg = f"The `{name}` argument must be a tuple of {n} integers. Received {name}={value}"
    if isinstance(value, int):
        values = (value,) * n
    else:
        try:
            values = tuple(value)
        except TypeError:
            raise ValueError(error_msg) from None
        if len(values) != n:
            raise ValueError(error_msg)
        for v in values:
            try:
                int(v)
            except (ValueError, TypeError):
                raise ValueError(error_msg + f"including element {v} of type {type(v)}") from None
        values = tuple(int(v) for v in values)
    bad = {v for v in values if (v < 0 if allow_zero else v <= 0)}
    if bad:
        req = ">= 0" if allow_zero else "> 0"
        raise ValueError(error_msg + f", including values {bad} that do not satisfy `value {req}`")
    return values


def standardize_padding(value):
    padding = value.lower()
    if padding not in ("valid", "same"):
        raise ValueError(f"The `padding` argument must be a list/tuple or one of {{'valid', 'same'}}. "
                         f"Received: {padding}")
    return padding


def output_length(size, kernel, stride, padding, dilation):
    if size is None:
        return None
    if padding == "same":
        return (size + stride - 1) // stride
    return (size - dilation * (kernel - 1) - 1) // stride + 1


def _same_pads(spatial, kernel_size, strides, dilation_rate):
    pads = []
    for size, k, s, d in zip(spatial, kernel_size, strides, dilation_rate):
        effective = (k - 1) * d + 1
        out = math.ceil(size / s)
        total = max((out - 1) * s + effective - size, 0)
        pads.append((total // 2, total - total // 2))
    return pads


def conv(x, kernel, strides, padding, dilation_rate, data_format, bias=None):
    """Convolve `x` (batch, *spatial, channels) or channels_first, with a Keras-layout `kernel`."""
    rank = kernel.dim() - 2
    weight = kernel.permute(rank + 1, rank, *range(rank))
    if data_format == "channels_last":
        x = x.permute(0, rank + 1, *range(1, rank + 1))
    pad = 0
    if padding == "same":
        pads = _same_pads(x.shape[2:], kernel.shape[:rank], strides, dilation_rate)
        if all(a == b for a, b in pads):
            pad = [a for a, _ in pads]
        else:
            flat = []
            for a, b in reversed(pads):
                flat.extend((a, b))
            x = F.pad(x, flat)
    out = _CONV[rank](x, weight, bias, stride=strides, padding=pad, dilation=dilation_rate)
    if data_format == "channels_last":
        out = out.permute(0, *range(2, rank + 2), 1)
    return out


def fold_time(x):
    """(batch, time, ...) -> (batch * time, ...) and a function undoing it."""
    batch, steps = x.shape[0], x.shape[1]

    def unfold(y):
        return y.reshape((batch, steps) + tuple(y.shape[1:]))

    return x.reshape((batch * steps,) + tuple(x.shape[2:])), unfold
