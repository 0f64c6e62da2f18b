"""Resampling of 2-D planes under an affine map, with `scipy.ndimage.affine_transform`'s semantics.

Keras 2's image augmentation called `scipy.ndimage.affine_transform(plane, matrix, offset, order, mode, cval)`:
the output pixel at index `o` takes the input value at coordinates `matrix @ o + offset`. This module
reproduces that for spline orders 0 (nearest) and 1 (linear) and the fill modes Keras offered, exactly as
SciPy computes them (coordinates in float64; out-of-range coordinates folded back by the same rules), so no
SciPy is needed. Other orders and modes use SciPy when it is installed.

Fill modes, for a coordinate `c` on an axis of length `n`:
- `"constant"`: `cval` wherever a coordinate lies outside `[0, n - 1]` (no interpolation across the edge).
- `"nearest"`: the coordinate is clamped to `[0, n - 1]`.
- `"reflect"`: the input extended by half-sample symmetry (`d c b a | a b c d | d c b a`).
- `"wrap"`: SciPy's `wrap`, a period of `n - 1` outside the input (first and last samples coincide).
"""
import numpy as np

NATIVE_MODES = ("constant", "nearest", "reflect", "wrap")


def _fold(c, n, mode):
    """Fold float64 coordinates `c` outside `[0, n - 1]` back inside, as SciPy does before interpolating."""
    c = np.array(c, dtype=np.float64, copy=True)
    if n <= 1:
        return np.zeros_like(c)
    low, high = c < 0, c > n - 1
    if mode == "nearest":
        c[low], c[high] = 0, n - 1
    elif mode == "reflect":
        period = 2 * n
        v = c[low]
        far = v < -period
        v[far] = period * np.trunc(-v[far] / period) + v[far]
        c[low] = np.where(v < -n, v + period, np.where(v > -1e-15, 1e-15, -v) - 1)
        v = c[high]
        v = v - period * np.trunc(v / period)
        c[high] = np.where(v >= n, period - v - 1, v)
    elif mode == "wrap":
        period = n - 1
        v = c[low]
        c[low] = v + period * (np.trunc(-v / period) + 1)
        v = c[high]
        c[high] = v - period * np.trunc(v / period)
    return c


def _sample_index(k, n, mode):
    """Integer sample positions `k` (possibly one past an edge) as valid indices into an axis of length `n`."""
    if mode == "reflect":
        k = np.mod(k, 2 * n)
        return np.where(k >= n, 2 * n - 1 - k, k)
    return np.clip(k, 0, n - 1)


def _to_dtype(values, dtype):
    if np.issubdtype(dtype, np.integer):  # rounded half away from zero, saturated to the type's range
        values = np.where(values >= 0, np.floor(values + 0.5), np.ceil(values - 0.5))
        info = np.iinfo(dtype)
        values = np.clip(values, info.min, info.max)
    return values.astype(dtype)


def affine_transform_planes(planes, matrix, offset, order=1, mode="constant", cval=0.0):
    """Apply `scipy.ndimage.affine_transform(plane, matrix, offset, order=order, mode=mode, cval=cval)` to
    each plane of `planes` (shape `(planes, height, width)`), returning an array of the same shape and dtype.
    """
    planes = np.asarray(planes)
    matrix = np.asarray(matrix, dtype=np.float64)
    offset = np.asarray(offset, dtype=np.float64)
    if order not in (0, 1) or mode not in NATIVE_MODES:
        return _scipy_transform(planes, matrix, offset, order, mode, cval)
    _, h, w = planes.shape
    rows, cols = np.meshgrid(np.arange(h, dtype=np.float64), np.arange(w, dtype=np.float64), indexing="ij")
    c0 = matrix[0, 0] * rows + matrix[0, 1] * cols + offset[0]
    c1 = matrix[1, 0] * rows + matrix[1, 1] * cols + offset[1]
    f0, f1 = _fold(c0, h, mode), _fold(c1, w, mode)
    source = planes.astype(np.float64, copy=False)
    if order == 0:
        r = _sample_index(np.floor(f0 + 0.5).astype(np.int64), h, mode)
        q = _sample_index(np.floor(f1 + 0.5).astype(np.int64), w, mode)
        out = source[:, r, q]
    else:
        r0 = np.floor(f0).astype(np.int64)
        q0 = np.floor(f1).astype(np.int64)
        wr, wq = f0 - r0, f1 - q0
        ra, rb = _sample_index(r0, h, mode), _sample_index(r0 + 1, h, mode)
        qa, qb = _sample_index(q0, w, mode), _sample_index(q0 + 1, w, mode)
        top = source[:, ra, qa] * (1 - wq) + source[:, ra, qb] * wq
        bottom = source[:, rb, qa] * (1 - wq) + source[:, rb, qb] * wq
        out = top * (1 - wr) + bottom * wr
    if mode == "constant":
        outside = (c0 < 0) | (c0 > h - 1) | (c1 < 0) | (c1 > w - 1)
        out = np.where(outside, cval, out)
    return _to_dtype(out, planes.dtype)


def _scipy_transform(planes, matrix, offset, order, mode, cval):
    try:
        from scipy import ndimage
    except ImportError:
        raise ImportError(
            f"Image transforms with interpolation order {order} or fill mode {mode!r} need SciPy "
            f"(`pip install scipy`). Orders 0 and 1 with fill modes {NATIVE_MODES} work without it.") from None
    return np.stack([ndimage.affine_transform(p, matrix, offset, order=order, mode=mode, cval=cval)
                     for p in planes], axis=0)
