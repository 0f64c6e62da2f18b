"""`keras.ops.numpy`: NumPy-style tensor functions on torch tensors, with Keras 3's arguments and dtypes.

Every function also accepts symbolic `KerasTensor`s (through `keras_op`), which records a graph node for
functional models. Non-tensor inputs are converted like `keras.ops.convert_to_tensor` (Python ints are
int32, Python floats floatx) and placed on the device of the tensor arguments.
"""
import builtins
import math

import numpy as np
import torch
import torch.nn.functional as F

from torchkeras.api_export import keras_export
from torchkeras.backend import config
from torchkeras.backend.device import get_device
from torchkeras.ops.arguments import as_float as _float_compute
from torchkeras.ops.arguments import as_tensor as _t
from torchkeras.ops.arguments import cast as _cast
from torchkeras.ops.core import _as_tensor
from torchkeras.ops.core import dtype_name
from torchkeras.ops.core import result_type
from torchkeras.ops.core import standardize_dtype
from torchkeras.ops.core import tensor_like
from torchkeras.ops.core import tensors
from torchkeras.ops.core import to_torch_dtype
from torchkeras.ops.operation import keras_op


def _export(name):
    return keras_export(f"keras.ops.{name}", f"keras.ops.numpy.{name}")


# --------------------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------------------
def _is_int(x):
    return not x.is_floating_point() and not x.is_complex() and x.dtype != torch.bool


def _on_cpu(x):
    return x.device.type == "cpu"


def _scalar_ok(s, t):
    """Whether Python scalar `s` can go to torch as is, next to tensor `t`, with Keras's result dtype."""
    if type(s) not in (int, float) or t.dim() == 0:
        return False
    if t.is_floating_point():
        return True
    return type(s) is int and _is_int(t)


def _binary(x1, x2):
    """Two operands for an elementwise op: tensors, or a tensor and a Python scalar torch treats the same."""
    t1, t2 = isinstance(x1, torch.Tensor), isinstance(x2, torch.Tensor)
    if t1 and t2:
        return x1, x2
    if t1 and _scalar_ok(x2, x1):
        return x1, x2
    if t2 and _scalar_ok(x1, x2):
        return x1, x2
    return tuple(tensors(x1, x2))


def _dtype_of(x):
    """A tensor's dtype, or the Python type of a scalar (a weak type for `result_type`)."""
    if isinstance(x, torch.Tensor):
        return x.dtype
    if isinstance(x, bool):
        return bool
    if isinstance(x, int):
        return int
    if isinstance(x, float):
        return float
    if hasattr(x, "dtype"):
        return x.dtype
    return _as_tensor(x).dtype


def _axes(axis):
    """None, an int, or a tuple of ints."""
    if axis is None or isinstance(axis, int):
        return axis
    if isinstance(axis, (list, tuple)):
        return tuple(int(a) for a in axis)
    return int(axis)


def _empty_axis(axis):
    return isinstance(axis, (list, tuple)) and len(axis) == 0


def _canonical_axis(axis, ndim):
    if not -ndim <= axis < ndim:
        raise ValueError(f"axis {axis} is out of bounds for an array with dimension {ndim}.")
    return axis + ndim if axis < 0 else axis


def _keep_all(out, x, keepdims):
    """A reduction of `x` over all its axes, each kept as a size-1 axis when `keepdims`."""
    return out.reshape((1,) * x.dim()) if keepdims else out


def _shape_arg(shape):
    if isinstance(shape, torch.Size):
        return tuple(shape)
    if isinstance(shape, torch.Tensor):
        return tuple(int(d) for d in shape.reshape(-1).tolist())
    if isinstance(shape, (int, np.integer)):
        return (int(shape),)
    return tuple(d if isinstance(d, torch.SymInt) else int(d) for d in shape)


# --------------------------------------------------------------------------------------------------------
# Arithmetic
# --------------------------------------------------------------------------------------------------------
@_export("add")
@keras_op("Add")
def add(x1, x2):
    """Elementwise `x1 + x2`."""
    x1, x2 = _binary(x1, x2)
    return x1 + x2


@_export("subtract")
@keras_op("Subtract")
def subtract(x1, x2):
    """Elementwise `x1 - x2`."""
    x1, x2 = _binary(x1, x2)
    if isinstance(x1, torch.Tensor) and isinstance(x2, torch.Tensor):
        # torch has no bool subtraction: a bool operand takes the other's dtype.
        if x1.dtype == torch.bool:
            x1 = x1.to(x2.dtype)
        if x2.dtype == torch.bool:
            x2 = x2.to(x1.dtype)
    return x1 - x2


@_export("multiply")
@keras_op("Multiply")
def multiply(x1, x2):
    """Elementwise `x1 * x2`."""
    x1, x2 = _binary(x1, x2)
    return x1 * x2


@_export("divide")
@keras_op("Divide")
def divide(x1, x2):
    """Elementwise true division `x1 / x2` (integer inputs give floats)."""
    x1, x2 = _binary(x1, x2)
    return x1 / x2


@_export("true_divide")
@keras_op("TrueDivide")
def true_divide(x1, x2):
    """Elementwise true division `x1 / x2` (an alias of `divide`)."""
    x1, x2 = _binary(x1, x2)
    return x1 / x2


@_export("divide_no_nan")
@keras_op("DivideNoNan")
def divide_no_nan(x1, x2):
    """`x1 / x2`, with 0 wherever `x2` is 0."""
    dtype = result_type(_dtype_of(x1), _dtype_of(x2), float)
    x1, x2 = tensors(x1, x2)
    x1, x2 = _cast(x1, dtype), _cast(x2, dtype)
    zero = x2 == 0
    safe = torch.where(zero, torch.ones_like(x2), x2)
    return torch.where(zero, torch.zeros_like(x1 / safe), x1 / safe)


@_export("floor_divide")
@keras_op("FloorDivide")
def floor_divide(x1, x2):
    """Elementwise `x1 // x2`."""
    dtype = result_type(_dtype_of(x1), _dtype_of(x2))
    x1, x2 = _binary(x1, x2)
    if isinstance(x1, torch.Tensor):
        return _cast(torch.floor_divide(x1, x2), dtype)
    return _cast(x1 // x2, dtype)


def _remainder(x1, x2, torch_fn):
    """`torch_fn(x1, x2)` on tensors; two bool operands are computed as int32."""
    x1, x2 = tensors(x1, x2)
    if x1.dtype == torch.bool and x2.dtype == torch.bool:
        x1, x2 = x1.to(torch.int32), x2.to(torch.int32)
    return torch_fn(x1, x2)


@_export("mod")
@keras_op("Mod")
def mod(x1, x2):
    """Elementwise remainder with the sign of the divisor (like `numpy.mod`)."""
    return _remainder(x1, x2, torch.remainder)


@_export("fmod")
@keras_op("Fmod")
def fmod(x1, x2):
    """Elementwise remainder with the sign of the dividend (like `numpy.fmod`)."""
    return _remainder(x1, x2, torch.fmod)


@_export("power")
@keras_op("Power")
def power(x1, x2):
    """Elementwise `x1 ** x2`."""
    x1, x2 = _binary(x1, x2)
    if not (isinstance(x1, torch.Tensor) and isinstance(x2, torch.Tensor)):
        t = x1 if isinstance(x1, torch.Tensor) else x2
        if not t.is_floating_point():
            # torch rejects negative Python int exponents of int tensors; 0-D tensors are fine.
            x1, x2 = tensors(x1, x2)
    return x1 ** x2


@_export("negative")
@keras_op("Negative")
def negative(x):
    """Elementwise `-x`."""
    return torch.negative(_t(x))


@_export("reciprocal")
@keras_op("Reciprocal")
def reciprocal(x):
    """Elementwise `1 / x`."""
    return torch.reciprocal(_t(x))


def _absolute(x):
    x = _t(x)
    if x.dtype == torch.bool:
        return x
    return torch.abs(x)


@_export("absolute")
@keras_op("Absolute")
def absolute(x):
    """Elementwise absolute value."""
    return _absolute(x)


@_export("abs")
@keras_op("Absolute")
def abs(x):
    """Elementwise absolute value (an alias of `absolute`)."""
    return _absolute(x)


@_export("fabs")
@keras_op("Fabs")
def fabs(x):
    """Elementwise absolute value, as floats."""
    return torch.abs(_float_compute(x))


@_export("sign")
@keras_op("Sign")
def sign(x):
    """Elementwise sign: -1, 0 or 1."""
    return torch.sign(_t(x))


@_export("signbit")
@keras_op("Signbit")
def signbit(x):
    """Elementwise: whether the sign bit is set (true for negative values and -0.0)."""
    x = _t(x)
    if x.dtype == torch.bool:
        return torch.zeros_like(x)
    return torch.signbit(x)


@_export("square")
@keras_op("Square")
def square(x):
    """Elementwise `x * x`."""
    x = _t(x)
    if x.dtype == torch.bool:
        x = x.to(torch.int32)
    return torch.square(x)


@_export("sqrt")
@keras_op("Sqrt")
def sqrt(x):
    """Elementwise square root."""
    x = _t(x)
    if x.dtype == torch.int64:
        x = _cast(x, config.floatx())
    return torch.sqrt(x)


@_export("cbrt")
@keras_op("Cbrt")
def cbrt(x):
    """Elementwise cube root."""
    x = _t(x)
    if x.dtype == torch.bool:
        x = x.to(torch.int32)
    elif x.dtype == torch.int64:
        x = x.to(torch.float64)
    return torch.sign(x) * torch.abs(x) ** (1.0 / 3.0)


def _unary_float(torch_fn):
    def fn(x):
        return torch_fn(_float_compute(x))

    return fn


def _unary_torch(torch_fn):
    def fn(x):
        return torch_fn(_t(x))

    return fn


def _define_unary(name, class_name, torch_fn, floats=False, doc=""):
    impl = _unary_float(torch_fn) if floats else _unary_torch(torch_fn)
    impl.__name__ = name
    impl.__qualname__ = name
    impl.__doc__ = doc
    return _export(name)(keras_op(class_name)(impl))


exp = _define_unary("exp", "Exp", torch.exp, True, "Elementwise exponential.")
exp2 = _define_unary("exp2", "Exp2", torch.exp2, True, "Elementwise `2 ** x`.")
expm1 = _define_unary("expm1", "Expm1", torch.expm1, True, "Elementwise `exp(x) - 1`, accurate near 0.")
log = _define_unary("log", "Log", torch.log, False, "Elementwise natural logarithm.")
log10 = _define_unary("log10", "Log10", torch.log10, False, "Elementwise base-10 logarithm.")
log1p = _define_unary("log1p", "Log1p", torch.log1p, False, "Elementwise `log(1 + x)`, accurate near 0.")
log2 = _define_unary("log2", "Log2", torch.log2, False, "Elementwise base-2 logarithm.")
sin = _define_unary("sin", "Sin", torch.sin, False, "Elementwise sine.")
cos = _define_unary("cos", "Cos", torch.cos, False, "Elementwise cosine.")
tan = _define_unary("tan", "Tan", torch.tan, False, "Elementwise tangent.")
sinh = _define_unary("sinh", "Sinh", torch.sinh, False, "Elementwise hyperbolic sine.")
cosh = _define_unary("cosh", "Cosh", torch.cosh, False, "Elementwise hyperbolic cosine.")
tanh = _define_unary("tanh", "Tanh", torch.tanh, False, "Elementwise hyperbolic tangent.")
arcsin = _define_unary("arcsin", "Arcsin", torch.arcsin, False, "Elementwise inverse sine.")
arccos = _define_unary("arccos", "Arccos", torch.arccos, False, "Elementwise inverse cosine.")
arctan = _define_unary("arctan", "Arctan", torch.arctan, False, "Elementwise inverse tangent.")
arcsinh = _define_unary("arcsinh", "Arcsinh", torch.arcsinh, False, "Elementwise inverse hyperbolic sine.")
arccosh = _define_unary("arccosh", "Arccosh", torch.arccosh, False, "Elementwise inverse hyperbolic cosine.")
arctanh = _define_unary("arctanh", "Arctanh", torch.arctanh, False, "Elementwise inverse hyperbolic tangent.")
sinc = _define_unary("sinc", "Sinc", torch.sinc, False, "Elementwise normalized sinc, `sin(pi x) / (pi x)`.")
isnan = _define_unary("isnan", "Isnan", torch.isnan, False, "Elementwise: whether `x` is NaN.")
isinf = _define_unary("isinf", "Isinf", torch.isinf, False, "Elementwise: whether `x` is +/- infinity.")
isfinite = _define_unary("isfinite", "Isfinite", torch.isfinite, False, "Elementwise: whether `x` is finite.")
isneginf = _define_unary("isneginf", "Isneginf", torch.isneginf, False, "Elementwise: whether `x` is -inf.")
isposinf = _define_unary("isposinf", "Isposinf", torch.isposinf, False, "Elementwise: whether `x` is +inf.")
isreal = _define_unary("isreal", "Isreal", torch.isreal, False, "Elementwise: whether `x` has no imaginary part.")
logical_not = _define_unary("logical_not", "LogicalNot", torch.logical_not, False, "Elementwise logical NOT.")


def _angle_units(x, torch_fn):
    """`torch_fn` on floats: int64 in float64, other ints and bools in floatx."""
    x = _t(x)
    if x.dtype == torch.int64:
        return torch_fn(x.to(torch.float64))
    return torch_fn(_float_compute(x))


@_export("deg2rad")
@keras_op("Deg2rad")
def deg2rad(x):
    """Convert angles from degrees to radians."""
    return _angle_units(x, torch.deg2rad)


@_export("rad2deg")
@keras_op("Rad2deg")
def rad2deg(x):
    """Convert angles from radians to degrees."""
    return _angle_units(x, torch.rad2deg)


@_export("i0")
@keras_op("I0")
def i0(x):
    """Modified Bessel function of the first kind, order 0."""
    x = _t(x)
    name = dtype_name(x)
    if name in ("int64", "float64"):
        dt = "float64"
    elif name in ("bfloat16", "float16"):
        dt = name
    else:
        dt = config.floatx()
    return torch.i0(_cast(x, dt))


def _rounding(x, torch_fn):
    x = _t(x)
    name = dtype_name(x)
    if name == "int64":
        out_dtype = config.floatx()
    else:
        out_dtype = result_type(name, float)
    if x.dtype == torch.bool:
        x = x.to(torch.uint8)
    return _cast(torch_fn(_cast(x, out_dtype)), out_dtype)


@_export("floor")
@keras_op("Floor")
def floor(x):
    """Elementwise floor (integer inputs give floats, as in Keras)."""
    return _rounding(x, torch.floor)


@_export("ceil")
@keras_op("Ceil")
def ceil(x):
    """Elementwise ceiling (integer inputs give floats, as in Keras)."""
    return _rounding(x, torch.ceil)


@_export("trunc")
@keras_op("Trunc")
def trunc(x):
    """Elementwise truncation toward zero."""
    x = _t(x)
    if x.dtype == torch.bool or _is_int(x):
        return x
    return torch.trunc(x)


@_export("round")
@keras_op("Round")
def round(x, decimals=0):
    """Round half to even, to `decimals` decimal places."""
    x = _t(x)
    if _is_int(x):
        if decimals >= 0:
            return x
        y = torch.round(x.to(to_torch_dtype(config.floatx())), decimals=decimals)
        return y.to(x.dtype)
    return torch.round(x, decimals=decimals)


def _float_binary(x1, x2, torch_fn):
    """`torch_fn(x1, x2)` computed in the operands' result type with float."""
    dtype = result_type(_dtype_of(x1), _dtype_of(x2), float)
    x1, x2 = tensors(x1, x2)
    return torch_fn(_cast(x1, dtype), _cast(x2, dtype))


@_export("arctan2")
@keras_op("Arctan2")
def arctan2(x1, x2):
    """Elementwise arc tangent of `x1 / x2`, choosing the quadrant correctly."""
    return _float_binary(x1, x2, torch.arctan2)


@_export("hypot")
@keras_op("Hypot")
def hypot(x1, x2):
    """Elementwise `sqrt(x1**2 + x2**2)`."""
    x1, x2 = tensors(x1, x2)
    dtype = result_type(x1.dtype, x2.dtype)
    if dtype in ("int8", "int16", "int32", "uint8", "uint16", "uint32", "bool"):
        dtype = config.floatx()
    elif dtype == "int64":
        dtype = "float64"
    return torch.hypot(_cast(x1, dtype), _cast(x2, dtype))


@_export("logaddexp")
@keras_op("Logaddexp")
def logaddexp(x1, x2):
    """Elementwise `log(exp(x1) + exp(x2))`, computed stably."""
    return _float_binary(x1, x2, torch.logaddexp)


@_export("logaddexp2")
@keras_op("Logaddexp2")
def logaddexp2(x1, x2):
    """Elementwise `log2(2**x1 + 2**x2)`, computed stably."""
    return _float_binary(x1, x2, torch.logaddexp2)


@_export("heaviside")
@keras_op("Heaviside")
def heaviside(x1, x2):
    """Heaviside step: 0 where `x1 < 0`, `x2` where `x1 == 0`, 1 where `x1 > 0`."""
    x1, x2 = tensors(x1, x2)
    dtype = result_type(x1.dtype, x2.dtype)
    if dtype in ("int8", "int16", "int32", "uint8", "uint16", "uint32"):
        dtype = config.floatx()
    elif dtype == "int64":
        dtype = "float64"
    return torch.heaviside(_cast(x1, dtype), _cast(x2, dtype))


@_export("ldexp")
@keras_op("Ldexp")
def ldexp(x1, x2):
    """Elementwise `x1 * 2**x2` (`x2` must be integers)."""
    x1, x2 = tensors(x1, x2)
    if not _is_int(x2):
        raise TypeError(f"ldexp exponent must be an integer type. Received: x2 dtype={dtype_name(x2)}")
    dtype = result_type(x1.dtype, x2.dtype, float)
    return _cast(x1, dtype) * torch.pow(torch.tensor(2.0, dtype=to_torch_dtype(dtype), device=x1.device), x2)


@_export("nextafter")
@keras_op("Nextafter")
def nextafter(x1, x2):
    """The next representable float after `x1` towards `x2`."""
    x1, x2 = tensors(x1, x2)
    dtype = result_type(x1.dtype, x2.dtype, float)
    return _cast(torch.nextafter(x1.to(torch.float64), x2.to(torch.float64)), dtype)


@_export("gcd")
@keras_op("Gcd")
def gcd(x1, x2):
    """Elementwise greatest common divisor."""
    x1, x2 = tensors(x1, x2)
    return torch.gcd(x1, x2)


@_export("lcm")
@keras_op("Lcm")
def lcm(x1, x2):
    """Elementwise least common multiple."""
    x1, x2 = tensors(x1, x2)
    return torch.lcm(x1, x2)


_KEEPS_DTYPE = (torch.float16, torch.bfloat16, torch.float32, torch.int8, torch.int16, torch.int32, torch.uint8)


def _minmax(x1, x2, torch_fn):
    # Fast path: a tensor and a Python number whose promotion keeps the tensor's dtype -> clamp.
    if isinstance(x1, torch.Tensor) != isinstance(x2, torch.Tensor):
        t, s = (x1, x2) if isinstance(x1, torch.Tensor) else (x2, x1)
        if type(s) in (int, float) and t.dtype in _KEEPS_DTYPE and (t.is_floating_point() or type(s) is int):
            if torch_fn is torch.maximum:
                return torch.clamp(t, min=s)
            if torch_fn is torch.minimum:
                return torch.clamp(t, max=s)
    dtype = result_type(_dtype_of(x1), _dtype_of(x2))
    x1, x2 = tensors(x1, x2)
    return torch_fn(_cast(x1, dtype), _cast(x2, dtype))


@_export("maximum")
@keras_op("Maximum")
def maximum(x1, x2):
    """Elementwise maximum (NaN if either is NaN)."""
    return _minmax(x1, x2, torch.maximum)


@_export("minimum")
@keras_op("Minimum")
def minimum(x1, x2):
    """Elementwise minimum (NaN if either is NaN)."""
    return _minmax(x1, x2, torch.minimum)


@_export("fmax")
@keras_op("Fmax")
def fmax(x1, x2):
    """Elementwise maximum, ignoring NaNs."""
    return _minmax(x1, x2, torch.fmax)


@_export("fmin")
@keras_op("Fmin")
def fmin(x1, x2):
    """Elementwise minimum, ignoring NaNs."""
    return _minmax(x1, x2, torch.fmin)


@_export("clip")
@keras_op("Clip")
def clip(x, x_min, x_max):
    """Clip values of `x` to `[x_min, x_max]`."""
    x = _t(x)
    if x.dtype == torch.bool:
        x = x.to(torch.int32)
    lo = x_min if x_min is None or _scalar_ok(x_min, x) else tensor_like(x_min, x)
    hi = x_max if x_max is None or _scalar_ok(x_max, x) else tensor_like(x_max, x)
    if isinstance(lo, torch.Tensor) != isinstance(hi, torch.Tensor):
        lo = lo if lo is None or isinstance(lo, torch.Tensor) else tensor_like(lo, x)
        hi = hi if hi is None or isinstance(hi, torch.Tensor) else tensor_like(hi, x)
    return torch.clamp(x, lo, hi)


# --------------------------------------------------------------------------------------------------------
# Comparisons and logic
# --------------------------------------------------------------------------------------------------------
def _compare(x1, x2, torch_fn):
    x1, x2 = _binary(x1, x2)
    if not isinstance(x1, torch.Tensor):
        x1 = tensor_like(x1, x2)
    return torch_fn(x1, x2)


@_export("equal")
@keras_op("Equal")
def equal(x1, x2):
    """Elementwise `x1 == x2`."""
    return _compare(x1, x2, torch.eq)


@_export("not_equal")
@keras_op("NotEqual")
def not_equal(x1, x2):
    """Elementwise `x1 != x2`."""
    return _compare(x1, x2, torch.ne)


@_export("less")
@keras_op("Less")
def less(x1, x2):
    """Elementwise `x1 < x2`."""
    return _compare(x1, x2, torch.lt)


@_export("less_equal")
@keras_op("LessEqual")
def less_equal(x1, x2):
    """Elementwise `x1 <= x2`."""
    return _compare(x1, x2, torch.le)


@_export("greater")
@keras_op("Greater")
def greater(x1, x2):
    """Elementwise `x1 > x2`."""
    return _compare(x1, x2, torch.gt)


@_export("greater_equal")
@keras_op("GreaterEqual")
def greater_equal(x1, x2):
    """Elementwise `x1 >= x2`."""
    return _compare(x1, x2, torch.ge)


@_export("logical_and")
@keras_op("LogicalAnd")
def logical_and(x1, x2):
    """Elementwise logical AND."""
    x1, x2 = tensors(x1, x2)
    return torch.logical_and(x1, x2)


@_export("logical_or")
@keras_op("LogicalOr")
def logical_or(x1, x2):
    """Elementwise logical OR."""
    x1, x2 = tensors(x1, x2)
    return torch.logical_or(x1, x2)


@_export("logical_xor")
@keras_op("LogicalXor")
def logical_xor(x1, x2):
    """Elementwise logical XOR."""
    x1, x2 = tensors(x1, x2)
    return torch.logical_xor(x1, x2)


@_export("isclose")
@keras_op("Isclose")
def isclose(x1, x2, rtol=1e-5, atol=1e-8, equal_nan=False):
    """Elementwise `|x1 - x2| <= atol + rtol * |x2|`."""
    x1, x2 = tensors(x1, x2)
    dtype = result_type(x1.dtype, x2.dtype)
    x1, x2 = _cast(x1, dtype), _cast(x2, dtype)
    if "float" in dtype:
        return torch.isclose(x1, x2, rtol=rtol, atol=atol, equal_nan=equal_nan)
    return torch.eq(x1, x2)


@_export("allclose")
@keras_op("AllClose")
def allclose(x1, x2, rtol=1e-5, atol=1e-8, equal_nan=False):
    """Whether every element of `x1` is close to `x2` (see `isclose`)."""
    return torch.all(isclose(x1, x2, rtol=rtol, atol=atol, equal_nan=equal_nan))


@_export("isin")
@keras_op("IsIn")
def isin(x1, x2, assume_unique=False, invert=False):
    """Elementwise: whether each element of `x1` occurs in `x2`."""
    x1, x2 = tensors(x1, x2)
    if x1.dtype == torch.bool or x2.dtype == torch.bool:
        common = torch.int32 if x1.dtype == x2.dtype else (x2.dtype if x1.dtype == torch.bool else x1.dtype)
        x1, x2 = x1.to(common), x2.to(common)
    return torch.isin(x1, x2, assume_unique=assume_unique, invert=invert)


# --------------------------------------------------------------------------------------------------------
# Bitwise
# --------------------------------------------------------------------------------------------------------
def _bitwise(x, y, torch_fn):
    x, y = tensors(x, y)
    return torch_fn(x, y)


@_export("bitwise_and")
@keras_op("BitwiseAnd")
def bitwise_and(x, y):
    """Elementwise bitwise AND."""
    return _bitwise(x, y, torch.bitwise_and)


@_export("bitwise_or")
@keras_op("BitwiseOr")
def bitwise_or(x, y):
    """Elementwise bitwise OR."""
    return _bitwise(x, y, torch.bitwise_or)


@_export("bitwise_xor")
@keras_op("BitwiseXor")
def bitwise_xor(x, y):
    """Elementwise bitwise XOR."""
    return _bitwise(x, y, torch.bitwise_xor)


@_export("bitwise_invert")
@keras_op("BitwiseInvert")
def bitwise_invert(x):
    """Elementwise bitwise NOT."""
    return torch.bitwise_not(_t(x))


@_export("bitwise_not")
@keras_op("BitwiseNot")
def bitwise_not(x):
    """Elementwise bitwise NOT (an alias of `bitwise_invert`)."""
    return torch.bitwise_not(_t(x))


def _shift(x, y, torch_fn):
    """`torch_fn(x, y)`; `y` stays a Python int or becomes a tensor on `x`'s device."""
    x = _t(x)
    return torch_fn(x, y if isinstance(y, int) else tensor_like(y, x))


@_export("bitwise_left_shift")
@keras_op("BitwiseLeftShift")
def bitwise_left_shift(x, y):
    """Elementwise `x << y`."""
    return _shift(x, y, torch.bitwise_left_shift)


@_export("left_shift")
@keras_op("LeftShift")
def left_shift(x, y):
    """Elementwise `x << y` (an alias of `bitwise_left_shift`)."""
    return _shift(x, y, torch.bitwise_left_shift)


@_export("bitwise_right_shift")
@keras_op("BitwiseRightShift")
def bitwise_right_shift(x, y):
    """Elementwise `x >> y`."""
    return _shift(x, y, torch.bitwise_right_shift)


@_export("right_shift")
@keras_op("RightShift")
def right_shift(x, y):
    """Elementwise `x >> y` (an alias of `bitwise_right_shift`)."""
    return _shift(x, y, torch.bitwise_right_shift)


# --------------------------------------------------------------------------------------------------------
# Reductions
# --------------------------------------------------------------------------------------------------------
def _sum_dtype(x):
    """The dtype Keras sums `x` in: int32 for bools and integers narrower than 32 bits, else `x`'s own."""
    return torch.int32 if x.dtype in (torch.bool, torch.uint8, torch.int8, torch.int16) else x.dtype


def _stack_if_list(x):
    if isinstance(x, (list, tuple)) and x and builtins.any(isinstance(e, torch.Tensor) for e in x):
        return torch.stack([_t(e) for e in tensors(*x)])
    return _t(x)


@_export("sum")
@keras_op("Sum")
def sum(x, axis=None, keepdims=False):
    """Sum of elements over `axis` (all axes if None). Small integer and bool inputs sum as int32."""
    x = _stack_if_list(x)
    if _empty_axis(axis):
        return x
    out_dtype = _sum_dtype(x)
    axis = _axes(axis)
    if axis is None:
        return _keep_all(torch.sum(x, dtype=out_dtype), x, keepdims)
    return torch.sum(x, dim=axis, keepdim=keepdims, dtype=out_dtype)


@_export("mean")
@keras_op("Mean")
def mean(x, axis=None, keepdims=False):
    """Mean of elements over `axis`. Integer inputs give floats."""
    x = _stack_if_list(x)
    if _empty_axis(axis):
        return x
    if x.dtype in (torch.float32, torch.float64) and axis is not None:
        return torch.mean(x, dim=_axes(axis), keepdim=keepdims)
    name = dtype_name(x)
    compute = result_type(name, "float32")
    if name == "float64":
        compute = "float64"
    out_dtype = compute if ("int" in name or name == "bool") else name
    axis = _axes(axis)
    xc = _cast(x, compute)
    if axis is None:
        out = _keep_all(torch.mean(xc), x, keepdims)
    else:
        out = torch.mean(xc, dim=axis, keepdim=keepdims)
    return _cast(out, out_dtype)


def _extremum(x, axis, keepdims, initial, torch_fn, combine, what):
    x = _t(x)
    if builtins.any(d == 0 for d in x.shape):
        if initial is None:
            raise ValueError(f"Cannot compute the {what} of an empty tensor.")
        shape = (1,) * x.dim() if keepdims else ()
        return torch.full(shape, initial, dtype=x.dtype, device=x.device)
    axis = _axes(axis)
    if _empty_axis(axis):
        out = x
    elif axis is None:
        out = _keep_all(torch_fn(x), x, keepdims)
    else:
        out = torch_fn(x, dim=axis, keepdim=keepdims)
    if initial is not None:
        out = combine(out, torch.tensor(initial, dtype=out.dtype, device=out.device))
    return out


@_export("max")
@keras_op("Max")
def max(x, axis=None, keepdims=False, initial=None):
    """Maximum over `axis`; `initial` is a lower bound for the result."""
    return _extremum(x, axis, keepdims, initial, torch.amax, torch.maximum, "max")


@_export("min")
@keras_op("Min")
def min(x, axis=None, keepdims=False, initial=None):
    """Minimum over `axis`; `initial` is an upper bound for the result."""
    return _extremum(x, axis, keepdims, initial, torch.amin, torch.minimum, "min")


@_export("amax")
@keras_op("Amax")
def amax(x, axis=None, keepdims=False):
    """Maximum over `axis`."""
    return _extremum(x, axis, keepdims, None, torch.amax, torch.maximum, "max")


@_export("amin")
@keras_op("Amin")
def amin(x, axis=None, keepdims=False):
    """Minimum over `axis`."""
    return _extremum(x, axis, keepdims, None, torch.amin, torch.minimum, "min")


@_export("prod")
@keras_op("Prod")
def prod(x, axis=None, keepdims=False, dtype=None):
    """Product of elements over `axis`."""
    x = _t(x)
    if dtype is None:
        name = result_type(x.dtype)
        if name in ("bool", "int8", "int16", "uint8"):
            name = "int32"
    else:
        name = standardize_dtype(dtype)
    dt = to_torch_dtype(name)
    axis = _axes(axis)
    if axis is None:
        return _keep_all(torch.prod(x, dtype=dt), x, keepdims)
    if _empty_axis(axis):
        return x.to(dt)
    axes = [axis] if isinstance(axis, int) else list(axis)
    axes = sorted((_canonical_axis(a, x.dim()) for a in axes), reverse=True)
    out = x
    for a in axes:
        out = torch.prod(out, dim=a, keepdim=keepdims, dtype=dt)
    return out


def _var_dtypes(x):
    name = dtype_name(x)
    compute = "float64" if name == "float64" else result_type(name, "float32")
    return compute, result_type(name, float)


@_export("var")
@keras_op("Var")
def var(x, axis=None, keepdims=False):
    """Variance (population, no Bessel correction) over `axis`."""
    x = _t(x)
    compute, out_dtype = _var_dtypes(x)
    if _empty_axis(axis):
        return torch.zeros_like(x, dtype=to_torch_dtype(out_dtype))
    axis = _axes(axis)
    xc = _cast(x, compute)
    out = torch.var(xc, dim=axis, keepdim=keepdims, correction=0)
    if axis is None:
        out = _keep_all(out, x, keepdims)
    return _cast(out, out_dtype)


@_export("std")
@keras_op("Std")
def std(x, axis=None, keepdims=False):
    """Standard deviation (population, no Bessel correction) over `axis`."""
    x = _t(x)
    if not (x.is_floating_point() or x.is_complex()):
        x = x.to(torch.float32)
    axis = _axes(axis)
    if _empty_axis(axis):
        return torch.zeros_like(x)
    out = torch.std(x, dim=axis, keepdim=keepdims, correction=0)
    return _keep_all(out, x, keepdims) if axis is None else out


def _arg_extremum(x, axis, keepdims, torch_fn):
    x = _t(x)
    if x.dtype == torch.bool:
        x = x.to(torch.uint8)
    if axis is None:
        out = _keep_all(torch_fn(x.reshape(-1)), x, keepdims)
    else:
        out = torch_fn(x, dim=int(axis), keepdim=keepdims)
    return out.to(torch.int32)


@_export("argmax")
@keras_op("Argmax")
def argmax(x, axis=None, keepdims=False):
    """Indices (int32) of the maxima along `axis` (of the flattened tensor if None)."""
    return _arg_extremum(x, axis, keepdims, torch.argmax)


@_export("argmin")
@keras_op("Argmin")
def argmin(x, axis=None, keepdims=False):
    """Indices (int32) of the minima along `axis` (of the flattened tensor if None)."""
    return _arg_extremum(x, axis, keepdims, torch.argmin)


def _bool_reduce(x, axis, keepdims, torch_fn):
    x = _t(x)
    axis = _axes(axis)
    if _empty_axis(axis):
        return x.to(torch.bool)
    if axis is None:
        return _keep_all(torch_fn(x).to(torch.bool), x, keepdims)
    return torch_fn(x, dim=axis, keepdim=keepdims).to(torch.bool)


@_export("any")
@keras_op("Any")
def any(x, axis=None, keepdims=False):
    """Whether any element along `axis` is true (nonzero)."""
    return _bool_reduce(x, axis, keepdims, torch.any)


@_export("all")
@keras_op("All")
def all(x, axis=None, keepdims=False):
    """Whether all elements along `axis` are true (nonzero)."""
    return _bool_reduce(x, axis, keepdims, torch.all)


def _cumulative(x, axis, dtype, torch_fn):
    x = _t(x)
    if axis is None:
        x = x.reshape(-1)
        axis = 0
    name = result_type(dtype or x.dtype)
    if name == "bool":
        name = "int32"
    dt = to_torch_dtype(name)
    if dt == torch.float16 and _on_cpu(x):
        return torch_fn(x, dim=axis, dtype=torch.float32).to(dt)
    return torch_fn(x, dim=axis, dtype=dt)


@_export("cumsum")
@keras_op("Cumsum")
def cumsum(x, axis=None, dtype=None):
    """Cumulative sum along `axis` (of the flattened tensor if None)."""
    return _cumulative(x, axis, dtype, torch.cumsum)


@_export("cumprod")
@keras_op("Cumprod")
def cumprod(x, axis=None, dtype=None):
    """Cumulative product along `axis` (of the flattened tensor if None)."""
    return _cumulative(x, axis, dtype, torch.cumprod)


@_export("count_nonzero")
@keras_op("CountNonzero")
def count_nonzero(x, axis=None):
    """Number of nonzero elements along `axis` (int32)."""
    x = _t(x)
    axis = _axes(axis)
    if _empty_axis(axis):
        return torch.ne(x, 0).to(torch.int32)
    return torch.count_nonzero(x, dim=axis).to(torch.int32)


@_export("average")
@keras_op("Average")
def average(x, axis=None, weights=None):
    """Weighted mean along `axis`; `weights` is 1-D (matching `x.shape[axis]`) or shaped like `x`."""
    x = _t(x)
    dts = [x.dtype, float]
    if weights is not None:
        weights = tensor_like(weights, x)
        dts.append(weights.dtype)
    dtype = result_type(*dts)
    x = _cast(x, dtype)
    if _empty_axis(axis):
        return x
    if weights is None:
        return torch.mean(x) if axis is None else torch.mean(x, dim=axis)
    weights = _cast(weights, dtype)
    if axis is None:
        return torch.sum(x * weights) / torch.sum(weights)
    if weights.dim() == 1 and x.dim() > 1:
        shape = [1] * x.dim()
        shape[axis] = -1
        weights = weights.reshape(shape)
        return torch.sum(x * weights, dim=axis) / torch.sum(weights)
    return torch.sum(x * weights, dim=axis) / torch.sum(weights, dim=axis)


@_export("ptp")
@keras_op("Ptp")
def ptp(x, axis=None, keepdims=False):
    """Range (max - min) of values along `axis`."""
    x = _t(x)
    axis = _axes(axis)
    if _empty_axis(axis):
        return torch.zeros_like(x)
    return amax(x, axis=axis, keepdims=keepdims) - amin(x, axis=axis, keepdims=keepdims)


def _quantile_impl(x, q, axis, method, keepdims, nan):
    x = _t(x)
    compute = "float64" if dtype_name(x) == "float64" else result_type(x.dtype, "float32")
    out_dtype = result_type(x.dtype, float)
    x = _cast(x, compute)
    q = tensor_like(q, x).to(x.dtype)
    axis = _axes(axis)
    if axis is None:
        y = x.reshape(-1)
        red = None
    else:
        red = [axis] if isinstance(axis, int) else list(axis)
        red = [_canonical_axis(a, x.dim()) for a in red]
        keep = [d for d in range(x.dim()) if d not in red]
        y = x.permute(keep + red).reshape([x.shape[d] for d in keep] + [-1])
    fn = torch.nanquantile if nan else torch.quantile
    y = fn(y, q, dim=-1, interpolation=method)
    if keepdims:
        if red is None:
            y = y.reshape(tuple(q.shape) + (1,) * x.dim())
        else:
            for d in sorted(red):
                y = y.unsqueeze(d + 1 if q.dim() > 0 else d)
    return _cast(y, out_dtype)


def _fraction(percent, x):
    """Percentages as fractions, in floatx, on `x`'s device."""
    return tensor_like(percent, x).to(to_torch_dtype(config.floatx())) / 100.0


@_export("quantile")
@keras_op("Quantile")
def quantile(x, q, axis=None, method="linear", keepdims=False):
    """The `q`-th quantile(s) of `x` along `axis` (`q` in [0, 1])."""
    return _quantile_impl(x, q, axis, method, keepdims, nan=False)


@_export("percentile")
@keras_op("Percentile")
def percentile(x, q, axis=None, method="linear", keepdims=False):
    """The `q`-th percentile(s) of `x` along `axis` (`q` in [0, 100])."""
    x = _t(x)
    return _quantile_impl(x, _fraction(q, x), axis, method, keepdims, nan=False)


@_export("median")
@keras_op("Median")
def median(x, axis=None, keepdims=False):
    """Median along `axis` (the mean of the two middle values for even sizes)."""
    return _quantile_impl(x, 0.5, axis, "linear", keepdims, nan=False)


@_export("nanquantile")
@keras_op("Nanquantile")
def nanquantile(x, q, axis=None, method="linear", keepdims=False):
    """`quantile`, ignoring NaNs."""
    return _quantile_impl(x, q, axis, method, keepdims, nan=True)


@_export("nanpercentile")
@keras_op("Nanpercentile")
def nanpercentile(x, q, axis=None, method="linear", keepdims=False):
    """`percentile`, ignoring NaNs."""
    x = _t(x)
    return _quantile_impl(x, _fraction(q, x), axis, method, keepdims, nan=True)


@_export("nanmedian")
@keras_op("Nanmedian")
def nanmedian(x, axis=None, keepdims=False):
    """`median`, ignoring NaNs."""
    if _empty_axis(axis):
        return _t(x)
    return _quantile_impl(x, 0.5, axis, "linear", keepdims, nan=True)


@_export("nansum")
@keras_op("Nansum")
def nansum(x, axis=None, keepdims=False):
    """`sum`, treating NaNs as zero."""
    x = _stack_if_list(x)
    out_dtype = _sum_dtype(x)
    if _empty_axis(axis):
        return torch.nan_to_num(x, nan=0).to(out_dtype)
    if not x.is_floating_point():
        return sum(x, axis=axis, keepdims=keepdims)
    return torch.nansum(x, dim=_axes(axis), keepdim=keepdims).to(out_dtype)


@_export("nanmean")
@keras_op("Nanmean")
def nanmean(x, axis=None, keepdims=False):
    """`mean`, ignoring NaNs."""
    x = _t(x)
    if _empty_axis(axis):
        return x
    x = _cast(x, result_type(x.dtype, float))
    return torch.nanmean(x, dim=_axes(axis), keepdim=keepdims)


@_export("nanvar")
@keras_op("Nanvar")
def nanvar(x, axis=None, keepdims=False):
    """`var`, ignoring NaNs."""
    x = _t(x)
    x = _cast(x, result_type(x.dtype, float))
    if _empty_axis(axis):
        return torch.where(torch.isnan(x), x, torch.zeros_like(x))
    axis = _axes(axis)
    valid = ~torch.isnan(x)
    m = torch.nanmean(x, dim=axis, keepdim=True)
    centered = torch.where(valid, x - m, torch.zeros_like(x))
    sq = centered.real ** 2 + centered.imag ** 2 if centered.is_complex() else centered ** 2
    return sq.sum(dim=axis, keepdim=keepdims) / valid.sum(dim=axis, keepdim=keepdims)


@_export("nanstd")
@keras_op("Nanstd")
def nanstd(x, axis=None, keepdims=False):
    """`std`, ignoring NaNs."""
    return torch.sqrt(nanvar(x, axis=axis, keepdims=keepdims))


def _nan_extremum(x, axis, keepdims, fill, torch_fn):
    x = _t(x)
    axis = _axes(axis)
    if not x.is_floating_point():
        return _extremum(x, axis, keepdims, None, torch_fn, None, "max")
    if _empty_axis(axis):
        return x
    clean = torch.where(torch.isnan(x), torch.full_like(x, fill), x)
    all_nan = torch.isnan(x).all() if axis is None else torch.isnan(x).all(dim=axis, keepdim=keepdims)
    out = torch_fn(clean) if axis is None else torch_fn(clean, dim=axis, keepdim=keepdims)
    if axis is None:
        out, all_nan = _keep_all(out, x, keepdims), _keep_all(all_nan, x, keepdims)
    return torch.where(all_nan, torch.full_like(out, float("nan")), out)


@_export("nanmax")
@keras_op("Nanmax")
def nanmax(x, axis=None, keepdims=False):
    """`max`, ignoring NaNs (NaN where all values are NaN)."""
    return _nan_extremum(x, axis, keepdims, float("-inf"), torch.amax)


@_export("nanmin")
@keras_op("Nanmin")
def nanmin(x, axis=None, keepdims=False):
    """`min`, ignoring NaNs (NaN where all values are NaN)."""
    return _nan_extremum(x, axis, keepdims, float("inf"), torch.amin)


def _nan_arg(x, axis, keepdims, fill, fn):
    x = _t(x)
    if not x.is_floating_point():
        return fn(x, axis=axis, keepdims=keepdims)
    nan = torch.isnan(x)
    clean = torch.where(nan, torch.full_like(x, fill), x)
    idx = fn(clean, axis=axis, keepdims=keepdims)
    if axis is None:
        all_nan = _keep_all(nan.all(), x, keepdims)
    else:
        all_nan = nan.all(dim=axis, keepdim=keepdims)
    return torch.where(all_nan, torch.full_like(idx, -1), idx)


@_export("nanargmax")
@keras_op("Nanargmax")
def nanargmax(x, axis=None, keepdims=False):
    """`argmax`, ignoring NaNs (-1 where all values are NaN)."""
    return _nan_arg(x, axis, keepdims, float("-inf"), argmax)


@_export("nanargmin")
@keras_op("Nanargmin")
def nanargmin(x, axis=None, keepdims=False):
    """`argmin`, ignoring NaNs (-1 where all values are NaN)."""
    return _nan_arg(x, axis, keepdims, float("inf"), argmin)


@_export("nanprod")
@keras_op("Nanprod")
def nanprod(x, axis=None, keepdims=False):
    """`prod`, treating NaNs as one."""
    x = _t(x)
    if x.is_floating_point():
        x = torch.where(torch.isnan(x), torch.ones_like(x), x)
    if _empty_axis(axis):
        return x
    return prod(x, axis=axis, keepdims=keepdims)


@_export("nancumsum")
@keras_op("Nancumsum")
def nancumsum(x, axis=None, dtype=None):
    """`cumsum`, treating NaNs as zero."""
    x = _t(x)
    if x.is_floating_point():
        x = torch.nan_to_num(x, nan=0.0)
    return cumsum(x, axis=axis, dtype=dtype)


@_export("nancumprod")
@keras_op("Nancumprod")
def nancumprod(x, axis=None, dtype=None):
    """`cumprod`, treating NaNs as one."""
    x = _t(x)
    if x.is_floating_point():
        x = torch.nan_to_num(x, nan=1.0)
    return cumprod(x, axis=axis, dtype=dtype)


@_export("nan_to_num")
@keras_op("NanToNum")
def nan_to_num(x, nan=0.0, posinf=None, neginf=None):
    """Replace NaN with `nan` and infinities with `posinf`/`neginf` (default: the dtype's extremes)."""
    x = _t(x)
    if not (x.is_floating_point() or x.is_complex()):
        return x
    return torch.nan_to_num(x, nan=nan, posinf=posinf, neginf=neginf)


@_export("trace")
@keras_op("Trace")
def trace(x, offset=0, axis1=0, axis2=1):
    """Sum along the diagonal selected by `offset`, `axis1`, `axis2`."""
    x = _t(x)
    return torch.sum(torch.diagonal(x, offset, axis1, axis2), dim=-1, dtype=_sum_dtype(x))


# --------------------------------------------------------------------------------------------------------
# Shapes
# --------------------------------------------------------------------------------------------------------
@_export("reshape")
@keras_op("Reshape")
def reshape(x, newshape):
    """`x` with shape `newshape` (one entry may be -1)."""
    x = _t(x)
    return torch.reshape(x, _shape_arg(newshape))


@_export("transpose")
@keras_op("Transpose")
def transpose(x, axes=None):
    """Permute the axes of `x` (reverse them if `axes` is None)."""
    x = _t(x)
    if axes is None:
        return x.permute(tuple(range(x.dim() - 1, -1, -1)))
    return x.permute(tuple(int(a) for a in axes))


@_export("expand_dims")
@keras_op("ExpandDims")
def expand_dims(x, axis):
    """Insert new axes of size 1 at positions `axis` (an int or a tuple) of the output."""
    x = _t(x)
    axes = [axis] if isinstance(axis, int) else list(axis)
    out_ndim = x.dim() + len(axes)
    for a in sorted(_canonical_axis(int(a), out_ndim) for a in axes):
        x = x.unsqueeze(a)
    return x


@_export("squeeze")
@keras_op("Squeeze")
def squeeze(x, axis=None):
    """Remove axes of size 1 (all of them, or those in `axis`)."""
    x = _t(x)
    if axis is None:
        return torch.squeeze(x)
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    return torch.squeeze(x, dim=axes)


@_export("ravel")
@keras_op("Ravel")
def ravel(x):
    """`x` flattened to 1-D."""
    return torch.ravel(_t(x))


@_export("moveaxis")
@keras_op("Moveaxis")
def moveaxis(x, source, destination):
    """Move axes `source` of `x` to positions `destination`."""
    return torch.movedim(_t(x), source, destination)


@_export("swapaxes")
@keras_op("Swapaxes")
def swapaxes(x, axis1, axis2):
    """Interchange two axes of `x`."""
    return torch.swapaxes(_t(x), axis1, axis2)


@_export("broadcast_to")
@keras_op("BroadcastTo")
def broadcast_to(x, shape):
    """Broadcast `x` to `shape`."""
    return torch.broadcast_to(_t(x), _shape_arg(shape))


@_export("flip")
@keras_op("Flip")
def flip(x, axis=None):
    """Reverse the order of elements along `axis` (all axes if None)."""
    x = _t(x)
    if axis is None:
        axis = tuple(range(x.dim()))
    axis = (axis,) if isinstance(axis, int) else tuple(axis)
    return torch.flip(x, dims=axis)


@_export("fliplr")
@keras_op("Fliplr")
def fliplr(x):
    """Reverse the order of elements along axis 1."""
    return torch.fliplr(_t(x))


@_export("flipud")
@keras_op("Flipud")
def flipud(x):
    """Reverse the order of elements along axis 0."""
    return torch.flipud(_t(x))


@_export("rot90")
@keras_op("Rot90")
def rot90(array, k=1, axes=(0, 1)):
    """Rotate by 90 degrees `k` times in the plane given by `axes`."""
    array = _t(array)
    if array.dim() < 2:
        raise ValueError(f"Input array must have at least 2 dimensions. Received: array.ndim={array.dim()}")
    if len(axes) != 2 or axes[0] == axes[1]:
        raise ValueError(f"Invalid axes: {axes}. Axes must be a tuple of two different dimensions.")
    return torch.rot90(array, k=k, dims=tuple(axes))


@_export("roll")
@keras_op("Roll")
def roll(x, shift, axis=None):
    """Roll elements along `axis` by `shift` (of the flattened tensor if None)."""
    x = _t(x)
    if axis is None:
        return torch.roll(x, shift)
    return torch.roll(x, shift, dims=axis)


@_export("tile")
@keras_op("Tile")
def tile(x, repeats):
    """Repeat `x` `repeats` times along each axis."""
    x = _t(x)
    reps = _shape_arg(repeats)
    return torch.tile(x, reps)


@_export("repeat")
@keras_op("Repeat")
def repeat(x, repeats, axis=None):
    """Repeat each element `repeats` times along `axis` (of the flattened tensor if None)."""
    x = _t(x)
    if axis is None:
        x = x.reshape(-1)
        axis = 0
    if isinstance(repeats, (int, np.integer)):
        axis = _canonical_axis(axis, x.dim())
        expanded = x.unsqueeze(axis + 1)
        sizes = [-1] * expanded.dim()
        sizes[axis + 1] = int(repeats)
        new_shape = list(x.shape)
        new_shape[axis] = x.shape[axis] * int(repeats)
        return expanded.expand(sizes).reshape(new_shape)
    if isinstance(repeats, (list, tuple)):
        repeats = torch.tensor([int(r) for r in repeats], dtype=torch.int64, device=x.device)
    else:
        repeats = tensor_like(repeats, x).to(torch.int64)
    return torch.repeat_interleave(x, repeats, dim=axis)


@_export("concatenate")
@keras_op("Concatenate")
def concatenate(xs, axis=0):
    """Join tensors along an existing `axis` (flattened first if `axis` is None)."""
    xs = tensors(*xs)
    if axis is None:
        return torch.cat([x.reshape(-1) for x in xs])
    return torch.cat(xs, dim=axis)


@_export("stack")
@keras_op("Stack")
def stack(x, axis=0):
    """Join tensors along a new `axis`."""
    return torch.stack(tensors(*x), dim=axis)


@_export("hstack")
@keras_op("Hstack")
def hstack(xs):
    """Stack tensors horizontally (along axis 1, or 0 for 1-D tensors)."""
    return torch.hstack(tensors(*xs))


@_export("vstack")
@keras_op("Vstack")
def vstack(xs):
    """Stack tensors vertically (along axis 0)."""
    return torch.vstack(tensors(*xs))


@_export("dstack")
@keras_op("Dstack")
def dstack(xs):
    """Stack tensors depthwise (along axis 2)."""
    return torch.dstack(tensors(*xs))


@_export("append")
@keras_op("Append")
def append(x1, x2, axis=None):
    """Append `x2` to `x1` along `axis` (both flattened if None)."""
    x1, x2 = tensors(x1, x2)
    if axis is None:
        return torch.cat((x1.reshape(-1), x2.reshape(-1)))
    return torch.cat((x1, x2), dim=axis)


def _split_sizes(dim, indices_or_sections, axis, shape):
    if isinstance(indices_or_sections, (int, np.integer)):
        n = int(indices_or_sections)
        if dim % n != 0:
            raise ValueError(
                f"Received indices_or_sections={n} (interpreted as a number of sections) and axis={axis}, but "
                f"input dimension x.shape[{axis}]={dim} is not divisible by {n}. Full input shape: "
                f"x.shape={shape}"
            )
        return [dim // n] * n
    points = [builtins.min(builtins.max(int(i), 0), dim) for i in _shape_arg(indices_or_sections)]
    bounds = [0] + points + [dim]
    return [builtins.max(b - a, 0) for a, b in zip(bounds[:-1], bounds[1:])]


@_export("split")
@keras_op("Split")
def split(x, indices_or_sections, axis=0):
    """Split `x` into equal sections (an int) or at the given indices (a list) along `axis`."""
    x = _t(x)
    dim = x.shape[axis]
    sizes = _split_sizes(dim, indices_or_sections, axis, tuple(x.shape))
    return list(torch.split(x, sizes, dim=axis))


@_export("array_split")
@keras_op("ArraySplit")
def array_split(x, indices_or_sections, axis=0):
    """Split `x` into `indices_or_sections` nearly equal parts (the first ones one larger)."""
    x = _t(x)
    if not isinstance(indices_or_sections, (int, np.integer)):
        indices_or_sections = list(_shape_arg(indices_or_sections))
    return list(torch.tensor_split(x, indices_or_sections, dim=axis))


@_export("hsplit")
@keras_op("Hsplit")
def hsplit(x, indices_or_sections):
    """Split horizontally (along axis 1, or 0 for 1-D tensors)."""
    x = _t(x)
    return split(x, indices_or_sections, axis=1 if x.dim() > 1 else 0)


@_export("vsplit")
@keras_op("Vsplit")
def vsplit(x, indices_or_sections):
    """Split vertically (along axis 0)."""
    return split(_t(x), indices_or_sections, axis=0)


@_export("dsplit")
@keras_op("Dsplit")
def dsplit(x, indices_or_sections):
    """Split depthwise (along axis 2)."""
    return split(_t(x), indices_or_sections, axis=2)


# --------------------------------------------------------------------------------------------------------
# Indexing
# --------------------------------------------------------------------------------------------------------
def _index_key(key, like):
    if isinstance(key, tuple):
        return tuple(_index_key(k, like) for k in key)
    if isinstance(key, torch.Tensor) and key.device != like.device and key.dim() > 0:
        return key.to(like.device)
    if isinstance(key, list) and key and builtins.any(isinstance(k, torch.Tensor) for k in key):
        return torch.stack([_t(k) for k in key]).to(like.device)
    return key


@_export("get_item")
@keras_op("GetItem")
def get_item(x, key):
    """`x[key]`, with NumPy indexing (ints, slices, None, Ellipsis, index and boolean tensors)."""
    x = _t(x)
    return x[_index_key(key, x)]


def _wrap_negative(indices, dim):
    return torch.where(indices < 0, indices + dim, indices)


@_export("take")
@keras_op("Take")
def take(x, indices, axis=None):
    """Elements of `x` at `indices` along `axis` (of the flattened tensor if None)."""
    x = _t(x)
    indices = tensor_like(indices, x).to(torch.int64)
    if axis is None:
        x = x.reshape(-1)
        axis = 0
    axis = _canonical_axis(axis, x.dim())
    indices = _wrap_negative(indices, x.shape[axis])
    out = torch.index_select(x, axis, indices.reshape(-1))
    return out.reshape(tuple(x.shape[:axis]) + tuple(indices.shape) + tuple(x.shape[axis + 1:]))


@_export("take_along_axis")
@keras_op("TakeAlongAxis")
def take_along_axis(x, indices, axis=None):
    """Elements of `x` at `indices`, matched along `axis` (indices broadcast against `x`)."""
    x = _t(x)
    indices = tensor_like(indices, x).to(torch.int64)
    if axis is None:
        x = x.reshape(-1)
        indices = indices.reshape(-1)
        axis = 0
    indices = _wrap_negative(indices, x.shape[axis])
    return torch.take_along_dim(x, indices, dim=axis)


@_export("where")
@keras_op("Where")
def where(condition, x1=None, x2=None):
    """Elements of `x1` where `condition` is true, else of `x2`; with one argument, the nonzero indices."""
    if x1 is None and x2 is None:
        condition = _t(condition)
        return torch.stack(torch.where(condition.to(torch.bool)), dim=0)
    if x1 is None or x2 is None:
        raise ValueError("`x1` and `x2` must be both given or both omitted.")
    if isinstance(condition, torch.Tensor) and not isinstance(x1, torch.Tensor) and not isinstance(x2, torch.Tensor):
        x1, x2 = _as_tensor(x1, device=condition.device), _as_tensor(x2, device=condition.device)
    else:
        x1, x2 = _binary(x1, x2)
    ref = next((v for v in (condition, x1, x2) if isinstance(v, torch.Tensor)), None)
    condition = tensor_like(condition, ref) if ref is not None else _t(condition)
    if condition.dtype != torch.bool:
        condition = condition.to(torch.bool)
    return torch.where(condition, x1, x2)


@_export("select")
@keras_op("Select")
def select(condlist, choicelist, default=0):
    """Elements of `choicelist[i]` where `condlist[i]` is first true, else `default`."""
    if len(condlist) != len(choicelist):
        raise ValueError(
            "condlist and choicelist must have the same length. "
            f"Received: len(condlist)={len(condlist)}, len(choicelist)={len(choicelist)}"
        )
    conds = tensors(*condlist)
    choices = tensors(*choicelist)
    out = tensor_like(default, choices[0])
    for c, v in reversed(list(zip(conds, choices))):
        out = torch.where(c.to(torch.bool), v, out)
    return out


def _pad_pairs(pad_width, ndim):
    if isinstance(pad_width, torch.Tensor):
        pad_width = pad_width.tolist()
    arr = np.asarray(pad_width, dtype=np.int64)
    if arr.ndim == 0:
        arr = np.full((ndim, 2), int(arr))
    elif arr.ndim == 1:
        arr = np.broadcast_to(arr.reshape(1, -1) if arr.size == 2 else arr.reshape(-1, 1), (ndim, 2))
    elif arr.shape == (1, 2):
        arr = np.broadcast_to(arr, (ndim, 2))
    if arr.shape != (ndim, 2):
        raise ValueError(
            f"`pad_width` must have one (before, after) pair per axis of `x` (ndim={ndim}). "
            f"Received: pad_width={pad_width}"
        )
    return [(int(a), int(b)) for a, b in arr]


def _pad_index(n, before, after, mode, device):
    idx = torch.arange(-before, n + after, device=device)
    if mode == "edge":
        return idx.clamp(0, n - 1)
    if mode == "wrap":
        return torch.remainder(idx, n)
    if mode == "reflect":
        if n == 1:
            return torch.zeros_like(idx)
        period = 2 * (n - 1)
        m = torch.remainder(idx, period)
        return torch.where(m >= n, period - m, m)
    # symmetric
    period = 2 * n
    m = torch.remainder(idx, period)
    return torch.where(m >= n, period - 1 - m, m)


@_export("pad")
@keras_op("Pad")
def pad(x, pad_width, mode="constant", constant_values=None):
    """Pad `x` by `pad_width` ((before, after) per axis) with `mode`.

    Modes: `"constant"` (with `constant_values`, default 0), `"edge"`, `"reflect"`, `"symmetric"`, `"wrap"`.
    """
    x = _t(x)
    if constant_values is not None and mode != "constant":
        raise ValueError(
            f"Argument `constant_values` can only be provided when `mode == 'constant'`. Received: mode={mode}"
        )
    pairs = _pad_pairs(pad_width, x.dim())
    if mode == "constant":
        flat = []
        for before, after in reversed(pairs):
            flat.extend([before, after])
        value = 0 if constant_values is None else constant_values
        if isinstance(value, torch.Tensor):
            value = value.item()
        return F.pad(x, flat, mode="constant", value=value)
    aliases = {"replicate": "edge", "circular": "wrap"}
    mode = aliases.get(mode, mode)
    if mode not in ("edge", "wrap", "reflect", "symmetric"):
        raise ValueError(
            "Invalid value for argument `mode`. Expected one of 'constant', 'edge', 'reflect', 'symmetric', "
            f"'wrap'. Received: mode={mode}"
        )
    for axis, (before, after) in enumerate(pairs):
        if before == 0 and after == 0:
            continue
        x = torch.index_select(x, axis, _pad_index(x.shape[axis], before, after, mode, x.device))
    return x


@_export("diag")
@keras_op("Diag")
def diag(x, k=0):
    """The `k`-th diagonal of a 2-D `x`, or a 2-D tensor with 1-D `x` on its `k`-th diagonal."""
    x = _t(x)
    if x.dim() not in (1, 2):
        raise ValueError(f"`diag` requires an array of at least two dimensions. Received: x.ndim={x.dim()}")
    return torch.diag(x, diagonal=k)


@_export("diagflat")
@keras_op("Diagflat")
def diagflat(x, k=0):
    """A 2-D tensor with the flattened `x` on its `k`-th diagonal."""
    return torch.diagflat(_t(x), offset=k)


@_export("diagonal")
@keras_op("Diagonal")
def diagonal(x, offset=0, axis1=0, axis2=1):
    """The diagonal of `x` in the plane of `axis1` and `axis2`."""
    return torch.diagonal(_t(x), offset=offset, dim1=axis1, dim2=axis2)


@_export("tril")
@keras_op("Tril")
def tril(x, k=0):
    """`x` with the elements above the `k`-th diagonal zeroed."""
    return torch.tril(_t(x), diagonal=k)


@_export("triu")
@keras_op("Triu")
def triu(x, k=0):
    """`x` with the elements below the `k`-th diagonal zeroed."""
    return torch.triu(_t(x), diagonal=k)


# --------------------------------------------------------------------------------------------------------
# Sorting and searching
# --------------------------------------------------------------------------------------------------------
@_export("sort")
@keras_op("Sort")
def sort(x, axis=-1):
    """`x` sorted in ascending order along `axis` (of the flattened tensor if None)."""
    x = _t(x)
    if axis is None:
        x = x.reshape(-1)
        axis = 0
    if x.dtype == torch.bool:
        return torch.sort(x.to(torch.uint8), dim=axis).values.to(torch.bool)
    return torch.sort(x, dim=axis).values


def _stable_argsort(x, axis):
    """int32 indices of a stable sort of tensor `x` along `axis` (of the flattened `x` if None)."""
    if x.dtype == torch.bool:
        x = x.to(torch.uint8)
    if axis is None:
        x = x.reshape(-1)
        axis = -1
    return torch.argsort(x, dim=axis, stable=True).to(torch.int32)


@_export("argsort")
@keras_op("Argsort")
def argsort(x, axis=-1):
    """Indices (int32) that sort `x` along `axis` (stable)."""
    return _stable_argsort(_t(x), axis)


@_export("argpartition")
@keras_op("Argpartition")
def argpartition(x, kth, axis=-1):
    """Indices (int32) that partition `x` along `axis` around its `kth` element.

    The element at position `kth` is the one a full sort would put there, smaller ones come before and
    larger ones after. (Here the indices are those of a full stable sort, which satisfies that contract.)
    """
    x = _t(x)
    n = x.numel() if axis is None else x.shape[axis]
    if not -n <= kth < n:
        raise ValueError(f"kth(={kth}) out of bounds ({n})")
    return _stable_argsort(x, axis)


@_export("searchsorted")
@keras_op("SearchSorted")
def searchsorted(sorted_sequence, values, side="left"):
    """Indices where `values` would be inserted into the 1-D `sorted_sequence` to keep it sorted."""
    sorted_sequence, values = tensors(sorted_sequence, values)
    if sorted_sequence.dim() != 1:
        raise ValueError(
            "`searchsorted` only supports 1-D sorted sequences. You can use `keras.ops.vectorized_map` to "
            f"extend it to N-D sequences. Received: sorted_sequence.shape={tuple(sorted_sequence.shape)}"
        )
    if values.dtype != sorted_sequence.dtype:
        common = torch.promote_types(values.dtype, sorted_sequence.dtype)
        values, sorted_sequence = values.to(common), sorted_sequence.to(common)
    out_int32 = sorted_sequence.shape[0] <= np.iinfo(np.int32).max
    return torch.searchsorted(sorted_sequence, values, side=side, out_int32=out_int32)


@_export("digitize")
@keras_op("Digitize")
def digitize(x, bins):
    """Indices (int32) of the bins (given by their edges) each value of `x` falls into."""
    x, bins = tensors(x, bins)
    if x.dtype == torch.bool:
        x = x.to(torch.uint8)
    if x.dtype != bins.dtype:
        common = torch.promote_types(x.dtype, bins.dtype)
        x, bins = x.to(common), bins.to(common)
    return torch.bucketize(x, bins, right=True).to(torch.int32)


@_export("bincount")
@keras_op("Bincount")
def bincount(x, weights=None, minlength=0, sparse=False):
    """Count occurrences of each non-negative int in `x` (1-D, or 2-D counted per row)."""
    if sparse:
        raise ValueError("Unsupported value `sparse=True` with the torch backend.")
    x = _t(x)
    if weights is not None:
        weights = tensor_like(weights, x)
        dtype = result_type(x.dtype, weights.dtype)
    else:
        dtype = "int32"
    x = x.to(torch.int64)
    if x.dim() == 1:
        out = torch.bincount(x, weights=weights, minlength=minlength)
        return _cast(out, dtype)
    if x.dim() != 2:
        raise ValueError(f"Input `x` to `bincount` must be 1-D or 2-D. Received: x.shape={tuple(x.shape)}")
    rows = x.shape[0]
    length = builtins.max(int(minlength), int(x.max()) + 1 if x.numel() else 0)
    offsets = (torch.arange(rows, device=x.device) * length).unsqueeze(1)
    flat_w = weights.reshape(-1) if weights is not None else None
    out = torch.bincount((x + offsets).reshape(-1), weights=flat_w, minlength=rows * length)
    return _cast(out.reshape(rows, length), dtype)


@_export("unique")
@keras_op("Unique")
def unique(x, sorted=True, return_index=False, return_inverse=False, return_counts=False, axis=None,
           size=None, fill_value=None):
    """The unique elements of `x` (sorted), optionally with first indices, inverse indices and counts.

    `size` pads (with `fill_value`, default 0) or truncates the result to a fixed length.
    """
    x = _t(x)
    values, inverse, counts = torch.unique(x, sorted=True, return_inverse=True, return_counts=True, dim=axis)
    dim = 0 if axis is None else _canonical_axis(axis, x.dim())
    index = None
    if return_index:
        flat_inverse = inverse.reshape(-1)
        n = flat_inverse.shape[0]
        positions = torch.arange(n, device=x.device)
        index = torch.full((values.shape[dim],), n, dtype=positions.dtype, device=x.device)
        index = index.scatter_reduce(0, flat_inverse, positions, reduce="amin", include_self=True)
    if size is not None:
        count = values.shape[dim]
        if count >= size:
            values = values.narrow(dim, 0, size)
            counts = counts[:size]
            index = index[:size] if index is not None else None
        else:
            extra = size - count
            pad_shape = list(values.shape)
            pad_shape[dim] = extra
            fill = 0 if fill_value is None else fill_value
            values = torch.cat([values, torch.full(pad_shape, fill, dtype=values.dtype, device=x.device)], dim=dim)
            counts = torch.cat([counts, torch.zeros(extra, dtype=counts.dtype, device=x.device)])
            if index is not None:
                index = torch.cat([index, torch.zeros(extra, dtype=index.dtype, device=x.device)])
    out = [values]
    if return_index:
        out.append(index)
    if return_inverse:
        out.append(inverse if axis is not None else inverse.reshape(x.shape))
    if return_counts:
        out.append(counts)
    return out[0] if len(out) == 1 else tuple(out)


@_export("nonzero")
@keras_op("Nonzero")
def nonzero(x):
    """Indices of the nonzero elements: an int32 tensor of shape `(x.ndim, count)`."""
    return torch.nonzero(_t(x)).T.to(torch.int32)


@_export("histogram")
@keras_op("Histogram")
def histogram(x, bins=10, range=None):
    """Counts of the 1-D `x` in `bins` equal-width bins over `range` (default: min to max); and the edges."""
    if not isinstance(bins, int):
        raise TypeError(f"Argument `bins` must be of type `int`. Received: bins={bins}")
    if bins < 0:
        raise ValueError(f"Argument `bins` should be a non-negative integer. Received: bins={bins}")
    x = _t(x)
    if x.dim() > 1:
        raise ValueError(f"Input tensor must be 1-dimensional. Received: input.shape={tuple(x.shape)}")
    xf = _float_compute(x)
    if range is not None:
        if len(range) < 2:
            raise ValueError(f"Argument `range` must be a tuple of two elements. Received: range={range}")
        lo = torch.tensor(float(range[0]), dtype=xf.dtype, device=x.device)
        hi = torch.tensor(float(range[1]), dtype=xf.dtype, device=x.device)
    else:
        lo, hi = xf.min(), xf.max()
    same = lo == hi
    lo = torch.where(same, lo - 0.5, lo)
    hi = torch.where(same, hi + 0.5, hi)
    edges = lo + (hi - lo) * torch.arange(bins + 1, dtype=xf.dtype, device=x.device) / bins
    idx = torch.bucketize(xf, edges, right=True) - 1
    idx = torch.where(xf == hi, torch.full_like(idx, bins - 1), idx)
    inside = (idx >= 0) & (idx < bins)
    counts = torch.zeros(bins, dtype=xf.dtype, device=x.device)
    counts.index_add_(0, idx.clamp(0, bins - 1), inside.to(xf.dtype))
    return counts, edges


@_export("unravel_index")
@keras_op("UnravelIndex")
def unravel_index(indices, shape):
    """Convert flat `indices` into a tuple of coordinate tensors for `shape`."""
    indices = _t(indices)
    dt = to_torch_dtype(result_type(indices.dtype))
    return tuple(i.to(dt) for i in torch.unravel_index(indices, _shape_arg(shape)))


# --------------------------------------------------------------------------------------------------------
# Tensor info and conversion
# --------------------------------------------------------------------------------------------------------
@_export("size")
@keras_op("Size")
def size(x):
    """Number of elements of `x` (an int64 scalar tensor, as Keras returns on torch)."""
    x = _t(x)
    return torch.tensor(x.numel(), dtype=torch.int64, device=x.device)


@_export("ndim")
def ndim(x):
    """Number of axes of `x`."""
    if hasattr(x, "ndim") and not isinstance(x, np.ndarray):
        return int(x.ndim)
    return int(np.ndim(x))


@_export("copy")
@keras_op("Copy")
def copy(x):
    """A copy of `x`."""
    return torch.clone(_t(x))


@_export("array")
@keras_op("Array")
def array(x, dtype=None):
    """Create a tensor (like `convert_to_tensor`)."""
    return _as_tensor(x, dtype=dtype)


@_export("view")
@keras_op("View")
def view(x, dtype=None):
    """The bytes of `x` reinterpreted as `dtype` (the last axis is rescaled by the size ratio)."""
    x = _t(x)
    return x.view(to_torch_dtype(dtype))


@_export("real")
@keras_op("Real")
def real(x):
    """Real part of `x`."""
    x = _t(x)
    return torch.real(x) if x.is_complex() else x


@_export("imag")
@keras_op("Imag")
def imag(x):
    """Imaginary part of `x` (zeros for real inputs)."""
    x = _t(x)
    return torch.imag(x) if x.is_complex() else torch.zeros_like(x)


@_export("conjugate")
@keras_op("Conjugate")
def conjugate(x):
    """Complex conjugate of `x`."""
    return torch.conj(_t(x)).resolve_conj()


@_export("conj")
@keras_op("Conjugate")
def conj(x):
    """Complex conjugate of `x` (an alias of `conjugate`)."""
    return torch.conj(_t(x)).resolve_conj()


@_export("angle")
@keras_op("Angle")
def angle(x):
    """Elementwise angle (argument) of complex `x`."""
    return torch.angle(_float_compute(x))


# --------------------------------------------------------------------------------------------------------
# Products
# --------------------------------------------------------------------------------------------------------
def _product_dtypes(x1, x2, int_compute_float, int8_to_int32=True):
    """(result dtype, compute dtype) of a matrix product, with Keras's rules."""
    if int8_to_int32 and x1.dtype == torch.int8 and x2.dtype == torch.int8:
        result = "int32"
    else:
        result = result_type(x1.dtype, x2.dtype)
    compute = result
    if compute == "bool":
        compute = config.floatx()
    if int_compute_float and ("int" in compute):
        compute = result_type(compute, float)
    if compute == "float16" and _on_cpu(x1):
        compute = "float32"
    if "int" in compute and x1.device.type == "cuda":
        compute = config.floatx()
    return result, compute


def _fast_float_pair(x1, x2):
    return x1.dtype == x2.dtype and x1.dtype in (torch.float32, torch.float64, torch.bfloat16) or (
        x1.dtype == x2.dtype == torch.float16 and not _on_cpu(x1)
    )


@_export("matmul")
@keras_op("Matmul")
def matmul(x1, x2):
    """Matrix product (batched over leading axes, like `numpy.matmul`).

    The result dtype is Keras's `result_type` of the inputs (so float64 gives float32, as Keras on torch),
    except int8 x int8, which gives int32.
    """
    x1, x2 = tensors(x1, x2)
    if _fast_float_pair(x1, x2) and x1.dtype != torch.float64:
        return torch.matmul(x1, x2)
    result, compute = _product_dtypes(x1, x2, int_compute_float=False)
    return _cast(torch.matmul(_cast(x1, compute), _cast(x2, compute)), result)


@_export("dot")
@keras_op("Dot")
def dot(x1, x2):
    """Dot product: scalar times tensor, inner product of vectors, or matrix product."""
    x1, x2 = tensors(x1, x2)
    if _fast_float_pair(x1, x2) and x1.dtype != torch.float64:
        if x1.dim() == 0 or x2.dim() == 0:
            return x1 * x2
        return torch.matmul(x1, x2)
    result, compute = _product_dtypes(x1, x2, int_compute_float=True, int8_to_int32=False)
    a, b = _cast(x1, compute), _cast(x2, compute)
    out = a * b if a.dim() == 0 or b.dim() == 0 else torch.matmul(a, b)
    return _cast(out, result)


@_export("tensordot")
@keras_op("Tensordot")
def tensordot(x1, x2, axes=2):
    """Sum of products over the given axes (an int: the last `axes` of `x1` and first of `x2`)."""
    x1, x2 = tensors(x1, x2)
    result, compute = _product_dtypes(x1, x2, int_compute_float=True, int8_to_int32=False)
    if isinstance(axes, (list, tuple)):
        first, second = axes
        first = (first,) if isinstance(first, int) else tuple(first)
        second = (second,) if isinstance(second, int) else tuple(second)
        axes = (first, second)
    return _cast(torch.tensordot(_cast(x1, compute), _cast(x2, compute), dims=axes), result)


@_export("einsum")
@keras_op("Einsum")
def einsum(subscripts, *operands, **kwargs):
    """Einstein summation over `operands` as described by `subscripts` (e.g. `'ij,jk->ik'`)."""
    ops = tensors(*operands)
    if builtins.all(o.dtype == torch.int8 for o in ops):
        compute = torch.int32 if _on_cpu(ops[0]) else to_torch_dtype(config.floatx())
        return torch.einsum(subscripts, *[o.to(compute) for o in ops]).to(torch.int32)
    common = ops[0].dtype
    for o in ops[1:]:
        common = torch.promote_types(common, o.dtype)
    return torch.einsum(subscripts, *[o.to(common) for o in ops])


@_export("inner")
@keras_op("Inner")
def inner(x1, x2):
    """Inner product over the last axes (scalar times tensor for 0-D inputs)."""
    x1, x2 = tensors(x1, x2)
    result, compute = _product_dtypes(x1, x2, int_compute_float=True, int8_to_int32=False)
    return _cast(torch.inner(_cast(x1, compute), _cast(x2, compute)), result)


@_export("vdot")
@keras_op("Vdot")
def vdot(x1, x2):
    """Dot product of the flattened inputs (the first one conjugated)."""
    x1, x2 = tensors(x1, x2)
    result, compute = _product_dtypes(x1, x2, int_compute_float=True, int8_to_int32=False)
    a, b = _cast(x1, compute).reshape(-1), _cast(x2, compute).reshape(-1)
    return _cast(torch.vdot(a, b), result)


@_export("outer")
@keras_op("Outer")
def outer(x1, x2):
    """Outer product of the flattened inputs."""
    x1, x2 = tensors(x1, x2)
    return torch.outer(x1.reshape(-1), x2.reshape(-1))


@_export("kron")
@keras_op("Kron")
def kron(x1, x2):
    """Kronecker product."""
    x1, x2 = tensors(x1, x2)
    return torch.kron(x1, x2)


@_export("cross")
@keras_op("Cross")
def cross(x1, x2, axisa=-1, axisb=-1, axisc=-1, axis=None):
    """Cross product of 3-element (or 2-element) vectors along the last axis (or `axis`)."""
    x1, x2 = tensors(x1, x2)
    if axis is not None:
        axisa = axisb = axisc = axis
    a = torch.movedim(x1, axisa, -1)
    b = torch.movedim(x2, axisb, -1)
    result = result_type(a.dtype, b.dtype)
    compute = "float32" if result == "float16" and _on_cpu(a) else result
    a, b = _cast(a, compute), _cast(b, compute)
    if a.shape[-1] not in (2, 3) or b.shape[-1] not in (2, 3):
        raise ValueError(
            "Dimension of the vectors for the cross product must be 2 or 3. "
            f"Received: x1.shape={tuple(x1.shape)}, x2.shape={tuple(x2.shape)}"
        )
    if a.shape[-1] == 2 and b.shape[-1] == 2:
        return _cast(a[..., 0] * b[..., 1] - a[..., 1] * b[..., 0], result)
    if a.shape[-1] == 2:
        a = F.pad(a, (0, 1))
    if b.shape[-1] == 2:
        b = F.pad(b, (0, 1))
    a, b = torch.broadcast_tensors(a, b)
    out = torch.linalg.cross(a, b, dim=-1)
    return _cast(torch.movedim(out, -1, axisc), result)


# --------------------------------------------------------------------------------------------------------
# Creation
# --------------------------------------------------------------------------------------------------------
def _creation_dtype(dtype):
    return to_torch_dtype(dtype or config.floatx())


def _like_dtype(x, dtype):
    """`dtype` as a torch dtype, or `x`'s dtype when None."""
    return to_torch_dtype(dtype) if dtype is not None else x.dtype


@_export("zeros")
def zeros(shape, dtype=None):
    """A tensor of zeros of `shape` (floatx unless `dtype`), on the Keras device."""
    return torch.zeros(_shape_arg(shape), dtype=_creation_dtype(dtype), device=get_device())


@_export("ones")
def ones(shape, dtype=None):
    """A tensor of ones of `shape` (floatx unless `dtype`), on the Keras device."""
    return torch.ones(_shape_arg(shape), dtype=_creation_dtype(dtype), device=get_device())


@_export("empty")
def empty(shape, dtype=None):
    """An uninitialized tensor of `shape` (floatx unless `dtype`), on the Keras device."""
    return torch.empty(_shape_arg(shape), dtype=_creation_dtype(dtype), device=get_device())


@_export("full")
@keras_op("Full")
def full(shape, fill_value, dtype=None):
    """A tensor of `shape` filled with `fill_value` (which may be a tensor broadcast to `shape`).

    The dtype is floatx unless `dtype` is given (as in Keras on torch, even for an int `fill_value`).
    """
    shape = _shape_arg(shape)
    dt = _creation_dtype(dtype)
    if isinstance(fill_value, torch.Tensor) or isinstance(fill_value, (np.ndarray, list, tuple)):
        value = _as_tensor(fill_value, dtype=dt)
        return torch.broadcast_to(value, shape).clone()
    return torch.full(shape, fill_value, dtype=dt, device=get_device())


@_export("zeros_like")
@keras_op("ZerosLike")
def zeros_like(x, dtype=None):
    """Zeros with the shape (and dtype, unless `dtype`) of `x`."""
    x = _t(x)
    return torch.zeros_like(x, dtype=_like_dtype(x, dtype))


@_export("ones_like")
@keras_op("OnesLike")
def ones_like(x, dtype=None):
    """Ones with the shape (and dtype, unless `dtype`) of `x`."""
    x = _t(x)
    return torch.ones_like(x, dtype=_like_dtype(x, dtype))


@_export("empty_like")
@keras_op("EmptyLike")
def empty_like(x, dtype=None):
    """An uninitialized tensor with the shape (and dtype, unless `dtype`) of `x`."""
    x = _t(x)
    return torch.empty_like(x, dtype=_like_dtype(x, dtype))


@_export("full_like")
@keras_op("FullLike")
def full_like(x, fill_value, dtype=None):
    """`fill_value` with the shape (and dtype, unless `dtype`) of `x`."""
    x = _t(x)
    dt = _like_dtype(x, dtype)
    if isinstance(fill_value, (torch.Tensor, np.ndarray, list, tuple)):
        value = tensor_like(fill_value, x).to(dt)
        return torch.broadcast_to(value, x.shape).clone()
    return torch.full_like(x, fill_value, dtype=dt)


def _diagonal_offsets(N, M):
    """An `(N, M)` tensor (`M` defaults to `N`) holding `column - row`: the diagonal each element is on."""
    N = int(N)
    M = N if M is None else int(M)
    rows = torch.arange(N, device=get_device()).unsqueeze(1)
    cols = torch.arange(M, device=get_device()).unsqueeze(0)
    return cols - rows


@_export("eye")
def eye(N, M=None, k=0, dtype=None):
    """A 2-D tensor with ones on the `k`-th diagonal and zeros elsewhere."""
    k = 0 if k is None else int(k)
    return (_diagonal_offsets(N, M) == k).to(_creation_dtype(dtype))


@_export("identity")
def identity(n, dtype=None):
    """The `n` x `n` identity matrix."""
    return eye(n, dtype=dtype)


@_export("tri")
def tri(N, M=None, k=0, dtype=None):
    """A 2-D tensor with ones at and below the `k`-th diagonal."""
    return (_diagonal_offsets(N, M) <= int(k)).to(_creation_dtype(dtype))


def _number(x):
    if isinstance(x, torch.Tensor):
        return x.item()
    if isinstance(x, np.generic):
        return x.item()
    return x


@_export("arange")
@keras_op("Arange")
def arange(start, stop=None, step=None, dtype=None):
    """Evenly spaced values in `[start, stop)` with spacing `step` (Python ints give int32)."""
    if dtype is None:
        dts = [_dtype_of(start)]
        if stop is not None:
            dts.append(_dtype_of(stop))
        if step is not None:
            dts.append(_dtype_of(step))
        dtype = result_type(*dts)
    if stop is None:
        start, stop = 0, start
    if step is None:
        step = 1
    return torch.arange(_number(start), _number(stop), _number(step), dtype=to_torch_dtype(dtype),
                        device=get_device())


def _space_dtype(start, stop, dtype):
    if dtype is None:
        dtype = result_type(_dtype_of(start), _dtype_of(stop), float)
    return to_torch_dtype(dtype)


def _linear_points(start, stop, num, endpoint, dtype):
    """`num` points from `start` to `stop` (tensors of the same shape) along a new leading axis."""
    div = (num - 1) if endpoint else num
    steps = torch.arange(num, dtype=torch.float64, device=start.device)
    shape = (num,) + (1,) * start.dim()
    steps = steps.reshape(shape)
    s64, e64 = start.to(torch.float64), stop.to(torch.float64)
    if div > 0:
        delta = (e64 - s64) / div
        points = s64 + steps * delta
        if endpoint and num > 1:
            points = torch.cat([points[:-1], e64.unsqueeze(0)], dim=0)
    else:
        delta = torch.full_like(s64, float("nan"))
        points = s64.unsqueeze(0).expand(shape[:1] + tuple(s64.shape))
    return points, delta


def _points_along(points, dtype, axis):
    """`points` (along a new leading axis) in `dtype`, that axis moved to `axis` for non-scalar ends."""
    points = points.to(dtype)
    return torch.movedim(points, 0, axis) if points.dim() > 1 else points


@_export("linspace")
@keras_op("Linspace")
def linspace(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0):
    """`num` evenly spaced values from `start` to `stop` (inclusive if `endpoint`)."""
    dt = _space_dtype(start, stop, dtype)
    scalars = isinstance(start, (int, float)) and isinstance(stop, (int, float))
    start_t, stop_t = tensors(start, stop)
    start_t, stop_t = torch.broadcast_tensors(start_t, stop_t)
    points, delta = _linear_points(start_t, stop_t, int(num), endpoint, dt)
    if not dt.is_floating_point:
        points = torch.floor(points)
    points = _points_along(points, dt, axis)
    if retstep:
        if scalars:
            div = (int(num) - 1) if endpoint else int(num)
            return points, (stop - start) / div if div > 0 else float("nan")
        return points, delta.to(dt) if dt.is_floating_point else delta
    return points


@_export("logspace")
@keras_op("Logspace")
def logspace(start, stop, num=50, endpoint=True, base=10, dtype=None, axis=0):
    """`num` values evenly spaced on a log scale, from `base**start` to `base**stop`."""
    dt = _space_dtype(start, stop, dtype)
    start, stop = tensors(start, stop)
    start, stop = torch.broadcast_tensors(start, stop)
    exps, _ = _linear_points(start, stop, int(num), endpoint, dt)
    points = torch.pow(torch.tensor(float(base), dtype=torch.float64, device=exps.device), exps)
    return _points_along(points, dt, axis)


@_export("geomspace")
@keras_op("Geomspace")
def geomspace(start, stop, num=50, endpoint=True, dtype=None, axis=0):
    """`num` values forming a geometric progression from `start` to `stop`."""
    dt = _space_dtype(start, stop, dtype)
    start, stop = tensors(start, stop)
    start, stop = torch.broadcast_tensors(start.to(torch.float64), stop.to(torch.float64))
    sign = torch.sign(start)
    exps, _ = _linear_points(torch.log10(torch.abs(start)), torch.log10(torch.abs(stop)), int(num), endpoint, dt)
    points = sign * torch.pow(10.0, exps)
    points[0] = start
    if endpoint and int(num) > 1:
        points[-1] = stop
    return _points_along(points, dt, axis)


@_export("meshgrid")
@keras_op("Meshgrid")
def meshgrid(*x, indexing="xy"):
    """Coordinate grids from 1-D coordinate vectors (`indexing` `'xy'` or `'ij'`)."""
    if indexing not in ("xy", "ij"):
        raise ValueError(f"Valid values for `indexing` are 'xy' and 'ij'. Received: indexing={indexing}")
    return list(torch.meshgrid(*tensors(*x), indexing=indexing))


def _window(name, fn):
    def impl(x):
        n = int(_number(x))
        return fn(n, sym=True, dtype=to_torch_dtype(config.floatx()), device=get_device())

    impl.__name__ = name
    impl.__qualname__ = name
    impl.__doc__ = f"The {name} window of `x` points (symmetric, like `numpy.{name}`)."
    return _export(name)(impl)


bartlett = _window("bartlett", torch.signal.windows.bartlett)
blackman = _window("blackman", torch.signal.windows.blackman)
hamming = _window("hamming", torch.signal.windows.hamming)
hanning = _window("hanning", torch.signal.windows.hann)


@_export("kaiser")
def kaiser(x, beta):
    """The Kaiser window of `x` points with shape parameter `beta`."""
    n = int(_number(x))
    return torch.signal.windows.kaiser(n, beta=float(beta), sym=True, dtype=to_torch_dtype(config.floatx()),
                                       device=get_device())


# --------------------------------------------------------------------------------------------------------
# Miscellaneous math
# --------------------------------------------------------------------------------------------------------
@_export("diff")
@keras_op("Diff")
def diff(a, n=1, axis=-1):
    """The `n`-th discrete difference along `axis`."""
    return torch.diff(_t(a), n=n, dim=axis)


@_export("trapezoid")
@keras_op("Trapezoid")
def trapezoid(y, x=None, dx=1.0, axis=-1):
    """Integral of `y` along `axis` by the trapezoidal rule (sample points `x` or spacing `dx`)."""
    y = _float_compute(y)
    if x is not None:
        x = tensor_like(x, y)
        return torch.trapezoid(y, x=_float_compute(x), dim=axis)
    return torch.trapezoid(y, dx=float(_number(dx)), dim=axis)


@_export("vander")
@keras_op("Vander")
def vander(x, N=None, increasing=False):
    """The Vandermonde matrix of the 1-D `x` (powers decreasing unless `increasing`)."""
    x = _t(x)
    if x.dim() != 1:
        raise ValueError(f"Input tensor must be 1-dimensional. Received: x.shape={tuple(x.shape)}")
    out = torch.vander(x, N=N, increasing=increasing)
    return _cast(out, result_type(x.dtype))


@_export("correlate")
@keras_op("Correlate")
def correlate(x1, x2, mode="valid"):
    """Cross-correlation of two 1-D sequences (`mode`: `'valid'`, `'same'` or `'full'`)."""
    x1, x2 = tensors(x1, x2)
    if mode not in ("valid", "same", "full"):
        raise ValueError(f"`mode` must be one of 'valid', 'same' or 'full'. Received: mode={mode}")
    dtype = result_type(x1.dtype, x2.dtype)
    if dtype == "int64":
        dtype = "float64"
    elif dtype not in ("bfloat16", "float16", "float64"):
        dtype = "float32"
    a, v = _cast(x1, dtype), _cast(x2, dtype)
    na, nv = a.shape[-1], v.shape[-1]
    full_out = F.conv1d(a.reshape(1, 1, -1), v.reshape(1, 1, -1), padding=nv - 1).reshape(-1)
    if mode == "full":
        return full_out
    if mode == "same":
        # NumPy centres the window on the longer input (the shorter one slides over it).
        shortest = builtins.min(na, nv) - 1
        start = shortest // 2 if na >= nv else shortest - shortest // 2
        return full_out[start:start + builtins.max(na, nv)]
    length = builtins.max(na, nv) - builtins.min(na, nv) + 1
    start = builtins.min(na, nv) - 1
    return full_out[start:start + length]


@_export("corrcoef")
@keras_op("Corrcoef")
def corrcoef(x):
    """Pearson correlation coefficients of the rows of `x`."""
    x = _t(x)
    if x.dtype == torch.bool:
        x = _float_compute(x)
    elif x.dtype == torch.int64:
        x = x.to(torch.float64)
    elif not x.is_floating_point():
        x = _float_compute(x)
    return torch.corrcoef(x)


@_export("vectorize")
def vectorize(pyfunc, *, excluded=None, signature=None):
    """Wrap `pyfunc` so that it maps over the broadcast leading axes of its tensor arguments.

    `signature` (e.g. `'(n),(n)->()'`) names the core axes each argument keeps; without it `pyfunc` works
    on scalars. Arguments in `excluded` (positions or names) are passed through unchanged.
    """
    excluded = set(excluded or ())
    in_cores, out_cores = _parse_signature(signature) if signature else (None, None)

    def wrapped(*args, **kwargs):
        positions = [i for i in range(len(args)) if i not in excluded]
        values = tensors(*[args[i] for i in positions])
        cores = in_cores or [()] * len(values)
        if len(cores) != len(values):
            raise ValueError(f"Signature {signature!r} expects {len(cores)} inputs, received {len(values)}.")
        loops = [v.shape[:v.dim() - len(c)] for v, c in zip(values, cores)]
        loop_shape = torch.broadcast_shapes(*loops) if loops else ()
        flat = []
        for v, c in zip(values, cores):
            core_shape = v.shape[v.dim() - len(c):]
            flat.append(torch.broadcast_to(v, tuple(loop_shape) + tuple(core_shape)).reshape((-1,) + tuple(core_shape)))

        def call(*vs):
            full = list(args)
            for i, v in zip(positions, vs):
                full[i] = v
            return pyfunc(*full, **kwargs)

        if int(np.prod(loop_shape)) == 0:
            raise ValueError("`vectorize` needs at least one element to map over.")
        out = torch.vmap(call)(*flat)

        def unflatten(o):
            return o.reshape(tuple(loop_shape) + tuple(o.shape[1:]))

        if isinstance(out, (list, tuple)):
            return type(out)(unflatten(o) for o in out)
        return unflatten(out)

    return wrapped


def _parse_signature(signature):
    import re

    sig = signature.replace(" ", "")
    match = re.fullmatch(r"(.*)->(.*)", sig)
    if not match:
        raise ValueError(f"Invalid signature: {signature!r}. Expected e.g. '(n),(n)->()'.")

    def groups(part):
        return [tuple(d for d in g.split(",") if d) for g in re.findall(r"\(([^()]*)\)", part)]

    return groups(match.group(1)), groups(match.group(2))


@_export("slogdet")
@keras_op("Slogdet")
def slogdet(x):
    """Sign and natural log of the absolute determinant: `(sign, logabsdet)`."""
    return tuple(torch.linalg.slogdet(_float_compute(x)))


def _rearrange_axes(side):
    """Parse one side of an einops pattern into groups of axis names (`'b (h w) c'` -> [[b], [h, w], [c]])."""
    import re

    tokens = re.findall(r"\([^()]*\)|[\w]+|\.\.\.", side)
    groups = []
    for tok in tokens:
        if tok.startswith("("):
            groups.append(tok[1:-1].split())
        else:
            groups.append([tok])
    return groups


@keras_export("keras.ops.rearrange")
@keras_op("Rearrange", module="keras.src.ops.einops")
def rearrange(tensor, pattern, **axes_lengths):
    """Rearrange axes einops-style, e.g. `'b h w c -> b c h w'` or `'b (h h1) w c -> b h w (c h1)'`.

    Grouped axes on the left are split (give all but one length as keyword arguments); groups on the
    right are merged.
    """
    x = _t(tensor)
    if "->" not in pattern:
        raise ValueError(f"The pattern must contain '->'. Received: pattern={pattern!r}")
    left, right = [s.strip() for s in pattern.split("->")]
    in_groups, out_groups = _rearrange_axes(left), _rearrange_axes(right)
    if len(in_groups) != x.dim():
        raise ValueError(
            f"The pattern {left!r} has {len(in_groups)} axes but the input has rank {x.dim()} "
            f"(shape {tuple(x.shape)})."
        )
    sizes = dict(axes_lengths)
    for group, dim in zip(in_groups, x.shape):
        unknown = [a for a in group if a not in sizes]
        known = math.prod(sizes[a] for a in group if a in sizes)
        if len(unknown) > 1:
            raise ValueError(f"Could not infer the sizes of {unknown} in group {group}: pass them as keywords.")
        if unknown:
            if dim % known:
                raise ValueError(f"Axis of size {dim} cannot be split into {group} with lengths {axes_lengths}.")
            sizes[unknown[0]] = dim // known
        elif known != dim:
            raise ValueError(f"Axis of size {dim} does not match the group {group} of size {known}.")
    flat_in = [a for g in in_groups for a in g]
    flat_out = [a for g in out_groups for a in g]
    if sorted(flat_in) != sorted(flat_out):
        raise ValueError(f"The two sides of {pattern!r} must name the same axes.")
    x = x.reshape([sizes[a] for a in flat_in])
    x = x.permute([flat_in.index(a) for a in flat_out])
    return x.reshape([math.prod(sizes[a] for a in g) for g in out_groups])
