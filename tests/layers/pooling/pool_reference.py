"""Plain NumPy pooling (channels_last), written from the definition, to check the layers."""
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


def pool(x, pool_size, strides, pads, mode):
    """Keras's torch-backend pooling: symmetric pads are ignored (max) or left out of the count (average);
    asymmetric pads repeat the edge values."""
    rank = x.ndim - 2
    symmetric = all(b == a for b, a in pads)
    if symmetric:
        x = np.pad(x.astype(np.float64), [(0, 0)] + list(pads) + [(0, 0)], constant_values=np.nan)
    else:
        x = np.pad(x.astype(np.float64), [(0, 0)] + list(pads) + [(0, 0)], mode="edge")
    out_shape = [(x.shape[1 + i] - pool_size[i]) // strides[i] + 1 for i in range(rank)]
    windows = []
    for offset in itertools.product(*[range(p) for p in pool_size]):
        index = [slice(None)] + [slice(o, o + (out_shape[i] - 1) * strides[i] + 1, strides[i])
                                 for i, o in enumerate(offset)]
        windows.append(x[tuple(index)])
    stack = np.stack(windows)
    return np.nanmax(stack, axis=0) if mode == "max" else np.nanmean(stack, axis=0)
