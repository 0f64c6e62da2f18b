"""keras.ops numpy-style functions: torchkeras vs real Keras 3 (torch backend), values and dtypes."""
import pytest

import keras  # noqa: E402  (compat_tests/conftest.py selects the torch backend)
import numpy as np
import torch

from torchkeras import ops as tk_ops

RNG = np.random.default_rng(0)
A = RNG.standard_normal((3, 4)).astype("float32")
B = RNG.standard_normal((3, 4)).astype("float32")
POS = (np.abs(A) + 0.5).astype("float32")
UNIT = RNG.uniform(-0.9, 0.9, (3, 4)).astype("float32")
INTS = RNG.integers(-5, 6, (3, 4)).astype("int32")
A3 = RNG.standard_normal((2, 3, 4)).astype("float32")

DTYPES = ["float32", "float16", "bfloat16", "int32", "int64", "int8", "uint8", "bool"]


def to_numpy(x):
    if isinstance(x, (list, tuple)):
        return [to_numpy(e) for e in x]
    if isinstance(x, torch.Tensor):
        x = x.detach().cpu()
        if x.dtype == torch.bfloat16:
            x = x.float()
        return x.numpy()
    return np.asarray(x)


def dtype_of(x):
    if isinstance(x, (list, tuple)):
        return [dtype_of(e) for e in x]
    if isinstance(x, torch.Tensor):
        return str(x.dtype).replace("torch.", "")
    return type(x).__name__


def compare(k_out, t_out, rtol=1e-5, atol=1e-6, check_dtype=True):
    k_np, t_np = to_numpy(k_out), to_numpy(t_out)
    if isinstance(k_np, list):
        assert isinstance(t_np, list) and len(k_np) == len(t_np)
        for a, b in zip(k_np, t_np):
            np.testing.assert_allclose(b, a, rtol=rtol, atol=atol, equal_nan=True)
    else:
        assert np.shape(t_np) == np.shape(k_np), (np.shape(t_np), np.shape(k_np))
        np.testing.assert_allclose(t_np, k_np, rtol=rtol, atol=atol, equal_nan=True)
    if check_dtype:
        assert dtype_of(t_out) == dtype_of(k_out)


def run_both(name, *args, **kwargs):
    k_fn = getattr(keras.ops, name)
    t_fn = getattr(tk_ops, name)
    return k_fn(*args, **kwargs), t_fn(*args, **kwargs)


def cast_input(x, dtype):
    if dtype == "bool":
        return torch.as_tensor(x > 0)
    if dtype.startswith("int") or dtype.startswith("uint"):
        base = np.abs(x) * 3 if dtype.startswith("uint") else x * 3
        return torch.as_tensor(np.round(base)).to(getattr(torch, dtype))
    return torch.as_tensor(x).to(getattr(torch, dtype))


def tol(dtype):
    if dtype == "float16":
        return dict(rtol=2e-3, atol=2e-3)
    if dtype == "bfloat16":
        return dict(rtol=2e-2, atol=2e-2)
    return dict(rtol=1e-5, atol=1e-6)


UNARY = [
    "abs", "absolute", "fabs", "sign", "square", "sqrt", "cbrt", "exp", "exp2", "expm1", "log", "log10",
    "log1p", "log2", "sin", "cos", "tan", "sinh", "cosh", "tanh", "arcsin", "arccos", "arctan", "arcsinh",
    "arctanh", "sinc", "isnan", "isinf", "isfinite", "isneginf", "isposinf", "negative", "floor", "ceil",
    "trunc", "round", "deg2rad", "rad2deg", "signbit", "logical_not", "reciprocal", "ravel", "copy",
    "conj", "real", "imag", "i0", "angle",
]
_DOMAIN = {"sqrt": POS, "log": POS, "log10": POS, "log2": POS, "log1p": POS, "arcsin": UNIT, "arccos": UNIT,
           "arctanh": UNIT, "reciprocal": POS}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", UNARY)
def test_unary(name, dtype):
    x = cast_input(_DOMAIN.get(name, A), dtype)
    try:
        k_out = getattr(keras.ops, name)(x)
    except Exception as e:  # noqa: BLE001 - combinations real Keras rejects are out of scope
        pytest.skip(f"keras rejects {name}({dtype}): {type(e).__name__}")
    compare(k_out, getattr(tk_ops, name)(x), **tol(dtype))


BINARY = [
    "add", "subtract", "multiply", "divide", "true_divide", "floor_divide", "mod", "fmod", "power", "maximum",
    "minimum", "fmax", "fmin", "arctan2", "hypot", "logaddexp", "logaddexp2", "heaviside", "equal",
    "not_equal", "less", "less_equal", "greater", "greater_equal", "logical_and", "logical_or", "logical_xor",
    "divide_no_nan", "isclose", "nextafter",
]
PAIRS = [
    ("float32", "float32"), ("float32", "int32"), ("int32", "float32"), ("int32", "int32"),
    ("int64", "int32"), ("int8", "uint8"), ("uint8", "int32"), ("bool", "int32"), ("bool", "bool"),
    ("float16", "float32"), ("bfloat16", "float16"), ("int64", "float32"), ("float16", "int64"),
]


@pytest.mark.parametrize("pair", PAIRS, ids=lambda p: f"{p[0]}-{p[1]}")
@pytest.mark.parametrize("name", BINARY)
def test_binary_tensor_tensor(name, pair):
    x = cast_input(POS if name in ("power",) else A, pair[0])
    y = cast_input(POS if name in ("power", "mod", "fmod", "floor_divide", "divide") else B, pair[1])
    if pair[1] not in ("float32", "float16", "bfloat16") and name in ("mod", "fmod", "floor_divide"):
        y = torch.where(y == 0, torch.ones_like(y), y)
    try:
        k_out = getattr(keras.ops, name)(x, y)
    except Exception as e:  # noqa: BLE001
        pytest.skip(f"keras rejects {name}{pair}: {type(e).__name__}")
    t = tol(pair[0]) if "16" in pair[0] else tol(pair[1])
    compare(k_out, getattr(tk_ops, name)(x, y), **t)


SCALARS = [2, 2.5, -1, True]


@pytest.mark.parametrize("scalar", SCALARS, ids=repr)
@pytest.mark.parametrize("dtype", ["float32", "float16", "int32", "int64", "uint8", "bool"])
@pytest.mark.parametrize("name", ["add", "subtract", "multiply", "divide", "true_divide", "floor_divide",
                                  "power", "maximum", "minimum", "equal", "greater", "mod", "less_equal"])
def test_binary_tensor_scalar(name, dtype, scalar):
    x = cast_input(POS, dtype)
    for args in ((x, scalar), (scalar, x)):
        try:
            k_out = getattr(keras.ops, name)(*args)
        except Exception:  # noqa: BLE001
            continue
        compare(k_out, getattr(tk_ops, name)(*args), **tol(dtype))


def test_binary_python_scalars_only():
    for name in ["add", "multiply", "subtract", "maximum", "divide"]:
        compare(*run_both(name, 3, 4))
        compare(*run_both(name, 3.0, 4))


AXES = [None, 0, -1, (0, 1), [1]]
REDUCTIONS = ["sum", "mean", "max", "min", "prod", "std", "var", "any", "all", "amax", "amin", "median",
              "ptp", "nansum", "nanmean", "nanmax", "nanmin", "nanprod", "nanvar", "nanstd", "count_nonzero",
              "nanmedian", "logsumexp"]


@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("axis", AXES, ids=repr)
@pytest.mark.parametrize("dtype", ["float32", "int32", "bool", "float16", "uint8", "int64"])
@pytest.mark.parametrize("name", REDUCTIONS)
def test_reductions(name, dtype, axis, keepdims):
    x = cast_input(A3, dtype)
    kwargs = {"axis": axis}
    if name != "count_nonzero":
        kwargs["keepdims"] = keepdims
    else:
        if keepdims:
            pytest.skip("count_nonzero has no keepdims")
        # Keras transposes count_nonzero's result on torch (`.T`), so compare on 2-D inputs only.
        x = cast_input(A, dtype)
        if isinstance(axis, tuple):
            axis = kwargs["axis"] = None
    try:
        k_out = getattr(keras.ops, name)(x, **kwargs)
    except Exception as e:  # noqa: BLE001
        pytest.skip(f"keras rejects: {type(e).__name__}")
    t_out = getattr(tk_ops, name)(x, **kwargs)
    if axis is None and keepdims and tuple(k_out.shape) == ():
        # Keras on torch drops keepdims for full reductions; we keep NumPy's (1, 1, 1).
        assert tuple(t_out.shape) == (1,) * x.dim()
        t_out = t_out.reshape(())
    compare(k_out, t_out, **tol(dtype))


@pytest.mark.parametrize("axis", [None, 0, 1, -1])
@pytest.mark.parametrize("dtype", ["float32", "int32", "bool", "int64"])
@pytest.mark.parametrize("name", ["argmax", "argmin", "nanargmax", "nanargmin", "cumsum", "cumprod",
                                  "nancumsum", "nancumprod", "argsort", "sort"])
def test_axis_ops(name, dtype, axis):
    x = cast_input(A3, dtype)
    try:
        k_out = getattr(keras.ops, name)(x, axis=axis)
    except Exception as e:  # noqa: BLE001
        pytest.skip(f"keras rejects: {type(e).__name__}")
    compare(k_out, getattr(tk_ops, name)(x, axis=axis))


def test_argmax_keepdims_and_reduction_initial():
    compare(*run_both("argmax", A3, axis=1, keepdims=True))
    compare(*run_both("max", A3, axis=0, initial=0.5))
    compare(*run_both("min", A3, axis=(0, 2), initial=-0.5, keepdims=True))
    compare(*run_both("prod", INTS, axis=1, dtype="float32"))
    compare(*run_both("cumsum", INTS, axis=0, dtype="float32"))


@pytest.mark.parametrize("q", [0.5, [0.1, 0.9]], ids=repr)
@pytest.mark.parametrize("axis", [None, 1, (0, 2)], ids=repr)
@pytest.mark.parametrize("method", ["linear", "lower", "higher", "midpoint", "nearest"])
def test_quantiles(q, axis, method):
    compare(*run_both("quantile", A3, q, axis=axis, method=method, keepdims=False))
    compare(*run_both("quantile", A3, q, axis=axis, method=method, keepdims=True))
    compare(*run_both("percentile", A3, np.asarray(q) * 100, axis=axis, method=method))
    compare(*run_both("nanquantile", A3, q, axis=axis, method=method))


def test_average():
    compare(*run_both("average", A3))
    compare(*run_both("average", A3, axis=1))
    compare(*run_both("average", A3, axis=2, weights=np.array([1.0, 2.0, 0.5, 1.0], "float32")))
    compare(*run_both("average", A, axis=1, weights=POS))
    # NumPy semantics for full-shape weights and axis=None (Keras on torch broadcasts a vector here).
    np.testing.assert_allclose(tk_ops.convert_to_numpy(tk_ops.average(A, weights=POS)),
                               np.average(A, weights=POS), rtol=1e-5)


SHAPE_CASES = [
    ("reshape", (A3, (4, 6)), {}),
    ("reshape", (A3, (-1, 2)), {}),
    ("reshape", (A3, 24), {}),
    ("transpose", (A3,), {}),
    ("transpose", (A3, (1, 0, 2)), {}),
    ("expand_dims", (A3, 1), {}),
    ("expand_dims", (A3, -1), {}),
    ("expand_dims", (A3, (0, 2)), {}),
    ("squeeze", (A3[:1],), {}),
    ("squeeze", (A3[:1], 0), {}),
    ("moveaxis", (A3, 0, -1), {}),
    ("moveaxis", (A3, (0, 1), (2, 0)), {}),
    ("swapaxes", (A3, 0, 2), {}),
    ("broadcast_to", (A[0], (2, 3, 4)), {}),
    ("flip", (A3,), {}),
    ("flip", (A3, 1), {}),
    ("flip", (A3, (0, 2)), {}),
    ("fliplr", (A,), {}),
    ("flipud", (A,), {}),
    ("rot90", (A,), {}),
    ("rot90", (A3,), {"k": 3, "axes": (1, 2)}),
    ("roll", (A3, 2), {}),
    ("roll", (A3, -1, 1), {}),
    ("roll", (A3, (1, 2), (0, 2)), {}),
    ("tile", (A, 2), {}),
    ("tile", (A, (2, 1, 3)), {}),
    ("repeat", (A, 2), {}),
    ("repeat", (A, 3, 1), {}),
    ("repeat", (A, np.array([1, 2, 0]), 0), {}),
    ("concatenate", ([A, B],), {}),
    ("concatenate", ([A, B],), {"axis": 1}),
    ("concatenate", ([A, INTS],), {"axis": -1}),
    ("stack", ([A, B],), {}),
    ("stack", ([A, B],), {"axis": -1}),
    ("hstack", ([A, B],), {}),
    ("vstack", ([A, B],), {}),
    ("dstack", ([A, B],), {}),
    ("append", (A, B), {}),
    ("append", (A, B), {"axis": 0}),
    ("split", (A3, 2), {}),
    ("split", (A3, 2), {"axis": 2}),
    ("split", (A3, [1, 3]), {"axis": 2}),
    ("array_split", (A3, 3), {"axis": 2}),
    ("hsplit", (A, 2), {}),
    ("vsplit", (np.concatenate([A, B]), 2), {}),
    ("diag", (A,), {}),
    ("diag", (A[0],), {"k": 1}),
    ("diagflat", (A[0],), {}),
    ("diagonal", (A3,), {"offset": 1, "axis1": 1, "axis2": 2}),
    ("tril", (A,), {}),
    ("tril", (A,), {"k": -1}),
    ("triu", (A,), {"k": 1}),
    ("take", (A, np.array([0, 2, 7])), {}),
    ("take", (A, np.array([0, 2, -1])), {"axis": 0}),
    ("take", (A, np.array([[0, 1], [2, 0]])), {"axis": 0}),
    ("take", (A3, np.array([3, 1])), {"axis": -1}),
    ("take_along_axis", (A3, np.argsort(A3, axis=1)), {"axis": 1}),
    ("take_along_axis", (A, np.array([[0], [1], [3]])), {"axis": 1}),
    ("where", (A > 0, A, B), {}),
    ("where", (A > 0, A, 0.0), {}),
    ("where", (A > 0, 1, 0), {}),
    ("where", (A > 0,), {}),
    ("select", ([A > 0.5, A < -0.5], [A, B]), {"default": 7.0}),
    ("pad", (A, ((1, 1), (1, 1))), {}),
    ("pad", (A, ((1, 2), (0, 1))), {}),
    ("pad", (A, ((1, 2), (0, 1))), {"constant_values": 3.0}),
    ("pad", (A3, ((0, 0), (1, 2), (2, 1))), {"mode": "reflect"}),
    ("ravel", (A3,), {}),
    ("searchsorted", (np.sort(A[0]), A[1]), {}),
    ("searchsorted", (np.sort(A[0]), A[1]), {"side": "right"}),
    ("digitize", (A, np.array([-1.0, 0.0, 1.0], "float32")), {}),
    ("bincount", (np.array([0, 1, 1, 3, 2, 1], "int32"),), {}),
    ("bincount", (np.array([0, 1, 1, 3], "int32"),), {"minlength": 6}),
    ("bincount", (np.array([0, 1, 1, 3], "int32"),), {"weights": np.array([1.0, 0.5, 2.0, 1.0], "float32")}),
    ("bincount", (np.array([[0, 1, 3], [2, 0, 3]], "int32"),), {}),
    ("nonzero", (INTS,), {}),
    ("unravel_index", (np.array([1, 5, 11], "int32"), (3, 4)), {}),
    ("meshgrid", (A[0], B[0][:3]), {}),
    ("meshgrid", (A[0], B[0][:3]), {"indexing": "ij"}),
    ("outer", (A[0], B[1]), {}),
    ("inner", (A, B), {}),
    ("kron", (A[:2, :2], B[:2, :3]), {}),
    ("cross", (A[:2, :3], B[:2, :3]), {}),
    ("diff", (A3,), {}),
    ("diff", (A3,), {"n": 2, "axis": 1}),
    ("trapezoid", (A,), {}),
    ("trapezoid", (A,), {"dx": 0.5, "axis": 0}),
    ("vander", (A[0],), {}),
    ("vander", (A[0],), {"N": 3, "increasing": True}),
    ("correlate", (A[0], B[0][:3]), {}),
    ("correlate", (A[0], B[0][:3]), {"mode": "same"}),
    ("correlate", (A[0], B[0][:3]), {"mode": "full"}),
    ("corrcoef", (A,), {}),
    ("isin", (INTS, np.array([0, 1, 2], "int32")), {}),
    ("allclose", (A, A + 1e-7), {}),
    ("nan_to_num", (np.array([np.nan, np.inf, -np.inf, 1.0], "float32"),), {}),
    ("nan_to_num", (np.array([np.nan, np.inf, -np.inf, 1.0], "float32"),), {"nan": 2.0, "posinf": 9.0}),
    ("clip", (A, -0.5, 0.5), {}),
    ("clip", (INTS, -2, 3), {}),
    ("clip", (INTS, -2.5, 3.5), {}),
    ("trace", (A,), {}),
    ("trace", (A3,), {"offset": 1, "axis1": 1, "axis2": 2}),
    ("size", (A3,), {}),
    ("get_item", (torch.as_tensor(A3), 1), {}),
    ("get_item", (torch.as_tensor(A3), (slice(None), 1)), {}),
    ("get_item", (torch.as_tensor(A3), (Ellipsis, None, slice(1, 3))), {}),
    ("get_item", (torch.as_tensor(A3), (0, slice(0, 3, 2))), {}),
    ("view", (A, "int32"), {}),
    ("slogdet", (A[:, :3],), {}),
    ("histogram", (A[0],), {}),
    ("histogram", (A.ravel(),), {"bins": 4, "range": (-1.0, 1.0)}),
]


@pytest.mark.parametrize("name,args,kwargs", SHAPE_CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(SHAPE_CASES)])
def test_shape_and_indexing(name, args, kwargs):
    compare(*run_both(name, *args, **kwargs))


def test_get_item_with_tensor_indices():
    idx = torch.tensor([2, 0])
    compare(keras.ops.get_item(torch.as_tensor(A), idx), tk_ops.get_item(torch.as_tensor(A), idx))
    mask = torch.as_tensor(A > 0)
    compare(keras.ops.get_item(torch.as_tensor(A), mask), tk_ops.get_item(torch.as_tensor(A), mask))


def test_unique():
    x = np.array([3, 1, 2, 3, 1, 5], "int32")
    compare(*run_both("unique", x))
    k = keras.ops.unique(x, return_inverse=True, return_counts=True)
    t = tk_ops.unique(x, return_inverse=True, return_counts=True)
    compare(k, t, check_dtype=False)
    compare(*run_both("unique", x, size=6, fill_value=-1), check_dtype=False)


def test_argpartition_partitions():
    x = RNG.standard_normal((4, 7)).astype("float32")
    idx = tk_ops.convert_to_numpy(tk_ops.argpartition(x, 3, axis=-1))
    parted = np.take_along_axis(x, idx, axis=-1)
    ref = np.sort(x, axis=-1)
    np.testing.assert_allclose(parted[:, 3], ref[:, 3])
    assert (parted[:, :3] <= parted[:, 3:4]).all() and (parted[:, 4:] >= parted[:, 3:4]).all()
    assert dtype_of(keras.ops.argpartition(x, 3)) == dtype_of(tk_ops.argpartition(x, 3))


PRODUCT_CASES = [
    ("matmul", (A, B.T)),
    ("matmul", (A3, B.T)),
    ("matmul", (A[0], B.T)),
    ("matmul", (INTS, INTS.T)),
    ("matmul", (INTS.astype("int8"), INTS.T.astype("int8"))),
    ("matmul", (A, INTS.T)),
    ("dot", (A, B.T)),
    ("dot", (A[0], B[0])),
    ("dot", (2.0, A)),
    ("dot", (INTS, INTS.T)),
    ("tensordot", (A3, B.T, 1)),
    ("tensordot", (A3, A3, [[1, 2], [1, 2]])),
    ("tensordot", (A3, B, ([1, 2], [0, 1]))),
    ("vdot", (A[0], B[1])),
    ("inner", (INTS, INTS)),
]


@pytest.mark.parametrize("name,args", PRODUCT_CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(PRODUCT_CASES)])
def test_products(name, args):
    compare(*run_both(name, *args), rtol=1e-5, atol=1e-5)


def test_einsum():
    compare(*run_both("einsum", "ij,kj->ik", A, B), atol=1e-5)
    compare(*run_both("einsum", "bij,jk->bik", A3, B.T), atol=1e-5)
    compare(*run_both("einsum", "ii", A[:, :3]))
    compare(*run_both("einsum", "ij->j", INTS.astype("int8")))


CREATION = [
    ("zeros", ((2, 3),), {}),
    ("zeros", (4,), {"dtype": "int32"}),
    ("ones", ((2, 3),), {"dtype": "bool"}),
    ("full", ((2, 3), 7), {}),
    ("full", ((2, 3), 7.5), {}),
    ("full", ((2, 3), 2, "float16"), {}),
    ("full", ((2, 3), np.array([1.0, 2.0, 3.0], "float32")), {}),
    ("zeros_like", (INTS,), {}),
    ("ones_like", (A,), {"dtype": "int64"}),
    ("full_like", (A, 3), {}),
    ("full_like", (INTS, 2.7), {}),
    ("eye", (3,), {}),
    ("eye", (3, 5, 1), {}),
    ("eye", (4, 3), {"k": -1, "dtype": "int32"}),
    ("identity", (3,), {"dtype": "int32"}),
    ("tri", (3, 4), {"k": 1}),
    ("arange", (5,), {}),
    ("arange", (1, 7, 2), {}),
    ("arange", (0.5, 3.0), {}),
    ("arange", (1, 2, 0.25), {}),
    ("arange", (2, 10, 3), {"dtype": "float32"}),
    ("linspace", (0, 1, 5), {}),
    ("linspace", (0.0, 1.0, 5), {"endpoint": False}),
    ("linspace", (2, 10, 5), {"dtype": "int32"}),
    ("linspace", (np.array([0.0, 1.0], "float32"), np.array([1.0, 3.0], "float32"), 4), {}),
    ("logspace", (0, 2, 5), {}),
    ("logspace", (0.0, 2.0, 4), {"base": 2, "endpoint": False}),
    ("geomspace", (1, 1000, 4), {}),
    ("geomspace", (1.0, 16.0, 5), {"endpoint": False}),
    ("bartlett", (6,), {}),
    ("blackman", (6,), {}),
    ("hamming", (6,), {}),
    ("hanning", (6,), {}),
    ("kaiser", (6, 5.0), {}),
]


@pytest.mark.parametrize("name,args,kwargs", CREATION, ids=[f"{c[0]}-{i}" for i, c in enumerate(CREATION)])
def test_creation(name, args, kwargs):
    compare(*run_both(name, *args, **kwargs), rtol=1e-5, atol=1e-5)


def test_rearrange():
    x = RNG.standard_normal((2, 4, 6, 3)).astype("float32")
    for pattern, lengths in [("b h w c -> b c h w", {}), ("b h w c -> (b h) w c", {}),
                             ("b (h1 h) (w1 w) c -> (b h1 w1) h w c", {"h1": 2, "w1": 2}),
                             ("b (h h1) (w w1) c -> b h w (c h1 w1)", {"h1": 2, "w1": 3})]:
        compare(keras.ops.rearrange(x, pattern, **lengths), tk_ops.rearrange(x, pattern, **lengths))


def test_vectorize():
    def f(a, b):
        return a * 2 + b

    compare(keras.ops.vectorize(f)(A, B), tk_ops.vectorize(f)(A, B))

    def g(v):
        return torch.sum(v * v)

    compare(keras.ops.vectorize(g, signature="(n)->()")(A3), tk_ops.vectorize(g, signature="(n)->()")(A3))


@pytest.mark.parametrize("dtype", [None, "float16", "int32", "bool"])
def test_symbolic_dtype_and_shape_match_keras(dtype):
    """The same op on symbolic inputs gives Keras's output shape and dtype."""
    d = dtype or "float32"
    cases = [
        ("add", lambda o, x: o.add(x, 1.0)),
        ("mean", lambda o, x: o.mean(x, axis=1)),
        ("sum", lambda o, x: o.sum(x, axis=-1, keepdims=True)),
        ("reshape", lambda o, x: o.reshape(x, (-1, 2, 2))),
        ("argmax", lambda o, x: o.argmax(x, axis=-1)),
        ("concat", lambda o, x: o.concatenate([x, x], axis=-1)),
        ("expand", lambda o, x: o.expand_dims(x, 1)),
        ("getitem", lambda o, x: x[:, 1:3]),
        ("matmul", lambda o, x: o.matmul(x, o.ones((4, 5), dtype=d))),
    ]
    import torchkeras

    for label, fn in cases:
        k_in = keras.KerasTensor((None, 4), dtype=d)
        t_in = torchkeras.KerasTensor((None, 4), dtype=d)
        try:
            k_out = fn(keras.ops, k_in)
        except Exception:  # noqa: BLE001
            continue
        t_out = fn(tk_ops, t_in)
        assert tuple(t_out.shape) == tuple(k_out.shape), label
        assert t_out.dtype == k_out.dtype, (label, t_out.dtype, k_out.dtype)


def test_numpy_semantics_where_keras_torch_differs():
    """Documented differences: we follow NumPy where Keras's torch backend has known slips."""
    x = np.arange(12, dtype="float32").reshape(3, 4)
    # A scalar pad width pads every axis (Keras on torch pads only the last one).
    assert tuple(tk_ops.pad(x, 1).shape) == np.pad(x, 1).shape
    # `take` with negative indices on the flattened input counts from the end of the flattened input.
    np.testing.assert_allclose(tk_ops.convert_to_numpy(tk_ops.take(x, np.array([-1]))), np.take(x, [-1]))
    # Full reductions keep one axis of size 1 per input axis with keepdims.
    assert tuple(tk_ops.sum(x, keepdims=True).shape) == (1, 1)
    k_points, k_step = keras.ops.linspace(0.0, 1.0, 5, retstep=True)
    t_points, t_step = tk_ops.linspace(0.0, 1.0, 5, retstep=True)
    compare(k_points, t_points)
    assert t_step == pytest.approx(float(k_step))
