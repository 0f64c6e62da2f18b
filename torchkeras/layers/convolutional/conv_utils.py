"""Argument checks and padding arithmetic shared by the convolution, pooling and reshaping layers.

Keras's `"same"` padding puts the extra pixel (when the total is odd) at the end, like TensorFlow; torch's
`padding=` argument is symmetric. These helpers say when torch's argument is enough and, when it is not,
which explicit `F.pad` reproduces Keras. The window geometry itself (also used by `keras.ops`) is in
`torchkeras.ops.conv_geometry`.
"""
import numbers

import torch

from torchkeras.ops.conv_geometry import flat_pad
from torchkeras.ops.conv_geometry import same_paddings
from torchkeras.ops.conv_geometry import torch_padding


def standardize_tuple(value, n, name, allow_zero=False):
    """`value` (an int or `n` ints) as a tuple of `n` ints, with Keras's error messages."""
    message = f"The `{name}` argument must be a tuple of {n} integers. Received {name}={value}"
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        result = (int(value),) * n
    else:
        try:
            result = tuple(value)
        except TypeError:
            raise ValueError(message) from None
        if len(result) != n:
            raise ValueError(message)
        for v in result:
            if isinstance(v, bool) or not isinstance(v, numbers.Integral):
                raise ValueError(f"{message} including element {v} of type {type(v)}")
        result = tuple(int(v) for v in result)
    bad = {v for v in result if (v < 0 if allow_zero else v <= 0)}
    if bad:
        requirement = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{message}, including values {bad} that do not satisfy `value {requirement}`")
    return result


def standardize_padding(value, allow_causal=False):
    """`'valid'`, `'same'` (or `'causal'` where allowed), lower-cased."""
    allowed = ("valid", "same", "causal") if allow_causal else ("valid", "same")
    padding = value.lower() if isinstance(value, str) else value
    if padding not in allowed:
        raise ValueError(
            f"The `padding` argument must be one of {set(allowed)}. Received: padding={value}"
        )
    return padding


def positive_int(value, name):
    """Check that `value` is a strictly positive integer (Keras's `filters`, `depth_multiplier`)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value <= 0:
        raise ValueError(
            f"Invalid value for argument `{name}`. Expected a strictly positive value. Received {name}={value}."
        )
    return int(value)


def padding_plan(padding, spatial, kernel_size, strides, dilation_rate, lifted=False):
    """How to pad an input of this spatial shape: (torch's `padding=` argument, explicit `F.pad` list or None).

    `lifted`: the input is a 1D signal run as 2D over a (1, steps) image (`lift_1d`).
    """
    if padding == "valid":
        return 0, None
    if padding == "causal":
        return 0, [dilation_rate[0] * (kernel_size[0] - 1), 0]
    pads = same_paddings(spatial, kernel_size, strides, dilation_rate)
    symmetric = torch_padding(pads)
    if symmetric is None:
        return 0, flat_pad(pads)
    return ((0,) if lifted else ()) + symmetric, None


def conv_output_length(size, kernel, stride, padding, dilation=1):
    """Output length of one spatial axis of a convolution (None stays None)."""
    if size is None:
        return None
    if padding == "valid":
        return (size - ((kernel - 1) * dilation + 1)) // stride + 1
    return (size - 1) // stride + 1


def conv_output_shape(input_shape, channels, kernel_size, strides, padding, data_format, dilation_rate):
    """Keras's output shape of a convolution or pooling; raises if a size would be zero or negative."""
    input_shape = tuple(input_shape)
    spatial = input_shape[1:-1] if data_format == "channels_last" else input_shape[2:]
    if len(spatial) != len(kernel_size):
        raise ValueError(
            f"Inputs should have rank {len(kernel_size) + 2}. Received input shape: {input_shape}"
        )
    out = []
    for size, k, s, d in zip(spatial, kernel_size, strides, dilation_rate):
        length = conv_output_length(size, k, s, padding, d)
        if length is not None and length <= 0:
            raise ValueError(
                f"Computed output size would be zero or negative. Received `inputs shape={input_shape}`, "
                f"`kernel_size={tuple(kernel_size)}`, `dilation_rate={tuple(dilation_rate)}`, "
                f"`strides={tuple(strides)}`, `padding={padding}`."
            )
        out.append(length)
    if data_format == "channels_last":
        return (input_shape[0],) + tuple(out) + (channels,)
    return (input_shape[0], channels) + tuple(out)


def lift_1d(x):
    """A channels_last `(N, L, C)` tensor as a channels_last 2D view `(N, C, 1, L)`.

    torch's 2D convolutions run channels_last natively (oneDNN, cuDNN) while its 1D ones copy a permuted input
    first: on CPU the 2D route is about twice as fast for Conv1D, Conv1DTranspose and DepthwiseConv1D.
    """
    return x.unsqueeze(1).permute(0, 3, 1, 2)


def unlift_1d(out):
    """Undo `lift_1d` on a `(N, C', 1, L')` result: `(N, L', C')` (contiguous when `out` is channels_last)."""
    return out.squeeze(2).permute(0, 2, 1)


def match_dtype(x, reference):
    """Cast `x` to the dtype of the weight `reference` (Keras casts layer inputs to the compute dtype).

    Under `torch.autocast` floating inputs are left alone: autocast picks the op's dtype itself.
    """
    if x.dtype == reference.dtype:
        return x
    if x.is_floating_point() and _autocast_enabled(x.device.type):
        return x
    return x.to(reference.dtype)


def _autocast_enabled(device_type):
    try:
        return torch.is_autocast_enabled(device_type)
    except RuntimeError:  # a device type autocast does not know (e.g. "meta" while tracing shapes)
        return False


def channel_axis(data_format):
    return -1 if data_format == "channels_last" else 1


_ORDINALS = ("1st", "2nd", "3rd")


def standardize_pairs(value, n, name, symmetric_hint, pairs_hint):
    """`value` (an int, `n` ints, or `n` pairs of ints) as `n` (before, after) pairs (ZeroPadding, Cropping)."""
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        if value < 0:
            raise ValueError(f"`{name}` cannot be negative. Received: {name}={value}.")
        return ((int(value), int(value)),) * n
    if hasattr(value, "__len__"):
        if len(value) != n:
            raise ValueError(f"`{name}` should have {n} elements. Received: {name}={value}.")
        return tuple(standardize_tuple(v, 2, f"{_ORDINALS[i]} entry of {name}", allow_zero=True)
                     for i, v in enumerate(value))
    raise ValueError(
        f"`{name}` should be either an int, a tuple of {n} ints {symmetric_hint}, or a tuple of {n} tuples of 2 "
        f"ints {pairs_hint}. Received: {name}={value}."
    )
