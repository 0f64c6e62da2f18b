"""keras.ops numpy-style functions against NumPy (values), plus Keras dtype rules."""
import numpy as np
import pytest
import torch

from torchkeras import ops

RNG = np.random.default_rng(0)
A = RNG.standard_normal((3, 4)).astype("float32")
B = RNG.standard_normal((3, 4)).astype("float32")
POS = np.abs(A) + 0.5
UNIT = RNG.uniform(-0.9, 0.9, (3, 4)).astype("float32")
A3 = RNG.standard_normal((2, 3, 4)).astype("float32")
INTS = RNG.integers(-5, 6, (3, 4)).astype("int32")


def np_out(x):
    if isinstance(x, (list, tuple)):
        return [np_out(e) for e in x]
    return ops.convert_to_numpy(x)


def check(got, expected, rtol=1e-5, atol=1e-6):
    got = np_out(got)
    if isinstance(expected, (list, tuple)):
        assert len(got) == len(expected)
        for g, e in zip(got, expected):
            check(g, e, rtol, atol)
        return
    expected = np.asarray(expected)
    assert got.shape == expected.shape, (got.shape, expected.shape)
    np.testing.assert_allclose(got, expected, rtol=rtol, atol=atol, equal_nan=True)


UNARY = {
    "abs": (np.abs, A), "absolute": (np.abs, A), "fabs": (np.fabs, A), "sign": (np.sign, A),
    "square": (np.square, A), "sqrt": (np.sqrt, POS), "cbrt": (np.cbrt, A), "exp": (np.exp, A),
    "exp2": (np.exp2, A), "expm1": (np.expm1, A), "log": (np.log, POS), "log10": (np.log10, POS),
    "log1p": (np.log1p, POS), "log2": (np.log2, POS), "sin": (np.sin, A), "cos": (np.cos, A),
    "tan": (np.tan, UNIT), "sinh": (np.sinh, A), "cosh": (np.cosh, A), "tanh": (np.tanh, A),
    "arcsin": (np.arcsin, UNIT), "arccos": (np.arccos, UNIT), "arctan": (np.arctan, A),
    "arcsinh": (np.arcsinh, A), "arccosh": (np.arccosh, POS + 1), "arctanh": (np.arctanh, UNIT),
    "sinc": (np.sinc, A), "negative": (np.negative, A), "reciprocal": (np.reciprocal, POS),
    "floor": (np.floor, A * 3), "ceil": (np.ceil, A * 3), "trunc": (np.trunc, A * 3), "round": (np.round, A * 3),
    "deg2rad": (np.deg2rad, A), "rad2deg": (np.rad2deg, A), "signbit": (np.signbit, A), "i0": (np.i0, A),
    "isnan": (np.isnan, A), "isinf": (np.isinf, A), "isfinite": (np.isfinite, A), "logical_not": (np.logical_not, A),
    "ravel": (np.ravel, A), "copy": (np.copy, A), "rsqrt": (lambda v: 1 / np.sqrt(v), POS),
}


def test_unary_vs_numpy():
    for name, (np_fn, x) in UNARY.items():
        check(getattr(ops, name)(x), np_fn(x), rtol=2e-5, atol=2e-6)


BINARY = {
    "add": np.add, "subtract": np.subtract, "multiply": np.multiply, "divide": np.divide,
    "true_divide": np.true_divide, "power": None, "maximum": np.maximum, "minimum": np.minimum,
    "fmax": np.fmax, "fmin": np.fmin, "arctan2": np.arctan2, "hypot": np.hypot, "logaddexp": np.logaddexp,
    "logaddexp2": np.logaddexp2, "equal": np.equal, "not_equal": np.not_equal, "less": np.less,
    "less_equal": np.less_equal, "greater": np.greater, "greater_equal": np.greater_equal,
    "logical_and": np.logical_and, "logical_or": np.logical_or, "logical_xor": np.logical_xor,
    "heaviside": np.heaviside, "nextafter": np.nextafter, "floor_divide": np.floor_divide, "mod": np.mod,
    "fmod": np.fmod, "isclose": np.isclose,
}


def test_binary_vs_numpy_with_broadcasting_and_scalars():
    for name, np_fn in BINARY.items():
        x, y = (POS, B) if name == "power" else (A, B[0])
        if name in ("floor_divide", "mod", "fmod"):
            y = POS[0]
        np_fn = np_fn or np.power
        check(getattr(ops, name)(x, y), np_fn(x, y), rtol=1e-5, atol=1e-5)
        check(getattr(ops, name)(x, 2.0), np_fn(x, np.float32(2.0)), rtol=1e-5, atol=1e-5)
    check(ops.gcd(INTS, np.int32(4)), np.gcd(INTS, 4))
    check(ops.lcm(INTS, np.int32(3)), np.lcm(INTS, 3))
    check(ops.divide_no_nan(A, np.where(B > 0, B, 0)), np.where(B > 0, A / np.where(B > 0, B, 1), 0))
    check(ops.ldexp(A, INTS), np.ldexp(A, INTS))
    check(ops.clip(A, -0.5, 0.5), np.clip(A, -0.5, 0.5))
    check(ops.clip(A, B, 1.0), np.clip(A, B, 1.0))
    check(ops.bitwise_and(INTS, 3), np.bitwise_and(INTS, 3))
    check(ops.bitwise_or(INTS, 3), np.bitwise_or(INTS, 3))
    check(ops.bitwise_xor(INTS, 3), np.bitwise_xor(INTS, 3))
    check(ops.bitwise_not(INTS), np.invert(INTS))
    check(ops.left_shift(np.abs(INTS), 2), np.left_shift(np.abs(INTS), 2))
    check(ops.right_shift(np.abs(INTS), 1), np.right_shift(np.abs(INTS), 1))


def test_binary_dtype_rules():
    f16 = torch.ones(3, dtype=torch.float16)
    i32 = torch.ones(3, dtype=torch.int32)
    b = torch.ones(3, dtype=torch.bool)
    assert ops.add(i32, 1.0).dtype == torch.float32
    assert ops.add(f16, 1.0).dtype == torch.float16
    assert ops.add(i32, 5).dtype == torch.int32
    assert ops.add(b, 1).dtype == torch.int32
    assert ops.add(i32, f16).dtype == torch.float16
    assert ops.divide(i32, 2).dtype == torch.float32
    assert ops.multiply(torch.ones(3, dtype=torch.uint8), torch.ones(3, dtype=torch.int8)).dtype == torch.int16
    assert ops.maximum(torch.ones(3, dtype=torch.int64), 1).dtype == torch.int32
    assert ops.subtract(b, i32).dtype == torch.int32
    assert ops.power(i32, -1).dtype == torch.int32
    assert ops.add(3, 4).dtype == torch.int32


REDUCTIONS = {
    "sum": np.sum, "mean": np.mean, "max": np.max, "min": np.min, "prod": np.prod, "std": np.std, "var": np.var,
    "any": np.any, "all": np.all, "amax": np.amax, "amin": np.amin, "median": np.median, "ptp": np.ptp,
    "nansum": np.nansum, "nanmean": np.nanmean, "nanmax": np.nanmax, "nanmin": np.nanmin, "nanprod": np.nanprod,
    "nanvar": np.nanvar, "nanstd": np.nanstd, "nanmedian": np.nanmedian,
}


def test_reductions_vs_numpy():
    x = A3.copy()
    x[0, 1, 2] = np.nan
    for name, np_fn in REDUCTIONS.items():
        data = x if name.startswith("nan") else A3
        for axis in (None, 0, -1, (0, 2)):
            for keepdims in (False, True):
                check(getattr(ops, name)(data, axis=axis, keepdims=keepdims),
                      np_fn(data, axis=axis, keepdims=keepdims), rtol=1e-5, atol=1e-5)
    check(ops.logsumexp(A3, axis=1), np.log(np.exp(A3).sum(1)))
    check(ops.count_nonzero(INTS, axis=0), np.count_nonzero(INTS, axis=0))


def test_reduction_dtypes_and_errors():
    assert ops.sum(torch.ones(3, dtype=torch.bool)).dtype == torch.int32
    assert ops.sum(torch.ones(3, dtype=torch.int8)).dtype == torch.int32
    assert ops.sum(torch.ones(3, dtype=torch.int64)).dtype == torch.int64
    assert ops.mean(torch.ones(3, dtype=torch.int32)).dtype == torch.float32
    assert ops.mean(torch.ones(3, dtype=torch.float16)).dtype == torch.float16
    assert ops.prod(torch.ones(3, dtype=torch.uint8)).dtype == torch.int32
    assert ops.var(torch.ones(3, dtype=torch.float64)).dtype == torch.float32
    assert ops.argmax(A).dtype == torch.int32
    with pytest.raises(ValueError, match="empty tensor"):
        ops.max(np.zeros((0, 3), "float32"))
    check(ops.max(np.zeros((0, 3), "float32"), initial=2.0), 2.0)


def test_arg_and_cumulative_vs_numpy():
    for axis in (None, 0, 1, -1):
        check(ops.argmax(A3, axis=axis), np.argmax(A3, axis=axis))
        check(ops.argmin(A3, axis=axis), np.argmin(A3, axis=axis))
        check(ops.cumsum(A3, axis=axis), np.cumsum(A3, axis=axis), atol=1e-5)
        check(ops.cumprod(A3, axis=axis), np.cumprod(A3, axis=axis), atol=1e-5)
        check(ops.sort(A3, axis=axis), np.sort(A3, axis=axis))
        check(ops.argsort(A3, axis=axis), np.argsort(A3, axis=axis, kind="stable"))
    x = A.copy()
    x[1, 2] = np.nan
    check(ops.nanargmax(x, axis=1), np.nanargmax(x, axis=1))
    check(ops.nancumsum(x, axis=1), np.nancumsum(x, axis=1), atol=1e-6)
    check(ops.quantile(A3, [0.25, 0.5], axis=(0, 2), keepdims=True),
          np.quantile(A3, [0.25, 0.5], axis=(0, 2), keepdims=True))
    check(ops.percentile(A3, 30, axis=1, method="nearest"), np.percentile(A3, 30, axis=1, method="nearest"))
    check(ops.average(A3, axis=1, weights=POS[:, 0]), np.average(A3, axis=1, weights=POS[:, 0]))


def test_shape_manipulation_vs_numpy():
    cases = [
        (ops.reshape(A3, (4, -1)), A3.reshape(4, -1)),
        (ops.transpose(A3), A3.T),
        (ops.transpose(A3, (2, 0, 1)), A3.transpose(2, 0, 1)),
        (ops.expand_dims(A3, (0, -1)), np.expand_dims(A3, (0, -1))),
        (ops.squeeze(A3[:1, :, :1]), np.squeeze(A3[:1, :, :1])),
        (ops.squeeze(A3[:1], axis=0), A3[0]),
        (ops.moveaxis(A3, 0, -1), np.moveaxis(A3, 0, -1)),
        (ops.swapaxes(A3, 1, 2), np.swapaxes(A3, 1, 2)),
        (ops.broadcast_to(A[0], (2, 3, 4)), np.broadcast_to(A[0], (2, 3, 4))),
        (ops.flip(A3, (0, 2)), np.flip(A3, (0, 2))),
        (ops.rot90(A, 2), np.rot90(A, 2)),
        (ops.roll(A3, 3), np.roll(A3, 3)),
        (ops.roll(A3, (1, -1), (0, 2)), np.roll(A3, (1, -1), (0, 2))),
        (ops.tile(A, (2, 1, 2)), np.tile(A, (2, 1, 2))),
        (ops.repeat(A, 2), np.repeat(A, 2)),
        (ops.repeat(A, 2, axis=1), np.repeat(A, 2, axis=1)),
        (ops.repeat(A, [1, 0, 2], axis=0), np.repeat(A, [1, 0, 2], axis=0)),
        (ops.concatenate([A, B], axis=None), np.concatenate([A, B], axis=None)),
        (ops.stack([A, B], axis=1), np.stack([A, B], axis=1)),
        (ops.hstack([A, B]), np.hstack([A, B])),
        (ops.vstack([A, B]), np.vstack([A, B])),
        (ops.dstack([A, B]), np.dstack([A, B])),
        (ops.append(A, B, axis=1), np.append(A, B, axis=1)),
        (ops.split(A3, [1, 3], axis=2), np.split(A3, [1, 3], axis=2)),
        (ops.split(A3, 2, axis=2), np.split(A3, 2, axis=2)),
        (ops.array_split(A3, 3, axis=2), np.array_split(A3, 3, axis=2)),
        (ops.dsplit(A3, 2), np.dsplit(A3, 2)),
        (ops.diag(A), np.diag(A)),
        (ops.diag(A[0], k=-1), np.diag(A[0], k=-1)),
        (ops.diagflat(A[:2, :2], k=1), np.diagflat(A[:2, :2], k=1)),
        (ops.diagonal(A3, 1, 1, 2), np.diagonal(A3, 1, 1, 2)),
        (ops.tril(A, -1), np.tril(A, -1)),
        (ops.triu(A3, 1), np.triu(A3, 1)),
        (ops.trace(A3, 0, 1, 2), np.trace(A3, 0, 1, 2)),
    ]
    for got, expected in cases:
        check(got, expected)
    with pytest.raises(ValueError, match="not divisible"):
        ops.split(A, 3, axis=1)


def test_indexing_vs_numpy():
    t = torch.as_tensor(A3)
    for key in (1, (slice(None), 1), (Ellipsis, None, slice(1, 3)), (0, slice(None, None, 2)),
                np.array([1, 0]), (slice(None), np.array([2, 0, 2])), A3 > 0):
        check(ops.get_item(t, key), A3[key])
    check(ops.take(A, np.array([[0, 5], [-1, 2]])), np.take(A, [[0, 5], [-1, 2]]))
    check(ops.take(A3, np.array([3, -2]), axis=-1), np.take(A3, [3, -2], axis=-1))
    idx = np.argsort(A3, axis=1)
    check(ops.take_along_axis(A3, idx, axis=1), np.take_along_axis(A3, idx, axis=1))
    check(ops.take_along_axis(A, np.array([[5, -1]]), axis=None), np.take_along_axis(A.ravel(), np.array([5, -1]), None))
    check(ops.where(A > 0, A, 0.0), np.where(A > 0, A, 0.0))
    check(ops.where(A > 0), np.stack(np.where(A > 0)))
    check(ops.select([A > 0.5, A < -0.5], [A, B], 9.0), np.select([A > 0.5, A < -0.5], [A, B], 9.0))
    check(ops.nonzero(INTS), np.stack(np.nonzero(INTS)))
    check(ops.searchsorted(np.sort(A[0]), A[1], side="right"), np.searchsorted(np.sort(A[0]), A[1], side="right"))
    check(ops.digitize(A, np.array([-1.0, 0.0, 1.0], "float32")), np.digitize(A, [-1.0, 0.0, 1.0]))
    check(ops.unravel_index(np.array([3, 7]), (3, 4)), np.unravel_index([3, 7], (3, 4)))


def test_pad_modes_vs_numpy():
    for mode in ("constant", "edge", "reflect", "symmetric", "wrap"):
        for width in (1, ((1, 2), (3, 0)), ((2, 2), (4, 5))):
            if mode == "reflect" and width == ((2, 2), (4, 5)):
                width = ((2, 2), (3, 3))
            check(ops.pad(A, width, mode=mode), np.pad(A, width, mode=mode))
    check(ops.pad(INTS, ((1, 1), (0, 2)), constant_values=7), np.pad(INTS, ((1, 1), (0, 2)), constant_values=7))
    with pytest.raises(ValueError, match="constant_values"):
        ops.pad(A, 1, mode="edge", constant_values=1)


def test_counting_and_sets_vs_numpy():
    x = np.array([3, 1, 2, 3, 1, 5], "int32")
    check(ops.bincount(x), np.bincount(x))
    check(ops.bincount(x, weights=np.arange(6, dtype="float32"), minlength=8),
          np.bincount(x, weights=np.arange(6), minlength=8))
    rows = np.array([[0, 2, 2], [1, 1, 4]], "int32")
    check(ops.bincount(rows), np.stack([np.bincount(r, minlength=5) for r in rows]))
    values, index, inverse, counts = ops.unique(x, return_index=True, return_inverse=True, return_counts=True)
    e_values, e_index, e_inverse, e_counts = np.unique(x, return_index=True, return_inverse=True, return_counts=True)
    check([values, index, inverse, counts], [e_values, e_index, e_inverse, e_counts])
    check(ops.unique(x, size=6, fill_value=-1), np.array([1, 2, 3, 5, -1, -1]))
    check(ops.isin(x, [1, 5]), np.isin(x, [1, 5]))
    counts, edges = ops.histogram(A.ravel(), bins=5)
    e_counts, e_edges = np.histogram(A.ravel(), bins=5)
    check(counts, e_counts.astype("float32"))
    check(edges, e_edges.astype("float32"), atol=1e-6)


def test_products_vs_numpy():
    check(ops.matmul(A, B.T), A @ B.T, atol=1e-5)
    check(ops.matmul(A3, B.T), A3 @ B.T, atol=1e-5)
    check(ops.matmul(INTS, INTS.T), INTS @ INTS.T)
    assert ops.matmul(torch.ones(2, 2, dtype=torch.int8), torch.ones(2, 2, dtype=torch.int8)).dtype == torch.int32
    check(ops.dot(A[0], B[0]), np.dot(A[0], B[0]), atol=1e-5)
    check(ops.dot(3.0, A), 3.0 * A)
    check(ops.tensordot(A3, B, axes=([1, 2], [0, 1])), np.tensordot(A3, B, axes=([1, 2], [0, 1])), atol=1e-5)
    check(ops.tensordot(A3, B.T, axes=1), np.tensordot(A3, B.T, axes=1), atol=1e-5)
    check(ops.einsum("bij,kj->bik", A3, B), np.einsum("bij,kj->bik", A3, B), atol=1e-5)
    check(ops.inner(A, B), np.inner(A, B), atol=1e-5)
    check(ops.outer(A[0], B[1]), np.outer(A[0], B[1]))
    check(ops.vdot(A, B), np.vdot(A, B), atol=1e-5)
    check(ops.kron(A[:2, :2], B[:2, :2]), np.kron(A[:2, :2], B[:2, :2]))
    check(ops.cross(A[:, :3], B[:, :3]), np.cross(A[:, :3], B[:, :3]), atol=1e-6)
    check(ops.cross(A[:, :2], B[:, :2]), A[:, 0] * B[:, 1] - A[:, 1] * B[:, 0], atol=1e-6)
    check(ops.cross(A3[:, :, :3], B[:, :3], axisa=-1), np.cross(A3[:, :, :3], B[:, :3]), atol=1e-6)


def test_creation_vs_numpy():
    check(ops.zeros((2, 3)), np.zeros((2, 3)))
    check(ops.ones(3, dtype="int32"), np.ones(3))
    check(ops.full((2, 2), 3), np.full((2, 2), 3.0))
    assert ops.full((2, 2), 3).dtype == torch.float32
    check(ops.full_like(INTS, 2.7), np.full_like(INTS, 2.7))
    check(ops.eye(3, 4, k=1), np.eye(3, 4, k=1))
    check(ops.identity(3), np.identity(3))
    check(ops.tri(3, 5, k=-1), np.tri(3, 5, k=-1))
    check(ops.arange(1, 7, 2), np.arange(1, 7, 2))
    assert ops.arange(5).dtype == torch.int32 and ops.arange(0.5, 2).dtype == torch.float32
    check(ops.linspace(0, 1, 7), np.linspace(0, 1, 7))
    check(ops.linspace(0, 1, 7, endpoint=False), np.linspace(0, 1, 7, endpoint=False))
    check(ops.linspace([0.0, 1.0], [1.0, 3.0], 4, axis=1), np.linspace([0.0, 1.0], [1.0, 3.0], 4, axis=1))
    check(ops.logspace(0, 2, 5, base=3), np.logspace(0, 2, 5, base=3), rtol=1e-5)
    check(ops.geomspace(1, 1000, 4), np.geomspace(1, 1000, 4), rtol=1e-5)
    check(ops.geomspace(-1, -100, 3), np.geomspace(-1, -100, 3), rtol=1e-5)
    for name in ("bartlett", "blackman", "hamming", "hanning"):
        check(getattr(ops, name)(7), getattr(np, name)(7), atol=1e-6)
    check(ops.kaiser(7, 4.0), np.kaiser(7, 4.0), atol=1e-6)
    x, y = ops.meshgrid(np.arange(3), np.arange(2))
    e_x, e_y = np.meshgrid(np.arange(3), np.arange(2))
    check([x, y], [e_x, e_y])


def test_misc_math_vs_numpy():
    check(ops.diff(A3, n=2, axis=2), np.diff(A3, n=2, axis=2))
    check(ops.trapezoid(A, dx=0.5), np.trapezoid(A, dx=0.5))
    check(ops.trapezoid(A, x=np.cumsum(POS[0])), np.trapezoid(A, x=np.cumsum(POS[0])), rtol=1e-5)
    check(ops.vander(A[0], 3, increasing=True), np.vander(A[0], 3, increasing=True))
    for mode in ("valid", "same", "full"):
        check(ops.correlate(A[0], B[1][:3], mode=mode), np.correlate(A[0], B[1][:3], mode=mode), atol=1e-6)
        check(ops.correlate(A[0][:2], B[1], mode=mode), np.correlate(A[0][:2], B[1], mode=mode), atol=1e-6)
    check(ops.corrcoef(A), np.corrcoef(A), atol=1e-5)
    check(ops.nan_to_num(np.array([np.nan, np.inf, -1.0], "float32"), nan=5.0, posinf=7.0), [5.0, 7.0, -1.0])
    sign, logdet = ops.slogdet(A[:, :3])
    e_sign, e_logdet = np.linalg.slogdet(A[:, :3])
    check([sign, logdet], [e_sign, e_logdet], atol=1e-5)
    assert bool(ops.allclose(A, A + 1e-9))


def test_rearrange_and_vectorize():
    x = RNG.standard_normal((2, 4, 6)).astype("float32")
    check(ops.rearrange(x, "b (h w) c -> b h (w c)", h=2), x.reshape(2, 2, 2, 6).reshape(2, 2, 12))
    check(ops.rearrange(x, "b h c -> c b h"), x.transpose(2, 0, 1))
    with pytest.raises(ValueError, match="same axes"):
        ops.rearrange(x, "b h c -> b h")
    check(ops.vectorize(lambda a, b: a * b + 1)(A, B[0]), A * B[0] + 1)
    check(ops.vectorize(lambda v: torch.dot(v, v), signature="(n)->()")(A3), (A3 * A3).sum(-1), rtol=1e-5)
