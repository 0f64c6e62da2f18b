"""Plain NumPy convolutions (channels_last), written from the textbook definition, to check the layers."""
import itertools

import numpy as np


def same_pads(spatial, kernel, strides, dilation):
    """TensorFlow/Keras "same": output ceil(n / s); the odd pixel of padding goes at the end."""
    pads = []
    for n, k, s, d in zip(spatial, kernel, strides, dilation):
        eff = (k - 1) * d + 1
        out = -(-n // s)
        total = max((out - 1) * s + eff - n, 0)
        pads.append((total // 2, total - total // 2))
    return pads


def conv(x, kernel, strides, pads, dilation, groups=1):
    """x `(N, *spatial, C)`, kernel `(*k, C // groups, F)`, explicit zero `pads`; returns `(N, *out, F)`."""
    rank = x.ndim - 2
    x = np.pad(x, [(0, 0)] + list(pads) + [(0, 0)])
    ks = kernel.shape[:rank]
    out_shape = [(x.shape[1 + i] - ((ks[i] - 1) * dilation[i] + 1)) // strides[i] + 1 for i in range(rank)]
    cin, f = kernel.shape[-2], kernel.shape[-1]
    out = np.zeros((x.shape[0], *out_shape, f), dtype=np.float64)
    for offset in itertools.product(*[range(k) for k in ks]):
        index = [slice(None)]
        for i, o in enumerate(offset):
            start = o * dilation[i]
            index.append(slice(start, start + (out_shape[i] - 1) * strides[i] + 1, strides[i]))
        patch = x[tuple(index)]  # (N, *out, C)
        w = kernel[offset]  # (C // groups, F)
        for g in range(groups):
            fs = slice(g * f // groups, (g + 1) * f // groups)
            out[..., fs] += patch[..., g * cin:(g + 1) * cin] @ w[:, fs]
    return out


def depthwise(x, kernel, strides, pads, dilation):
    """kernel `(*k, C, M)`: output channel `c * M + m` convolves input channel `c` with `kernel[..., c, m]`."""
    rank = x.ndim - 2
    c, m = kernel.shape[-2:]
    grouped = np.zeros(kernel.shape[:rank] + (1, c * m), dtype=kernel.dtype)
    for ci in range(c):
        for mi in range(m):
            grouped[..., 0, ci * m + mi] = kernel[..., ci, mi]
    return conv(x, grouped, strides, pads, dilation, groups=c)
