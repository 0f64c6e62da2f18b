"""Every `keras.ops` function × every dtype, against real Keras 3 (torch backend): result dtypes and values.

Each case calls one op the same way in real `keras` and in `torchkeras`, on tiny tensors of one dtype (for
creation ops, the `dtype=` argument). Per (op, dtype) pair the outcome is one of:

- `match`: both compute; same result dtypes, shapes and (close) values;
- `keras_bug`: both compute, Keras's torch backend is wrong (`KERAS_BUGS` says why); torchkeras is checked
  against a NumPy reference instead;
- `beyond_keras`: Keras refuses (mostly torch lacking a kernel) and torchkeras computes, in a wider type where
  torch has no kernel; its values must be the op's on the same values in float64, cast to its result dtype;
- `both_refuse`: Keras refuses and torchkeras raises a clear error (which dtype, and to cast);
- `refused`: Keras computes and torchkeras refuses: only the pairs listed in `REFUSED` may.

`python compat_tests/test_ops_dtypes.py` prints the pairs that fail, and the table's counts.
"""
import collections
import os

os.environ.setdefault("KERAS_BACKEND", "torch")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

keras = pytest.importorskip("keras")
import torchkeras  # noqa: E402

DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "bfloat16", "float32", "float64"]
FLOATS = ["float16", "bfloat16", "float32", "float64"]

# (op, dtype) pairs that Keras computes and torchkeras refuses, with the reason. None today.
REFUSED = {}

_BASE = np.array([[0, 1, 2], [3, 1, 0]])


_REFERENCE_OF = []  # a dtype, while computing a float64 reference on the values that dtype holds


def data(dtype, base=_BASE):
    """Values that every dtype holds: small non-negative ints, or floats with fractions and negatives."""
    base = np.asarray(base)
    if _REFERENCE_OF and dtype == "float64":
        dtype = _REFERENCE_OF[-1]
    if dtype in FLOATS:
        return base * 0.75 - 0.5
    return base


def T(k, values, dtype):
    """A tensor of `values` in `dtype`, made by library `k`."""
    if _REFERENCE_OF and dtype == "float64":  # the values as the dtype under test holds them, in float64
        return k.ops.cast(k.ops.convert_to_tensor(np.asarray(values), dtype=_REFERENCE_OF[-1]), "float64")
    return k.ops.convert_to_tensor(np.asarray(values), dtype=dtype)


def X(k, dt, base=_BASE):
    return T(k, data(dt, base), dt)


def F32(k, values):
    return T(k, np.asarray(values, "float32"), "float32")


def I32(k, values):
    return T(k, np.asarray(values), "int32")


# --- the cases: name -> fn(k, dt) -------------------------------------------------------------------------
CASES = {}


def case(name, fn, dtypes=DTYPES):
    CASES[name] = (fn, tuple(dtypes))


def unary(name, module="", **kw):
    def fn(k, dt):
        ns = getattr(k.ops, module) if module else k.ops
        return getattr(ns, name)(X(k, dt), **kw)

    return fn


def binary(name, module="", **kw):
    def fn(k, dt):
        ns = getattr(k.ops, module) if module else k.ops
        return getattr(ns, name)(X(k, dt), X(k, dt, [[1, 2, 1], [2, 3, 1]]), **kw)

    return fn


def _spec(x):
    return tuple(x.shape), str(x.dtype)


def _partition_sides(k, x, kth):
    idx = k.ops.argpartition(x, kth)
    return k.ops.sort(k.ops.take(x, idx[: kth + 1])), k.ops.sort(k.ops.take(x, idx[kth + 1:]))


_UNARY = """abs absolute arccos arccosh arcsin arcsinh arctan arctanh cbrt ceil conj conjugate copy cos cosh
deg2rad exp exp2 expm1 fabs floor i0 imag isfinite isinf isnan isneginf isposinf isreal log log10 log1p log2
logical_not negative rad2deg real reciprocal round sign signbit sin sinc sinh sqrt square tan tanh trunc
bitwise_invert bitwise_not nan_to_num angle erf erfc erfinv rsqrt ravel transpose fliplr flipud sort argsort
size ndim nonzero count_nonzero ptp median all any amax amin max min mean sum prod std var argmax argmin
cumsum cumprod nanargmax nanargmin nancumprod nancumsum nanmax nanmean nanmedian nanmin nanprod nanstd nansum
nanvar logsumexp trace diagonal diag diagflat average stop_gradient shape""".split()
for _name in _UNARY:
    case(_name, unary(_name))

for _name in ["amax", "amin", "max", "min", "mean", "sum", "prod", "std", "var", "argmax", "argmin", "all", "any",
              "median", "ptp", "count_nonzero", "logsumexp", "nanmean", "nansum"]:
    case(f"{_name}(axis=1)", unary(_name, axis=1))
case("mean(keepdims)", unary("mean", axis=0, keepdims=True))
case("round(decimals=1)", unary("round", decimals=1))
case("cumsum(axis=0)", unary("cumsum", axis=0))

_NN_UNARY = """celu elu gelu hard_shrink hard_sigmoid hard_silu hard_swish hard_tanh leaky_relu log_sigmoid
log_softmax relu relu6 selu sigmoid silu soft_shrink softmax softplus softsign sparse_plus sparse_sigmoid
sparsemax squareplus swish tanh_shrink normalize""".split()
for _name in _NN_UNARY:
    case(f"nn.{_name}", unary(_name, "nn"))
case("nn.glu(even)", lambda k, dt: k.ops.nn.glu(X(k, dt, [[0, 1, 2, 3]])))
case("nn.gelu(exact)", unary("gelu", "nn", approximate=False))
case("nn.threshold", lambda k, dt: k.ops.nn.threshold(X(k, dt), 0.5, 0))
case("nn.softmax(axis=0)", unary("softmax", "nn", axis=0))

_BINARY = """add subtract multiply divide true_divide floor_divide mod fmod power maximum minimum fmax fmin arctan2
hypot heaviside logaddexp logaddexp2 nextafter equal not_equal greater greater_equal less less_equal logical_and
logical_or logical_xor bitwise_and bitwise_or bitwise_xor bitwise_left_shift bitwise_right_shift left_shift
right_shift gcd lcm isclose allclose divide_no_nan append inner outer vdot kron isin""".split()
for _name in _BINARY:
    case(_name, binary(_name))
case("dot", lambda k, dt: k.ops.dot(X(k, dt), X(k, dt, [[1, 2], [0, 1], [2, 1]])))
case("dot(vectors)", lambda k, dt: k.ops.dot(X(k, dt, [0, 1, 2]), X(k, dt, [1, 2, 1])))
case("matmul", lambda k, dt: k.ops.matmul(X(k, dt), X(k, dt, [[1, 2], [0, 1], [2, 1]])))
case("tensordot", lambda k, dt: k.ops.tensordot(X(k, dt), X(k, dt, [[1, 2], [0, 1], [2, 1]]), axes=1))
case("einsum", lambda k, dt: k.ops.einsum("ij,kj->ik", X(k, dt), X(k, dt)))
case("cross", lambda k, dt: k.ops.cross(X(k, dt), X(k, dt, [[1, 2, 1], [2, 3, 1]])))
case("polar", binary("polar", "nn"))
case("psnr", lambda k, dt: k.ops.nn.psnr(X(k, dt), X(k, dt, [[1, 2, 1], [2, 3, 1]]), 4.0))
case("cdist", binary("cdist"))
case("ldexp", lambda k, dt: k.ops.ldexp(X(k, dt), T(k, [[1, 2, 0], [0, 1, 2]], "int32")))
case("correlate(full)", lambda k, dt: k.ops.correlate(X(k, dt, [1, 2, 3]), X(k, dt, [0, 1]), mode="full"))
case("add(python int)", lambda k, dt: k.ops.add(X(k, dt), 2))
case("add(python float)", lambda k, dt: k.ops.add(X(k, dt), 1.5))
case("multiply(python float)", lambda k, dt: k.ops.multiply(X(k, dt), 0.5))
case("power(python int)", lambda k, dt: k.ops.power(X(k, dt), 2))
case("divide(python int)", lambda k, dt: k.ops.divide(X(k, dt), 2))
case("maximum(python float)", lambda k, dt: k.ops.maximum(X(k, dt), 0.5))
case("where(float32)", lambda k, dt: k.ops.where(X(k, dt) > 0, X(k, dt), F32(k, [1.0, 2.0, 3.0])))
case("add(int32)", lambda k, dt: k.ops.add(X(k, dt), I32(k, [1, 2, 3])))
case("multiply(float32)", lambda k, dt: k.ops.multiply(X(k, dt), F32(k, [1.0, 2.0, 3.0])))
case("add(bool)", lambda k, dt: k.ops.add(X(k, dt), T(k, [True, False, True], "bool")))

# shapes and indexing
case("reshape", lambda k, dt: k.ops.reshape(X(k, dt), (3, 2)))
case("expand_dims", lambda k, dt: k.ops.expand_dims(X(k, dt), 0))
case("squeeze", lambda k, dt: k.ops.squeeze(X(k, dt, [[1, 2, 3]])))
case("broadcast_to", lambda k, dt: k.ops.broadcast_to(X(k, dt, [1, 2, 3]), (2, 3)))
case("concatenate", lambda k, dt: k.ops.concatenate([X(k, dt), X(k, dt)], axis=0))
case("stack", lambda k, dt: k.ops.stack([X(k, dt), X(k, dt)], axis=1))
case("hstack", lambda k, dt: k.ops.hstack([X(k, dt), X(k, dt)]))
case("vstack", lambda k, dt: k.ops.vstack([X(k, dt), X(k, dt)]))
case("dstack", lambda k, dt: k.ops.dstack([X(k, dt), X(k, dt)]))
case("split", lambda k, dt: k.ops.split(X(k, dt), 3, axis=1))
case("array_split", lambda k, dt: k.ops.array_split(X(k, dt), 2, axis=1))
case("hsplit", lambda k, dt: k.ops.hsplit(X(k, dt), 3))
case("vsplit", lambda k, dt: k.ops.vsplit(X(k, dt), 2))
case("dsplit", lambda k, dt: k.ops.dsplit(X(k, dt, [[[0, 1], [2, 3]]]), 2))
case("unstack", lambda k, dt: k.ops.unstack(X(k, dt)))
case("flip", lambda k, dt: k.ops.flip(X(k, dt), axis=1))
case("moveaxis", lambda k, dt: k.ops.moveaxis(X(k, dt), 0, 1))
case("swapaxes", lambda k, dt: k.ops.swapaxes(X(k, dt), 0, 1))
case("repeat", lambda k, dt: k.ops.repeat(X(k, dt), 2, axis=0))
case("roll", lambda k, dt: k.ops.roll(X(k, dt), 1, axis=1))
case("rot90", lambda k, dt: k.ops.rot90(X(k, dt)))
case("tile", lambda k, dt: k.ops.tile(X(k, dt), (2, 1)))
case("tril", lambda k, dt: k.ops.tril(X(k, dt)))
case("triu", lambda k, dt: k.ops.triu(X(k, dt)))
case("pad", lambda k, dt: k.ops.pad(X(k, dt), ((1, 0), (0, 2))))
case("pad(reflect)", lambda k, dt: k.ops.pad(X(k, dt), ((0, 0), (1, 1)), mode="reflect"))
case("pad(constant=1)", lambda k, dt: k.ops.pad(X(k, dt), ((0, 0), (1, 1)), constant_values=1))
case("take", lambda k, dt: k.ops.take(X(k, dt), I32(k, [2, 0]), axis=1))
case("take_along_axis", lambda k, dt: k.ops.take_along_axis(X(k, dt), I32(k, [[2, 0, 1], [1, 1, 0]]), axis=1))
case("get_item", lambda k, dt: X(k, dt)[1:, ::2])
case("slice", lambda k, dt: k.ops.slice(X(k, dt), (0, 1), (2, 2)))
case("slice_update", lambda k, dt: k.ops.slice_update(X(k, dt), (0, 1), X(k, dt, [[3, 3]])))
case("scatter_update", lambda k, dt: k.ops.scatter_update(X(k, dt), I32(k, [[0, 1]]), X(k, dt, [3])))
case("scatter", lambda k, dt: k.ops.scatter(I32(k, [[0, 1], [1, 2]]), X(k, dt, [1, 2]), (2, 3)))
case("where(x, y)", lambda k, dt: k.ops.where(T(k, [True, False, True], "bool"), X(k, dt), X(k, dt, [[1, 1, 1]])))
case("where(cond)", lambda k, dt: k.ops.where(X(k, dt)))
case("select", lambda k, dt: k.ops.select([T(k, [True, False, True], "bool")], [X(k, dt)]))
case("clip", lambda k, dt: k.ops.clip(X(k, dt), 0, 1))
case("cast(float32)", lambda k, dt: k.ops.cast(X(k, dt), "float32"))
case("cast(to dtype)", lambda k, dt: k.ops.cast(F32(k, [[0.0, 1.0, 2.5]]), dt))
case("saturate_cast(to dtype)", lambda k, dt: k.ops.saturate_cast(F32(k, [[-300.0, 1.0, 300.0]]), dt))
case("saturate_cast(uint8)", lambda k, dt: k.ops.saturate_cast(X(k, dt), "uint8"))
case("convert_to_tensor", lambda k, dt: k.ops.convert_to_tensor(np.asarray(data(dt)), dtype=dt))
case("view(int8)", lambda k, dt: k.ops.view(X(k, dt), "int8"))
case("view_as_complex", lambda k, dt: k.ops.view_as_complex(X(k, dt, [[0, 1], [2, 3]])))
case("view_as_real", lambda k, dt: k.ops.view_as_real(k.ops.view_as_complex(X(k, dt, [[0, 1], [2, 3]]))))

# sorting and searching
# The order inside each side of the partition is unspecified: compare the sorted sides.
case("argpartition", lambda k, dt: _partition_sides(k, X(k, dt, [3, 1, 2, 0]), 1))
case("searchsorted", lambda k, dt: k.ops.searchsorted(X(k, dt, [0, 1, 2, 3]), X(k, dt, [1, 3])))
case("digitize", lambda k, dt: k.ops.digitize(X(k, dt, [0, 1, 2, 3]), F32(k, [0.5, 2.0])))
case("unique", lambda k, dt: k.ops.unique(X(k, dt, [3, 1, 1, 0])))
case("bincount", lambda k, dt: k.ops.bincount(X(k, dt, [0, 1, 1, 3])))
case("bincount(weights)", lambda k, dt: k.ops.bincount(I32(k, [0, 1, 1, 3]), weights=X(k, dt, [1, 2, 3, 1])))
case("histogram", lambda k, dt: k.ops.histogram(X(k, dt, [0, 1, 1, 3]), bins=3))
case("unravel_index", lambda k, dt: k.ops.unravel_index(X(k, dt, [0, 3, 5]), (2, 3)))
case("top_k", lambda k, dt: k.ops.top_k(X(k, dt), 2))
case("in_top_k", lambda k, dt: k.ops.in_top_k(I32(k, [0, 1]), X(k, dt), 2))
case("quantile", lambda k, dt: k.ops.quantile(X(k, dt), 0.5))
case("percentile", lambda k, dt: k.ops.percentile(X(k, dt), 50, axis=1))
case("nanquantile", lambda k, dt: k.ops.nanquantile(X(k, dt), 0.5))
case("nanpercentile", lambda k, dt: k.ops.nanpercentile(X(k, dt), 50))
case("segment_sum", lambda k, dt: k.ops.segment_sum(X(k, dt), I32(k, [0, 1]), num_segments=2))
case("segment_max", lambda k, dt: k.ops.segment_max(X(k, dt), I32(k, [0, 0]), num_segments=2))
case("segment_min", lambda k, dt: k.ops.segment_min(X(k, dt), I32(k, [0, 1]), num_segments=2))
case("segment_prod", lambda k, dt: k.ops.segment_prod(X(k, dt), I32(k, [0, 0]), num_segments=1))
case("trapezoid", unary("trapezoid"))
case("vander", lambda k, dt: k.ops.vander(X(k, dt, [0, 1, 2])))
case("diff", lambda k, dt: k.ops.diff(X(k, dt)))
case("corrcoef", lambda k, dt: k.ops.corrcoef(X(k, dt, [[0, 1, 2], [3, 1, 0], [1, 1, 2]])))
case("slogdet", lambda k, dt: k.ops.slogdet(X(k, dt, [[2, 1], [1, 2]])))
case("rearrange", lambda k, dt: k.ops.rearrange(X(k, dt), "a b -> b a"))
case("average(weights)", lambda k, dt: k.ops.average(X(k, dt), axis=1, weights=X(k, dt, [1, 2, 1])))

# creation, with dtype= (None-dtype variants run once per dtype of a `like` tensor)
case("zeros", lambda k, dt: k.ops.zeros((2, 2), dtype=dt))
case("ones", lambda k, dt: k.ops.ones((2, 2), dtype=dt))
case("full", lambda k, dt: k.ops.full((2, 2), 1, dtype=dt))
case("empty.shape", lambda k, dt: k.ops.shape(k.ops.empty((2, 2), dtype=dt)) + (k.ops.empty((2,), dtype=dt).dtype,))
case("eye", lambda k, dt: k.ops.eye(3, dtype=dt))
case("identity", lambda k, dt: k.ops.identity(2, dtype=dt))
case("tri", lambda k, dt: k.ops.tri(3, dtype=dt))
case("arange", lambda k, dt: k.ops.arange(0, 4, dtype=dt))
case("linspace", lambda k, dt: k.ops.linspace(0, 3, 4, dtype=dt))
case("logspace", lambda k, dt: k.ops.logspace(0, 2, 3, dtype=dt))
case("geomspace", lambda k, dt: k.ops.geomspace(1, 8, 4, dtype=dt))
case("zeros_like", unary("zeros_like"))
case("ones_like", unary("ones_like"))
case("full_like", lambda k, dt: k.ops.full_like(X(k, dt), 1))
case("full_like(dtype)", lambda k, dt: k.ops.full_like(F32(k, [1.0, 2.0]), 1, dtype=dt))
case("empty_like.dtype", lambda k, dt: (k.ops.empty_like(X(k, dt)).dtype,))
case("array", lambda k, dt: k.ops.array(data(dt), dtype=dt))
case("meshgrid", lambda k, dt: k.ops.meshgrid(X(k, dt, [0, 1]), X(k, dt, [1, 2, 3])))
case("one_hot(dtype)", lambda k, dt: k.ops.one_hot(I32(k, [0, 2]), 3, dtype=dt))
case("one_hot(x)", lambda k, dt: k.ops.one_hot(X(k, dt, [0, 2]), 3))
case("multi_hot(x)", lambda k, dt: k.ops.multi_hot(X(k, dt, [[0, 2]]), 3))
case("multi_hot(dtype)", lambda k, dt: k.ops.multi_hot(I32(k, [[0, 2]]), 3, dtype=dt))
case("bartlett", lambda k, dt: k.ops.bartlett(4), ["float32"])
case("blackman", lambda k, dt: k.ops.blackman(4), ["float32"])
case("hamming", lambda k, dt: k.ops.hamming(4), ["float32"])
case("hanning", lambda k, dt: k.ops.hanning(4), ["float32"])
case("kaiser", lambda k, dt: k.ops.kaiser(4, 0.5), ["float32"])

# nn
_IMG = np.arange(2 * 4 * 4 * 3).reshape(2, 4, 4, 3) % 5
case("nn.conv", lambda k, dt: k.ops.conv(X(k, dt, _IMG), X(k, dt, np.ones((2, 2, 3, 2), int))))
case("nn.conv_transpose",
     lambda k, dt: k.ops.conv_transpose(X(k, dt, _IMG), X(k, dt, np.ones((2, 2, 2, 3), int)), strides=2))
case("nn.depthwise_conv", lambda k, dt: k.ops.depthwise_conv(X(k, dt, _IMG), X(k, dt, np.ones((2, 2, 3, 1), int))))
case("nn.separable_conv", lambda k, dt: k.ops.separable_conv(
    X(k, dt, _IMG), X(k, dt, np.ones((2, 2, 3, 1), int)), X(k, dt, np.ones((1, 1, 3, 2), int))))
case("nn.conv1d", lambda k, dt: k.ops.conv(X(k, dt, _IMG[0]), X(k, dt, np.ones((2, 3, 2), int)), padding="same"))
case("nn.max_pool", lambda k, dt: k.ops.max_pool(X(k, dt, _IMG), 2))
case("nn.average_pool", lambda k, dt: k.ops.average_pool(X(k, dt, _IMG), 2))
case("nn.adaptive_max_pool", lambda k, dt: k.ops.adaptive_max_pool(X(k, dt, _IMG), 2))
case("nn.adaptive_average_pool", lambda k, dt: k.ops.adaptive_average_pool(X(k, dt, _IMG), 2))
case("nn.batch_normalization", lambda k, dt: k.ops.batch_normalization(
    X(k, dt), X(k, dt, [0, 1, 1]), X(k, dt, [1, 1, 2]), axis=-1))
case("nn.layer_normalization", unary("layer_normalization", "nn"))
case("nn.rms_normalization", unary("rms_normalization", "nn"))
case("nn.moments", lambda k, dt: k.ops.moments(X(k, dt), axes=[0]))
case("nn.binary_crossentropy", lambda k, dt: k.ops.binary_crossentropy(
    X(k, dt, [[0, 1, 1]]), T(k, [[0.2, 0.7, 0.9]], dt if dt in FLOATS else "float32")))
case("nn.binary_crossentropy(output)", lambda k, dt: k.ops.binary_crossentropy(
    F32(k, [[0.0, 1.0, 1.0], [1.0, 0.0, 1.0]]), X(k, dt), from_logits=True))
case("nn.categorical_crossentropy", lambda k, dt: k.ops.categorical_crossentropy(
    X(k, dt, [[0, 1, 0]]), X(k, dt, [[1, 2, 1]]), from_logits=True))
case("nn.sparse_categorical_crossentropy(target)", lambda k, dt: k.ops.sparse_categorical_crossentropy(
    X(k, dt, [0, 2]), F32(k, [[0.1, 0.2, 0.7], [0.3, 0.3, 0.4]])))
case("nn.sparse_categorical_crossentropy(output)", lambda k, dt: k.ops.sparse_categorical_crossentropy(
    I32(k, [0, 2]), X(k, dt), from_logits=True))
case("nn.ctc_loss", lambda k, dt: k.ops.ctc_loss(
    I32(k, [[1, 2]]), X(k, dt, np.arange(12).reshape(1, 4, 3) % 3), I32(k, [2]), I32(k, [4])))
case("nn.ctc_decode", lambda k, dt: k.ops.ctc_decode(
    X(k, dt, np.arange(12).reshape(1, 4, 3) % 3), I32(k, [4])))
case("nn.dot_product_attention", lambda k, dt: k.ops.dot_product_attention(
    X(k, dt, np.arange(16).reshape(1, 2, 2, 4) % 3), X(k, dt, np.arange(16).reshape(1, 2, 2, 4) % 2),
    X(k, dt, np.arange(16).reshape(1, 2, 2, 4) % 4)))
case("nn.depth_to_space", lambda k, dt: k.ops.depth_to_space(X(k, dt, np.arange(16).reshape(1, 2, 2, 4)), 2))
case("nn.space_to_depth", lambda k, dt: k.ops.space_to_depth(X(k, dt, np.arange(16).reshape(1, 4, 4, 1)), 2))
case("nn.unfold", lambda k, dt: k.ops.unfold(X(k, dt, np.arange(16).reshape(1, 1, 4, 4) % 5), 2))
case("nn.fold", lambda k, dt: k.ops.fold(X(k, dt, np.arange(36).reshape(1, 4, 9) % 5), (4, 4), 2))

# math
case("extract_sequences", lambda k, dt: k.ops.extract_sequences(X(k, dt, [0, 1, 2, 3, 1]), 2, 1))
case("fft", lambda k, dt: k.ops.fft((X(k, dt), X(k, dt))))
case("fft2", lambda k, dt: k.ops.fft2((X(k, dt), X(k, dt))))
case("ifft2", lambda k, dt: k.ops.ifft2((X(k, dt), X(k, dt))))
case("rfft", unary("rfft"))
case("irfft", lambda k, dt: k.ops.irfft((X(k, dt), X(k, dt))))
case("stft", lambda k, dt: k.ops.stft(X(k, dt, np.arange(16) % 5), 8, 4, 8))
case("istft", lambda k, dt: k.ops.istft((X(k, dt, np.arange(15).reshape(3, 5) % 4),
                                         X(k, dt, np.arange(15).reshape(3, 5) % 3)), 8, 4, 8))
case("logdet", lambda k, dt: k.ops.logdet(X(k, dt, [[2, 1], [1, 2]])))

# linalg
_SPD = [[2, 1], [1, 2]]
for _name in ["cholesky", "cholesky_inverse", "det", "eig", "eigh", "inv", "lu_factor", "matrix_rank", "pinv",
              "qr", "svd"]:
    if _name == "cholesky_inverse":
        case(f"linalg.{_name}", lambda k, dt: k.ops.linalg.cholesky_inverse(X(k, dt, [[2, 0], [1, 2]]), upper=False))
    else:
        case(f"linalg.{_name}", (lambda n: lambda k, dt: getattr(k.ops.linalg, n)(X(k, dt, _SPD)))(_name))
case("linalg.norm", lambda k, dt: k.ops.linalg.norm(X(k, dt)))
case("linalg.norm(axis=1)", lambda k, dt: k.ops.linalg.norm(X(k, dt), axis=1))
case("linalg.norm(fro)", lambda k, dt: k.ops.linalg.norm(X(k, dt), ord="fro", axis=(0, 1)))
case("linalg.solve", lambda k, dt: k.ops.linalg.solve(X(k, dt, _SPD), X(k, dt, [[1], [2]])))
case("linalg.solve_triangular", lambda k, dt: k.ops.linalg.solve_triangular(
    X(k, dt, [[2, 0], [1, 2]]), X(k, dt, [[1], [2]]), lower=True))
case("linalg.lstsq", lambda k, dt: k.ops.linalg.lstsq(X(k, dt, [[2, 1], [1, 2], [1, 1]]), X(k, dt, [1, 2, 3])))

# image
_IMG1 = np.arange(1 * 4 * 4 * 3).reshape(1, 4, 4, 3) % 4
case("image.resize", lambda k, dt: k.ops.image.resize(X(k, dt, _IMG1), (2, 2)))
case("image.resize(nearest)", lambda k, dt: k.ops.image.resize(X(k, dt, _IMG1), (8, 8), interpolation="nearest"))
case("image.resize(crop)", lambda k, dt: k.ops.image.resize(X(k, dt, _IMG1), (2, 3), crop_to_aspect_ratio=True))
case("image.extract_patches", lambda k, dt: k.ops.image.extract_patches(X(k, dt, _IMG1), 2))
case("image.extract_patches_3d", lambda k, dt: k.ops.image.extract_patches_3d(
    X(k, dt, np.arange(64).reshape(1, 4, 4, 4, 1) % 3), 2))
case("image.crop_images", lambda k, dt: k.ops.image.crop_images(X(k, dt, _IMG1), 1, 1, target_height=2,
                                                                  target_width=2))
case("image.pad_images", lambda k, dt: k.ops.image.pad_images(X(k, dt, _IMG1), 1, 1, target_height=6,
                                                                target_width=6))
case("image.rgb_to_grayscale", lambda k, dt: k.ops.image.rgb_to_grayscale(X(k, dt, _IMG1)))
case("image.rgb_to_hsv", lambda k, dt: k.ops.image.rgb_to_hsv(X(k, dt, _IMG1 / 4.0)))
case("image.hsv_to_rgb", lambda k, dt: k.ops.image.hsv_to_rgb(X(k, dt, _IMG1 / 4.0)))
case("image.affine_transform", lambda k, dt: k.ops.image.affine_transform(
    X(k, dt, _IMG1), T(k, [[1, 0, 1, 0, 1, 0, 0, 0]], dt)))
case("image.affine_transform(nearest)", lambda k, dt: k.ops.image.affine_transform(
    X(k, dt, _IMG1), T(k, [[1, 0, 1, 0, 1, 0, 0, 0]], "float32"), interpolation="nearest"))
case("image.map_coordinates", lambda k, dt: k.ops.image.map_coordinates(
    X(k, dt, [[0, 1, 2], [3, 1, 0]]), F32(k, [[[0.0, 1.0]], [[1.0, 2.0]]]), 1))
case("image.perspective_transform", lambda k, dt: k.ops.image.perspective_transform(
    X(k, dt, _IMG1), F32(k, [[[0, 0], [3, 0], [0, 3], [3, 3]]]), F32(k, [[[0, 0], [3, 0], [0, 3], [3, 3]]])))
# data_format spelled out: Keras's torch backend blurs the wrong axes when it is left to default.
case("image.gaussian_blur", lambda k, dt: k.ops.image.gaussian_blur(X(k, dt, _IMG1), data_format="channels_last"))
case("image.sobel_edges", lambda k, dt: k.ops.image.sobel_edges(X(k, dt, _IMG1)))
# Random: the two libraries draw different numbers from a seed, so only the shape and dtype are compared.
case("image.elastic_transform", lambda k, dt: _spec(k.ops.image.elastic_transform(X(k, dt, _IMG1), seed=1)))
case("image.scale_and_translate", lambda k, dt: k.ops.image.scale_and_translate(
    X(k, dt, _IMG1), (1, 2, 2, 3), F32(k, [0.5, 0.5]), F32(k, [0.0, 0.0]), (1, 2), "bilinear"))
case("image.ssim", lambda k, dt: k.ops.image.ssim(X(k, dt, _IMG1), X(k, dt, _IMG1 % 3), max_val=4.0,
                                                  filter_size=3))

# core
case("cond", lambda k, dt: k.ops.cond(True, lambda: X(k, dt), lambda: X(k, dt)))
case("switch", lambda k, dt: k.ops.switch(0, [lambda x: x, lambda x: x], X(k, dt)))
case("while_loop", lambda k, dt: k.ops.while_loop(lambda i, x: i < 2, lambda i, x: (i + 1, x), (0, X(k, dt))))
case("fori_loop", lambda k, dt: k.ops.fori_loop(0, 2, lambda i, x: x, X(k, dt)))
case("map", lambda k, dt: k.ops.map(lambda x: x, X(k, dt)))
case("scan", lambda k, dt: k.ops.scan(lambda c, x: (c, x), X(k, dt, [0, 1, 2]), X(k, dt))[1])
case("associative_scan", lambda k, dt: k.ops.associative_scan(lambda a, b: k.ops.maximum(a, b), X(k, dt), axis=1))
case("vectorized_map", lambda k, dt: k.ops.vectorized_map(lambda x: k.ops.flip(x, 0), X(k, dt)))
case("dtype", lambda k, dt: (k.ops.dtype(X(k, dt)),))
case("is_tensor", lambda k, dt: (k.ops.is_tensor(X(k, dt)),))
case("convert_to_numpy.dtype", lambda k, dt: (str(k.ops.convert_to_numpy(X(k, dt)).dtype),),
     [d for d in DTYPES if d != "bfloat16"])
case("vectorize", lambda k, dt: k.ops.vectorize(lambda x: x)(X(k, dt)))
case("jvp", lambda k, dt: k.ops.linalg.jvp(lambda x: x * x, (X(k, dt),), (X(k, dt),)), FLOATS)
case("custom_gradient", lambda k, dt: _custom_gradient(k)(X(k, dt)))


def _custom_gradient(k):
    @k.ops.custom_gradient
    def identity(x):
        return x, lambda *args, upstream=None: upstream

    return identity


# --- where Keras's torch backend is wrong -------------------------------------------------------------------
def _np_sparsemax(z):
    z = np.asarray(z, "float64")
    zs = -np.sort(-z, axis=-1)
    k = np.arange(1, z.shape[-1] + 1)
    support = 1 + k * zs > np.cumsum(zs, axis=-1)
    kz = support.sum(axis=-1, keepdims=True)
    tau = (np.take_along_axis(np.cumsum(zs, axis=-1), kz - 1, axis=-1) - 1) / kz
    return np.maximum(z - tau, 0)


def _np_sparse_plus(x):
    x = np.asarray(x, "float64")
    return np.where(x <= -1, 0.0, np.where(x >= 1, x, (x + 1) ** 2 / 4))


def _np_sparse_sigmoid(x):
    x = np.asarray(x, "float64")
    return np.where(x <= -1, 0.0, np.where(x >= 1, 1.0, (x + 1) / 2))


# case -> (dtypes, why Keras is wrong, reference: dt -> (NumPy values, result dtype)). For these pairs
# torchkeras is checked against the reference instead of Keras (and the test notices when Keras is fixed).
KERAS_BUGS = {
    "nn.sparsemax": (FLOATS, "Keras's torch sparsemax sums the whole cumulative sum into its threshold (its "
                             "outputs don't sum to 1)", lambda dt: (_np_sparsemax(data(dt)), dt)),
    "nn.sparse_plus": (["uint8"], "Keras compares uint8 inputs with -1, which wraps around to 255",
                       lambda dt: (_np_sparse_plus(data(dt)), "float32")),
    "nn.sparse_sigmoid": (["uint8"], "Keras compares uint8 inputs with -1, which wraps around to 255",
                          lambda dt: (_np_sparse_sigmoid(data(dt)), "float32")),
    "associative_scan": ([d for d in DTYPES if d not in ("bool", "float32")],
                         "Keras's torch backend builds its result on float32 zeros whatever the input dtype",
                         lambda dt: (np.maximum.accumulate(data(dt), axis=1), dt)),
    "geomspace": (["uint8", "int8", "int16", "int32", "int64"], "Keras's torch backend ignores an integer `dtype=`",
                  lambda dt: (np.geomspace(1, 8, 4), dt)),
}


def check_reference(name, dt, got):
    """None when `got` matches the NumPy reference of a pair Keras gets wrong, else what differs."""
    values, dtype = KERAS_BUGS[name][2](dt)
    got = _flat(got)
    if len(got) != 1 or _dtype_name(got[0]) != dtype:
        return f"dtype {[_dtype_name(g) for g in got]}, the reference gives {dtype}"
    rtol, atol = _tolerance(dtype)
    if not np.allclose(got[0].detach().cpu().to(torch.float64).numpy(), values, rtol=rtol, atol=atol):
        return f"values {got[0].tolist()}, the reference gives {values.tolist()}"
    return None


# --- running and comparing ---------------------------------------------------------------------------------
def _flat(out):
    if isinstance(out, (list, tuple)):
        return [y for x in out for y in _flat(x)]
    if isinstance(out, dict):
        return [y for key in sorted(out) for y in _flat(out[key])]
    return [out]


def _dtype_name(value):
    return str(value.dtype).replace("torch.", "") if hasattr(value, "dtype") else type(value).__name__


def _tolerance(dtype):
    # float64 results of Keras's torch backend are often computed in float32 and cast up.
    return {"float16": (5e-3, 5e-3), "bfloat16": (3e-2, 3e-2), "float32": (1e-5, 1e-6),
            "complex64": (1e-5, 1e-6), "complex32": (5e-3, 5e-3)}.get(dtype, (1e-6, 1e-7))


def compare(expected, got):
    """None when `got` matches `expected` (same structure, dtypes, shapes, values), else what differs."""
    fe, fg = _flat(expected), _flat(got)
    if len(fe) != len(fg):
        return f"{len(fg)} outputs, Keras gives {len(fe)}"
    for e, g in zip(fe, fg):
        if isinstance(e, torch.Tensor) != isinstance(g, torch.Tensor):
            return f"output {type(g).__name__}, Keras gives {type(e).__name__}"
        if not isinstance(e, torch.Tensor):
            if e != g and not (isinstance(e, (int, float)) and np.isclose(e, g)):
                return f"value {g!r}, Keras gives {e!r}"
            continue
        de, dg = _dtype_name(e), _dtype_name(g)
        if de != dg:
            return f"dtype {dg}, Keras gives {de}"
        if tuple(e.shape) != tuple(g.shape):
            return f"shape {tuple(g.shape)}, Keras gives {tuple(e.shape)}"
        ee, gg = e.detach().cpu(), g.detach().cpu()
        if ee.dtype == torch.bool or not (ee.is_floating_point() or ee.is_complex()):
            if not torch.equal(ee, gg):
                return f"values {gg.tolist()}, Keras gives {ee.tolist()}"
            continue
        wide = torch.complex128 if ee.is_complex() else torch.float64
        rtol, atol = _tolerance(de)
        if not torch.allclose(gg.to(wide), ee.to(wide), rtol=rtol, atol=atol, equal_nan=True):
            return f"values {gg.tolist()}, Keras gives {ee.tolist()}"
    return None


def _clear(error):
    """Whether an error says what is wrong: our dtype message, a validation error, or a linear-algebra failure."""
    message = str(error)
    return ("does not support inputs of dtype" in message or isinstance(error, (ValueError, TypeError))
            or isinstance(error, torch._C._LinAlgError) or "singular" in message or "is zero" in message)


# Pairs Keras refuses where torchkeras's values can't be checked against the same op on float64 inputs:
# random draws, singular vectors (their signs are not unique), and cases whose other inputs depend on the dtype.
_NO_FLOAT64_REFERENCE = {"image.elastic_transform", "linalg.svd", "nn.binary_crossentropy"}


def check_beyond(name, dt, got):
    """For a pair Keras refuses: torchkeras's result must be the op on the same values in float64, cast to the
    result dtype (None when it is)."""
    if name in _NO_FLOAT64_REFERENCE or dt == "float64":
        return None
    _REFERENCE_OF.append(dt)
    try:
        reference = CASES[name][0](torchkeras, "float64")
    except Exception:  # noqa: BLE001 - no float64 reference
        return None
    finally:
        _REFERENCE_OF.pop()
    fr, fg = _flat(reference), _flat(got)
    if len(fr) != len(fg):
        return None
    for r, g in zip(fr, fg):
        if not isinstance(g, torch.Tensor) or not isinstance(r, torch.Tensor):
            continue
        if r.is_floating_point() and not g.is_floating_point() and not g.dtype == torch.bool:
            r = torch.trunc(r)  # float results go to integer dtypes by truncation, as torch casts
        wanted = r.to(g.dtype).to(torch.complex128 if g.is_complex() else torch.float64)
        rtol, atol = _tolerance(_dtype_name(g))
        if tuple(r.shape) != tuple(g.shape) or not torch.allclose(
                g.to(wanted.dtype), wanted, rtol=rtol, atol=atol, equal_nan=True):
            return f"values {g.tolist()}, the op on float64 gives {r.tolist()}"
    return None


def run_case(name, dt):
    """(outcome, detail) for one (op, dtype) pair."""
    fn = CASES[name][0]
    try:
        expected = fn(keras, dt)
        keras_error = None
    except Exception as e:  # noqa: BLE001
        expected, keras_error = None, e
    try:
        got = fn(torchkeras, dt)
        error = None
    except Exception as e:  # noqa: BLE001
        got, error = None, e
    if keras_error is not None:
        if error is not None:
            return ("both_refuse" if _clear(error) else "unclear_error"), f"{type(error).__name__}: {str(error)[:150]}"
        wrong = check_beyond(name, dt, got)
        if wrong:
            return "beyond_keras_wrong", wrong
        return "beyond_keras", f"{type(keras_error).__name__}: {str(keras_error)[:80]}"
    if error is not None:
        return "refused", f"{type(error).__name__}: {str(error)[:200]}"
    diff = compare(expected, got)
    if name in KERAS_BUGS and dt in KERAS_BUGS[name][0]:
        if diff is None:
            return "keras_fixed", "Keras now gives the same result: drop the KERAS_BUGS entry"
        wrong = check_reference(name, dt, got)
        return ("keras_bug", KERAS_BUGS[name][1]) if wrong is None else ("mismatch", wrong)
    return ("match", None) if diff is None else ("mismatch", diff)


def sweep():
    results = {}
    for name, (_, dtypes) in CASES.items():
        for dt in dtypes:
            results[(name, dt)] = run_case(name, dt)
    return results


def test_ops_dtypes_against_keras():
    results = sweep()
    bad = {pair: r for pair, r in results.items()
           if r[0] in ("mismatch", "keras_fixed", "unclear_error", "beyond_keras_wrong")}
    unlisted = {pair: r for pair, r in results.items() if r[0] == "refused" and pair not in REFUSED}
    stale = {pair for pair in REFUSED if results.get(pair, ("",))[0] != "refused"}
    assert not bad, "\n".join(f"{p}: {r[1]}" for p, r in sorted(bad.items()))
    assert not unlisted, "\n".join(f"{p}: {r[1]}" for p, r in sorted(unlisted.items()))
    assert not stale, sorted(stale)


if __name__ == "__main__":
    import sys

    results = sweep()
    counts = collections.Counter(r[0] for r in results.values())
    ops_count = len({name for name, _ in results})
    only = sys.argv[1:] or ["mismatch", "refused", "unclear_error", "beyond_keras_wrong", "keras_fixed"]
    for (name, dt), (outcome, detail) in sorted(results.items()):
        if outcome in only:
            print(f"{outcome:13s} {name:40s} {dt:9s} {detail}")
    print(dict(counts), "total", len(results), "pairs over", ops_count, "cases")
