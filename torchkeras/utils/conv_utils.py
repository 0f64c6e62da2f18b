"""Keras 2's `keras.utils.conv_utils`: shape arithmetic of convolutions and Theano <-> TensorFlow kernels.

Keras 3 has no public counterpart, so this module path does not warn."""
import numpy as np


def normalize_tuple(value, n, name):
    """An int, or an iterable of `n` ints, as a tuple of `n` ints."""
    if isinstance(value, int):
        return (value,) * n
    try:
        value_tuple = tuple(value)
    except TypeError:
        raise ValueError(f"The `{name}` argument must be a tuple of {n} integers. Received: {value}") from None
    if len(value_tuple) != n:
        raise ValueError(f"The `{name}` argument must be a tuple of {n} integers. Received: {value}")
    for single_value in value_tuple:
        try:
            int(single_value)
        except (TypeError, ValueError):
            raise ValueError(
                f"The `{name}` argument must be a tuple of {n} integers. Received: {value} including element "
                f"{single_value} of type {type(single_value)}") from None
    return value_tuple


def normalize_padding(value):
    """`'valid'`, `'same'` or `'causal'` (case-insensitive)."""
    padding = value.lower()
    if padding not in {"valid", "same", "causal"}:
        raise ValueError(f'The `padding` argument must be one of "valid", "same" (or "causal" for Conv1D). '
                         f"Received: {padding}")
    return padding


def normalize_data_format(value):
    """`'channels_first'` or `'channels_last'` (None: the configured default)."""
    from torchkeras.backend.config import standardize_data_format

    return standardize_data_format(value)


def convert_kernel(kernel):
    """Flip the spatial axes of a 3-D, 4-D or 5-D kernel (Theano <-> TensorFlow convolution kernels; the
    conversion is its own inverse)."""
    kernel = np.asarray(kernel)
    if not 3 <= kernel.ndim <= 5:
        raise ValueError("Invalid kernel shape:", kernel.shape)
    slices = [slice(None, None, -1)] * (kernel.ndim - 2) + [slice(None), slice(None)]
    return np.copy(kernel[tuple(slices)])


def _dilated(filter_size, dilation):
    return (filter_size - 1) * dilation + 1


def conv_output_length(input_length, filter_size, padding, stride, dilation=1):
    """Output length of a convolution (`padding`: `'same'`, `'valid'`, `'causal'` or `'full'`)."""
    if input_length is None:
        return None
    if padding not in {"same", "valid", "full", "causal"}:
        raise ValueError(f"Invalid padding: {padding}")
    size = _dilated(filter_size, dilation)
    length = {"same": input_length, "causal": input_length, "valid": input_length - size + 1,
              "full": input_length + size - 1}[padding]
    return (length + stride - 1) // stride


def _pad(filter_size, padding):
    if padding not in {"same", "valid", "full"}:
        raise ValueError(f"Invalid padding: {padding}")
    return {"same": filter_size // 2, "valid": 0, "full": filter_size - 1}[padding]


def conv_input_length(output_length, filter_size, padding, stride):
    """Input length of a convolution that gives `output_length`."""
    if output_length is None:
        return None
    return (output_length - 1) * stride - 2 * _pad(filter_size, padding) + filter_size


def deconv_length(dim_size, stride_size, kernel_size, padding, output_padding, dilation=1):
    """Output length of a transposed convolution (inferred when `output_padding` is None)."""
    if dim_size is None:
        return None
    kernel_size = _dilated(kernel_size, dilation)
    if output_padding is None:
        if padding not in {"same", "valid", "full"}:
            raise ValueError(f"Invalid padding: {padding}")
        if padding == "valid":
            return dim_size * stride_size + max(kernel_size - stride_size, 0)
        if padding == "full":
            return dim_size * stride_size - (stride_size + kernel_size - 2)
        return dim_size * stride_size
    return (dim_size - 1) * stride_size + kernel_size - 2 * _pad(kernel_size, padding) + output_padding
