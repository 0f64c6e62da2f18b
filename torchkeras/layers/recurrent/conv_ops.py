"""N-d convolutions with Keras-layout kernels, for the ConvLSTM cells, and their arguments' checks.

Kernels are `(*kernel_size, in, out)`; torch wants `(out, in, *kernel_size)`: a permuted view. channels_last
inputs are permuted to a channels-first *view* (no copy), convolved, and permuted back. The window geometry is
`torchkeras.ops.conv_geometry`'s.
"""
import torch.nn.functional as F

from torchkeras.ops.conv_geometry import CONV
from torchkeras.ops.conv_geometry import flat_pad
from torchkeras.ops.conv_geometry import same_paddings
from torchkeras.ops.conv_geometry import to_channels_first
from torchkeras.ops.conv_geometry import to_channels_last
from torchkeras.ops.conv_geometry import torch_conv_kernel
from torchkeras.ops.conv_geometry import torch_padding


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


def conv(x, kernel, strides, padding, dilation_rate, data_format, bias=None):
    """Convolve `x` (batch, *spatial, channels) or channels_first, with a Keras-layout `kernel`."""
    rank = kernel.dim() - 2
    if data_format == "channels_last":
        x = to_channels_first(x)
    pad = 0
    if padding == "same":
        pads = same_paddings(x.shape[2:], kernel.shape[:rank], strides, dilation_rate)
        pad = torch_padding(pads)
        if pad is None:
            pad = 0
            x = F.pad(x, flat_pad(pads))
    out = CONV[rank](x, torch_conv_kernel(kernel), bias, stride=strides, padding=pad, dilation=dilation_rate)
    if data_format == "channels_last":
        out = to_channels_last(out)
    return out


def fold_time(x):
    """(batch, time, ...) -> (batch * time, ...) and a function undoing it."""
    batch, steps = x.shape[0], x.shape[1]

    def unfold(y):
        return y.reshape((batch, steps) + tuple(y.shape[1:]))

    return x.reshape((batch * steps,) + tuple(x.shape[2:])), unfold
