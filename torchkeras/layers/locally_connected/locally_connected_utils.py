"""Connectivity of Keras 2's locally-connected layers (unshared convolutions), as NumPy masks and indices.

A locally-connected layer is a dense map from the flattened input to the flattened output in which only the
weights between an output position and the inputs under its window exist. Keras 2 stored those weights three
ways (`implementation` 1, 2, 3); the helpers here give the shapes and positions of each.
"""
import itertools

import numpy as np


def output_length(size, kernel, stride, padding):
    """Output length along one axis (`padding`: `'valid'` or `'same'`)."""
    if padding == "same":
        return (size + stride - 1) // stride
    return (size - kernel + stride) // stride


def connected_range(size, kernel, stride, padding, position):
    """The input positions under the window of output `position` along one axis."""
    left = kernel // 2
    center = position * stride + (left if padding == "valid" else 0)
    return range(max(0, center - left), min(size, center + kernel - left))


def spatial_mask(input_shape, kernel_size, strides, padding):
    """Boolean array `input_shape + output_shape`: True where an input position feeds an output position."""
    out_shape = tuple(output_length(n, k, s, padding) for n, k, s in zip(input_shape, kernel_size, strides))
    mask = np.zeros(tuple(input_shape) + out_shape, dtype=bool)
    for position in itertools.product(*(range(n) for n in out_shape)):
        inputs = [connected_range(n, k, s, padding, p)
                  for n, k, s, p in zip(input_shape, kernel_size, strides, position)]
        mask[tuple(slice(r.start, r.stop) for r in inputs) + position] = True
    return mask


def full_mask(input_shape, kernel_size, strides, padding, data_format):
    """The mask laid out like an `implementation=2` kernel, channel axes of size 1:
    `(*in, 1, *out, 1)` (channels_last) or `(1, *in, 1, *out)` (channels_first)."""
    mask = spatial_mask(input_shape, kernel_size, strides, padding)
    n = len(input_shape)
    if data_format == "channels_first":
        return np.expand_dims(np.expand_dims(mask, 0), n + 1)
    return np.expand_dims(np.expand_dims(mask, n), -1)


def sparse_indices(input_shape, kernel_size, strides, padding, filters_in, filters_out, data_format):
    """`(output_index, input_index)` pairs of the weights of an `implementation=3` kernel, sorted (the order
    of its values): indices into the flattened output and input (channels where `data_format` puts them)."""
    mask = full_mask(input_shape, kernel_size, strides, padding, data_format)
    n = len(input_shape)
    reps = [1] * mask.ndim
    if data_format == "channels_first":
        reps[0], reps[n + 1] = filters_in, filters_out
    else:
        reps[n], reps[-1] = filters_in, filters_out
    dense = np.tile(mask, reps)
    in_size = int(np.prod(dense.shape[: n + 1]))
    out_idx, in_idx = np.nonzero(dense.reshape(in_size, -1).T)
    return out_idx, in_idx
