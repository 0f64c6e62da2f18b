"""Keras 2's `keras.backend` tensor functions (`K.mean`, `K.square`, ...), on torch tensors.

Keras 2 scripts write custom losses, metrics and Lambda layers as `K.mean(K.square(y_pred - y_true),
axis=-1)`. These functions keep Keras 2's signatures and defaults (e.g. `K.argmax(x, axis=-1)`,
`K.concatenate(tensors, axis=-1)`, `K.hard_sigmoid` as `clip(0.2 x + 0.5, 0, 1)`) and are built from
`keras.ops`, so they also work on symbolic tensors in functional models.
"""
import builtins
import importlib
import math
import warnings

import numpy as np
import torch


class _Lazy:
    """A module imported on first use (`keras.ops` imports the backend, so import it lazily here)."""

    def __init__(self, name):
        self._name = name

    def __getattr__(self, attr):
        return getattr(importlib.import_module(self._name), attr)


_ops = _Lazy("torchkeras.ops")
_nn = _Lazy("torchkeras.ops.nn")
_random = _Lazy("torchkeras.random")
_config = _Lazy("torchkeras.backend.config")
_variables = _Lazy("torchkeras.backend.variables")
_keras_tensor = _Lazy("torchkeras.backend.keras_tensor")
_graph = _Lazy("torchkeras.backend.legacy_graph")

__all__ = [
    "abs", "all", "any", "arange", "argmax", "argmin", "batch_dot", "batch_flatten", "batch_get_value",
    "batch_normalization", "batch_set_value", "bias_add", "binary_crossentropy", "cast", "cast_to_floatx",
    "categorical_crossentropy", "clip", "concatenate", "constant", "conv1d", "conv2d", "conv3d", "cos",
    "count_params", "ctc_batch_cost", "ctc_decode", "cumprod", "cumsum", "depthwise_conv2d", "dot", "dropout",
    "dtype", "elu", "equal", "eval", "exp", "expand_dims", "eye", "flatten", "foldl", "foldr", "function", "gather",
    "get_value", "gradients", "greater", "greater_equal", "hard_sigmoid", "in_test_phase", "in_top_k",
    "in_train_phase", "int_shape", "is_placeholder", "is_sparse", "is_tensor", "l2_normalize", "learning_phase",
    "learning_phase_scope", "less",
    "less_equal", "log", "logsumexp", "map_fn", "max", "maximum", "mean", "min", "minimum",
    "moving_average_update", "ndim", "not_equal", "one_hot", "ones", "ones_like", "permute_dimensions",
    "placeholder", "pool2d", "pool3d", "pow", "print_tensor", "prod", "random_bernoulli", "random_normal",
    "random_normal_variable", "random_uniform", "random_uniform_variable", "relu", "repeat", "repeat_elements",
    "reshape", "resize_images", "reverse", "round", "separable_conv2d", "set_learning_phase", "set_value",
    "shape", "sigmoid", "sign", "sin", "softmax", "softplus", "softsign", "sparse_categorical_crossentropy",
    "spatial_2d_padding", "spatial_3d_padding", "sqrt", "square", "squeeze", "stack", "std", "stop_gradient",
    "sum", "switch", "tanh", "temporal_padding", "tile", "to_dense", "transpose", "truncated_normal",
    "update", "update_add", "update_sub", "var", "variable", "zeros", "zeros_like",
]


def _is_symbolic(x):
    return isinstance(x, _keras_tensor.KerasTensor)


def _tensor(x):
    if isinstance(x, torch.Tensor) or _is_symbolic(x):
        return x
    return _ops.convert_to_tensor(x)


def _floatx():
    return _config.floatx()


def _epsilon():
    return _config.epsilon()


# --------------------------------------------------------------------------------------------------------
# Elementwise math
# --------------------------------------------------------------------------------------------------------
def abs(x):
    """Elementwise absolute value."""
    return _ops.absolute(x)


def cos(x):
    """Elementwise cosine."""
    return _ops.cos(x)


def sin(x):
    """Elementwise sine."""
    return _ops.sin(x)


def exp(x):
    """Elementwise exponential."""
    return _ops.exp(x)


def log(x):
    """Elementwise natural logarithm."""
    return _ops.log(x)


def round(x):
    """Elementwise rounding to the nearest integer (half to even)."""
    return _ops.round(x)


def sign(x):
    """Elementwise sign."""
    return _ops.sign(x)


def square(x):
    """Elementwise square."""
    return _ops.square(x)


def sqrt(x):
    """Elementwise square root; negative values are clipped to 0 first (as in Keras 2)."""
    return _ops.sqrt(_ops.maximum(_tensor(x), 0.0))


def pow(x, a):
    """Elementwise `x ** a`."""
    return _ops.power(x, a)


def tanh(x):
    """Elementwise hyperbolic tangent."""
    return _ops.tanh(x)


def sigmoid(x):
    """Elementwise sigmoid."""
    return _ops.sigmoid(x)


def hard_sigmoid(x):
    """Keras 2's hard sigmoid: `clip(0.2 * x + 0.5, 0, 1)`."""
    return _ops.clip(_ops.add(_ops.multiply(x, 0.2), 0.5), 0.0, 1.0)


def softplus(x):
    """Elementwise `log(exp(x) + 1)`."""
    return _ops.softplus(x)


def softsign(x):
    """Elementwise `x / (|x| + 1)`."""
    return _ops.softsign(x)


def elu(x, alpha=1.0):
    """Exponential linear unit with slope `alpha` for negative inputs."""
    return _ops.elu(x, alpha=alpha)


def relu(x, alpha=0.0, max_value=None, threshold=0.0):
    """Rectified linear unit: `x` above `threshold`, `alpha * (x - threshold)` below, capped at `max_value`."""
    x = _tensor(x)
    if alpha != 0.0 and max_value is None and threshold == 0:
        return _ops.leaky_relu(x, negative_slope=alpha)
    negative = None
    if alpha != 0.0:
        negative = _ops.relu(_ops.add(_ops.negative(x), threshold)) if threshold != 0 else _ops.relu(
            _ops.negative(x))
    if threshold != 0:
        out = _ops.multiply(x, _ops.cast(_ops.greater(x, threshold), _ops.dtype(x)))
    else:
        out = _ops.relu(x)
    if max_value is not None:
        out = _ops.clip(out, 0.0, max_value)
    if negative is not None:
        out = _ops.subtract(out, _ops.multiply(negative, alpha))
    return out


def softmax(x, axis=-1):
    """Softmax along `axis` (inputs must be at least 2-D, as in Keras 2)."""
    x = _tensor(x)
    if len(_ops.shape(x)) <= 1:
        raise ValueError(f"Cannot apply softmax to a tensor that is 1D. Received input: {x}")
    return _ops.softmax(x, axis=axis)


def maximum(x, y):
    """Elementwise maximum."""
    return _ops.maximum(x, y)


def minimum(x, y):
    """Elementwise minimum."""
    return _ops.minimum(x, y)


def clip(x, min_value, max_value):
    """Clip `x` to `[min_value, max_value]` (a `max_value` below `min_value` is raised to it)."""
    if isinstance(min_value, (int, float)) and isinstance(max_value, (int, float)) and max_value < min_value:
        max_value = min_value
    if min_value is None:
        min_value = -np.inf
    if max_value is None:
        max_value = np.inf
    return _ops.clip(x, min_value, max_value)


def equal(x, y):
    """Elementwise `x == y`."""
    return _ops.equal(x, y)


def not_equal(x, y):
    """Elementwise `x != y`."""
    return _ops.not_equal(x, y)


def greater(x, y):
    """Elementwise `x > y`."""
    return _ops.greater(x, y)


def greater_equal(x, y):
    """Elementwise `x >= y`."""
    return _ops.greater_equal(x, y)


def less(x, y):
    """Elementwise `x < y`."""
    return _ops.less(x, y)


def less_equal(x, y):
    """Elementwise `x <= y`."""
    return _ops.less_equal(x, y)


# --------------------------------------------------------------------------------------------------------
# Reductions
# --------------------------------------------------------------------------------------------------------
def _bool_to_floatx(x):
    x = _tensor(x)
    if _ops.dtype(x) == "bool":
        x = _ops.cast(x, _floatx())
    return x


def sum(x, axis=None, keepdims=False):
    """Sum over `axis`."""
    return _ops.sum(x, axis=axis, keepdims=keepdims)


def prod(x, axis=None, keepdims=False):
    """Product over `axis`."""
    return _ops.prod(x, axis=axis, keepdims=keepdims)


def mean(x, axis=None, keepdims=False):
    """Mean over `axis` (bool inputs are cast to floatx)."""
    return _ops.mean(_bool_to_floatx(x), axis=axis, keepdims=keepdims)


def std(x, axis=None, keepdims=False):
    """Standard deviation over `axis` (bool inputs are cast to floatx)."""
    return _ops.std(_bool_to_floatx(x), axis=axis, keepdims=keepdims)


def var(x, axis=None, keepdims=False):
    """Variance over `axis` (bool inputs are cast to floatx)."""
    return _ops.var(_bool_to_floatx(x), axis=axis, keepdims=keepdims)


def max(x, axis=None, keepdims=False):
    """Maximum over `axis`."""
    return _ops.max(x, axis=axis, keepdims=keepdims)


def min(x, axis=None, keepdims=False):
    """Minimum over `axis`."""
    return _ops.min(x, axis=axis, keepdims=keepdims)


def any(x, axis=None, keepdims=False):
    """Whether any element over `axis` is true."""
    return _ops.any(x, axis=axis, keepdims=keepdims)


def all(x, axis=None, keepdims=False):
    """Whether all elements over `axis` are true."""
    return _ops.all(x, axis=axis, keepdims=keepdims)


def argmax(x, axis=-1):
    """Index of the maximum along `axis` (default: the last axis, as in Keras 2)."""
    return _ops.argmax(x, axis=axis)


def argmin(x, axis=-1):
    """Index of the minimum along `axis` (default: the last axis, as in Keras 2)."""
    return _ops.argmin(x, axis=axis)


def cumsum(x, axis=0):
    """Cumulative sum along `axis` (default 0)."""
    return _ops.cumsum(x, axis=axis)


def cumprod(x, axis=0):
    """Cumulative product along `axis` (default 0)."""
    return _ops.cumprod(x, axis=axis)


def logsumexp(x, axis=None, keepdims=False):
    """`log(sum(exp(x)))` over `axis`, computed stably."""
    return _ops.logsumexp(x, axis=axis, keepdims=keepdims)


def l2_normalize(x, axis=None):
    """`x / sqrt(max(sum(x**2, axis), 1e-12))`."""
    x = _tensor(x)
    square_sum = _ops.sum(_ops.square(x), axis=axis, keepdims=True)
    return _ops.multiply(x, _ops.rsqrt(_ops.maximum(square_sum, 1e-12)))


# --------------------------------------------------------------------------------------------------------
# Shapes
# --------------------------------------------------------------------------------------------------------
def shape(x):
    """The shape of `x` as a 1-D int32 tensor (symbolic for a symbolic `x`: its value is known when run).

    Use `K.int_shape(x)` for the static shape as a tuple."""
    if _is_symbolic(x):
        return _graph.symbolic_shape(x)
    x = _tensor(x)
    return torch.tensor(tuple(x.shape), dtype=torch.int32)


def int_shape(x):
    """The shape of `x` as a tuple of ints (None for unknown dimensions)."""
    try:
        return tuple(None if d is None else int(d) for d in x.shape)
    except (AttributeError, TypeError):
        return None


def ndim(x):
    """The number of axes of `x`."""
    return len(int_shape(_tensor(x)))


def dtype(x):
    """The dtype of `x` as a string such as `'float32'`."""
    return _ops.dtype(x)


def count_params(x):
    """The number of scalars in `x`."""
    return int(math.prod(int_shape(x)))


def reshape(x, shape):
    """`x` with the given shape."""
    if isinstance(shape, torch.Tensor):
        shape = tuple(int(d) for d in shape.tolist())
    return _ops.reshape(x, shape)


def flatten(x):
    """`x` flattened to 1-D."""
    return _ops.reshape(x, (-1,))


def batch_flatten(x):
    """`x` flattened to `(batch, -1)`."""
    x = _tensor(x)
    dims = int_shape(x)[1:]
    if builtins.all(d is not None for d in dims):
        return _ops.reshape(x, (-1, int(math.prod(dims))))
    return _ops.reshape(x, (int_shape(x)[0], -1))


def expand_dims(x, axis=-1):
    """Insert an axis of size 1 at `axis` (default: last)."""
    return _ops.expand_dims(x, axis)


def squeeze(x, axis):
    """Remove the axis `axis` of size 1."""
    return _ops.squeeze(x, axis=axis)


def transpose(x):
    """Reverse the axes of `x`."""
    return _ops.transpose(x)


def permute_dimensions(x, pattern):
    """Permute the axes of `x` (e.g. `(0, 2, 1)`)."""
    return _ops.transpose(x, tuple(pattern))


def concatenate(tensors, axis=-1):
    """Join tensors along `axis` (default: the last)."""
    return _ops.concatenate(list(tensors), axis=axis)


def stack(x, axis=0):
    """Join tensors along a new `axis`."""
    return _ops.stack(list(x), axis=axis)


def tile(x, n):
    """Repeat `x` `n[i]` times along axis `i`."""
    if isinstance(n, int):
        n = [n]
    return _ops.tile(x, n)


def repeat(x, n):
    """Repeat a 2-D `x` `(batch, dim)` into `(batch, n, dim)`."""
    x = _tensor(x)
    if ndim(x) != 2:
        raise ValueError(f"Expected input `x` to have rank 2. Received: rank(x)={ndim(x)}")
    return _ops.tile(_ops.expand_dims(x, 1), (1, n, 1))


def repeat_elements(x, rep, axis):
    """Repeat each element of `x` `rep` times along `axis` (like `numpy.repeat`)."""
    return _ops.repeat(x, rep, axis=axis)


def reverse(x, axes):
    """Reverse `x` along `axes` (an int or a list)."""
    if isinstance(axes, int):
        axes = [axes]
    return _ops.flip(x, axis=tuple(axes))


def gather(reference, indices):
    """Rows of `reference` at `indices` (along axis 0)."""
    return _ops.take(reference, indices, axis=0)


def one_hot(indices, num_classes):
    """One-hot encoding (float32) of integer `indices` in a new last axis."""
    return _ops.one_hot(indices, num_classes, dtype="float32")


def arange(start, stop=None, step=1, dtype="int32"):
    """`[start, stop)` with spacing `step` as a 1-D tensor (int32 by default)."""
    if stop is None and start < 0:
        start = 0
    if stop is None:
        start, stop = 0, start
    return _ops.arange(start, stop, step, dtype=dtype)


def temporal_padding(x, padding=(1, 1)):
    """Zero-pad the middle axis of a 3-D tensor by `padding` = (left, right)."""
    if len(padding) != 2:
        raise ValueError(f"Expected `padding` to be a tuple of 2 integers. Received: padding={padding}")
    return _ops.pad(x, [[0, 0], list(padding), [0, 0]])


def spatial_2d_padding(x, padding=((1, 1), (1, 1)), data_format=None):
    """Zero-pad the two spatial axes of a 4-D tensor."""
    if len(padding) != 2 or len(padding[0]) != 2 or len(padding[1]) != 2:
        raise ValueError(f"Expected `padding` to be a tuple of 2 tuples of 2 integers. Received: padding={padding}")
    data_format = _config.standardize_data_format(data_format)
    if data_format == "channels_first":
        pattern = [[0, 0], [0, 0], list(padding[0]), list(padding[1])]
    else:
        pattern = [[0, 0], list(padding[0]), list(padding[1]), [0, 0]]
    return _ops.pad(x, pattern)


def spatial_3d_padding(x, padding=((1, 1), (1, 1), (1, 1)), data_format=None):
    """Zero-pad the three spatial axes of a 5-D tensor."""
    if len(padding) != 3 or builtins.any(len(p) != 2 for p in padding):
        raise ValueError(f"Expected `padding` to be a tuple of 3 tuples of 2 integers. Received: padding={padding}")
    data_format = _config.standardize_data_format(data_format)
    if data_format == "channels_first":
        pattern = [[0, 0], [0, 0]] + [list(p) for p in padding]
    else:
        pattern = [[0, 0]] + [list(p) for p in padding] + [[0, 0]]
    return _ops.pad(x, pattern)


def resize_images(x, height_factor, width_factor, data_format, interpolation="nearest"):
    """Upsample the spatial axes by integer factors (`'nearest'` or `'bilinear'`)."""
    x = _tensor(x)
    if data_format == "channels_first":
        rows, cols = 2, 3
    elif data_format == "channels_last":
        rows, cols = 1, 2
    else:
        raise ValueError(f"Invalid `data_format` argument: {data_format}")
    size = (int_shape(x)[rows] * height_factor, int_shape(x)[cols] * width_factor)
    if interpolation == "nearest":
        return _ops.repeat(_ops.repeat(x, height_factor, axis=rows), width_factor, axis=cols)
    return _ops.image.resize(x, size, interpolation=interpolation, data_format=data_format)


# --------------------------------------------------------------------------------------------------------
# Products
# --------------------------------------------------------------------------------------------------------
def dot(x, y):
    """Keras 2's dot: matrix product; for N-D inputs, contracts the last axis of `x` with the
    second-to-last of `y` (like `numpy.dot`)."""
    x, y = _tensor(x), _tensor(y)
    nx, ny = ndim(x), ndim(y)
    if nx > 2 or ny > 2:
        return _ops.tensordot(x, y, axes=[[nx - 1], [builtins.max(ny - 2, 0)]])
    return _ops.matmul(x, y)


def batch_dot(x, y, axes=None):
    """Batchwise dot product: for each sample `i`, `dot(x[i], y[i])` contracting `axes`.

    With `axes=None` the last axis of `x` is contracted with the last (2-D `y`) or second-to-last axis of
    `y`. The result has the remaining axes of `x` then of `y` (a 2-D result gains no extra axis).
    """
    x, y = _tensor(x), _tensor(y)
    x_shape, y_shape = int_shape(x), int_shape(y)
    x_ndim, y_ndim = len(x_shape), len(y_shape)
    if x_ndim < 2 or y_ndim < 2:
        raise ValueError(
            f"Cannot do batch_dot on inputs with rank < 2. Received inputs with shapes {x_shape} and {y_shape}."
        )
    if x_shape[0] is not None and y_shape[0] is not None and x_shape[0] != y_shape[0]:
        raise ValueError(
            f"Cannot do batch_dot on inputs with different batch sizes. Received inputs with shapes {x_shape} "
            f"and {y_shape}."
        )
    if isinstance(axes, int):
        axes = [axes, axes]
    if axes is None:
        axes = [x_ndim - 1, y_ndim - 1] if y_ndim == 2 else [x_ndim - 1, y_ndim - 2]
    if builtins.any(isinstance(a, (list, tuple)) for a in axes):
        raise ValueError(f"Multiple target dimensions are not supported. Expected: None, int, (int, int), Provided: {axes}")
    a0, a1 = [a + n if a < 0 else a for a, n in zip(axes, (x_ndim, y_ndim))]
    if 0 in (a0, a1):
        raise ValueError(
            "Cannot perform batch_dot over axis 0. If your inputs are not batched, add a dummy batch dimension "
            "to your inputs using K.expand_dims(x, 0)"
        )
    d1, d2 = x_shape[a0], y_shape[a1]
    if d1 is not None and d2 is not None and d1 != d2:
        raise ValueError(
            f"Cannot do batch_dot on inputs with shapes {x_shape} and {y_shape} with axes={[a0, a1]}. "
            f"x.shape[{a0}] != y.shape[{a1}] ({d1} != {d2})."
        )
    # Move the contracted axis of x last and that of y to position 1, then one batched matmul.
    x_perm = [d for d in range(x_ndim) if d != a0] + [a0]
    y_perm = [0, a1] + [d for d in range(1, y_ndim) if d != a1]
    xt = _ops.transpose(x, x_perm)
    yt = _ops.transpose(y, y_perm)
    x_mid = [x_shape[d] for d in x_perm[1:-1]]
    y_rest = [y_shape[d] for d in y_perm[2:]]
    x3 = _ops.reshape(xt, (-1, int(math.prod(x_mid)) if x_mid else 1, d1 if d1 is not None else d2))
    y3 = _ops.reshape(yt, (-1, d2 if d2 is not None else d1, int(math.prod(y_rest)) if y_rest else 1))
    out = _ops.matmul(x3, y3)
    out_shape = [-1] + x_mid + y_rest
    if len(out_shape) == 1:
        out_shape.append(1)
    return _ops.reshape(out, tuple(out_shape))


def bias_add(x, bias, data_format=None):
    """Add `bias` along the channel axis (1-D bias) or in the non-batch shape (N-1)-D bias."""
    x, bias = _tensor(x), _tensor(bias)
    data_format = _config.standardize_data_format(data_format)
    b_shape, rank = int_shape(bias), ndim(x)
    if len(b_shape) != 1 and len(b_shape) != rank - 1:
        raise ValueError(f"Unexpected bias dimensions {len(b_shape)}. Expected it to be 1 or {rank - 1} dimensions")
    if len(b_shape) == 1:
        if data_format == "channels_first" and rank > 2:
            return _ops.add(x, _ops.reshape(bias, (1, b_shape[0]) + (1,) * (rank - 2)))
        return _ops.add(x, bias)
    if data_format == "channels_first" and rank in (3, 4, 5):
        return _ops.add(x, _ops.reshape(bias, (1, b_shape[-1]) + tuple(b_shape[:-1])))
    return _ops.add(x, _ops.reshape(bias, (1,) + tuple(b_shape)))


def batch_normalization(x, mean, var, beta, gamma, axis=-1, epsilon=1e-3):
    """`(x - mean) / sqrt(var + epsilon) * gamma + beta` (statistics broadcast against `x`)."""
    inv = _ops.rsqrt(_ops.add(var, epsilon))
    if gamma is not None:
        inv = _ops.multiply(inv, gamma)
    out = _ops.multiply(_ops.subtract(x, mean), inv)
    return _ops.add(out, beta) if beta is not None else out


# --------------------------------------------------------------------------------------------------------
# Convolution and pooling (Keras 2 signatures)
# --------------------------------------------------------------------------------------------------------
def conv1d(x, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    """1-D convolution (`padding` `'valid'`, `'same'` or `'causal'`)."""
    if padding == "causal":
        k = int_shape(kernel)[0]
        pad = (k - 1) * (dilation_rate if isinstance(dilation_rate, int) else dilation_rate[0])
        fmt = _config.standardize_data_format(data_format)
        pattern = [[0, 0], [pad, 0], [0, 0]] if fmt == "channels_last" else [[0, 0], [0, 0], [pad, 0]]
        x = _ops.pad(x, pattern)
        padding = "valid"
    return _nn.conv(x, kernel, strides, padding, data_format, dilation_rate)


def conv2d(x, kernel, strides=(1, 1), padding="valid", data_format=None, dilation_rate=(1, 1)):
    """2-D convolution with a `(kh, kw, in, out)` kernel."""
    return _nn.conv(x, kernel, strides, padding, data_format, dilation_rate)


def conv3d(x, kernel, strides=(1, 1, 1), padding="valid", data_format=None, dilation_rate=(1, 1, 1)):
    """3-D convolution with a `(kd, kh, kw, in, out)` kernel."""
    return _nn.conv(x, kernel, strides, padding, data_format, dilation_rate)


def depthwise_conv2d(x, depthwise_kernel, strides=(1, 1), padding="valid", data_format=None,
                     dilation_rate=(1, 1)):
    """2-D depthwise convolution with a `(kh, kw, in, multiplier)` kernel."""
    return _nn.depthwise_conv(x, depthwise_kernel, strides, padding, data_format, dilation_rate)


def separable_conv2d(x, depthwise_kernel, pointwise_kernel, strides=(1, 1), padding="valid", data_format=None,
                     dilation_rate=(1, 1)):
    """2-D separable convolution: depthwise then pointwise."""
    return _nn.separable_conv(x, depthwise_kernel, pointwise_kernel, strides, padding, data_format, dilation_rate)


def _pool(x, pool_size, strides, padding, data_format, pool_mode):
    if pool_mode == "max":
        return _nn.max_pool(x, pool_size, strides, padding, data_format)
    if pool_mode == "avg":
        return _nn.average_pool(x, pool_size, strides, padding, data_format)
    raise ValueError(f"Invalid pooling mode: {pool_mode}")


def pool2d(x, pool_size, strides=(1, 1), padding="valid", data_format=None, pool_mode="max"):
    """2-D pooling (`pool_mode` `'max'` or `'avg'`)."""
    if len(pool_size) != 2:
        raise ValueError("`pool_size` must be a tuple of 2 integers.")
    if len(strides) != 2:
        raise ValueError("`strides` must be a tuple of 2 integers.")
    return _pool(x, pool_size, strides, padding, data_format, pool_mode)


def pool3d(x, pool_size, strides=(1, 1, 1), padding="valid", data_format=None, pool_mode="max"):
    """3-D pooling (`pool_mode` `'max'` or `'avg'`)."""
    if len(pool_size) != 3:
        raise ValueError("`pool_size` must be a tuple of 3 integers.")
    if len(strides) != 3:
        raise ValueError("`strides` must be a tuple of 3 integers.")
    return _pool(x, pool_size, strides, padding, data_format, pool_mode)


# --------------------------------------------------------------------------------------------------------
# Losses (Keras 2 formulas)
# --------------------------------------------------------------------------------------------------------
def binary_crossentropy(target, output, from_logits=False):
    """Elementwise binary crossentropy, Keras 2 style: `-(t log(p + eps) + (1 - t) log(1 - p + eps))` on
    `p` clipped to `[eps, 1 - eps]`."""
    if from_logits:
        return _nn.binary_crossentropy(target, output, from_logits=True)
    target, output = _tensor(target), _tensor(output)
    eps = _epsilon()
    p = _ops.clip(output, eps, 1.0 - eps)
    bce = _ops.multiply(target, _ops.log(_ops.add(p, eps)))
    bce = _ops.add(bce, _ops.multiply(_ops.subtract(1.0, target), _ops.log(_ops.add(_ops.subtract(1.0, p), eps))))
    return _ops.negative(bce)


def categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """Crossentropy between one-hot `target` and `output` along `axis` (probabilities renormalized)."""
    return _nn.categorical_crossentropy(target, output, from_logits=from_logits, axis=axis)


def sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1, ignore_class=None):
    """Crossentropy between integer labels and `output` (classes along `axis`), Keras 2 style.

    Probabilities are clipped to `[eps, 1 - eps]` and renormalized. `ignore_class` positions get 0.
    """
    target, output = _tensor(target), _tensor(output)
    rank = ndim(output)
    axis = axis % rank
    if axis != rank - 1:
        output = _ops.moveaxis(output, axis, -1)
    if not from_logits:
        eps = _epsilon()
        output = _ops.log(_ops.clip(output, eps, 1.0 - eps))
    log_prob = _ops.log_softmax(output, axis=-1)
    labels = _ops.cast(target, "int64")
    out_shape = int_shape(output)[:-1]
    if len(int_shape(labels)) != len(out_shape):
        labels = _ops.reshape(labels, tuple(-1 if d is None else d for d in out_shape))
    valid = None
    if ignore_class is not None:
        valid = _ops.not_equal(labels, ignore_class)
        labels = _ops.where(valid, labels, 0)
    picked = _ops.take_along_axis(log_prob, _ops.expand_dims(labels, -1), axis=-1)
    loss = _ops.negative(_ops.squeeze(picked, axis=-1))
    if valid is not None:
        loss = _ops.where(valid, loss, 0.0)
    return loss


def ctc_batch_cost(y_true, y_pred, input_length, label_length):
    """CTC loss per sample `(batch, 1)`; `y_pred` holds softmax probabilities `(batch, time, classes)` and
    the last class is the blank."""
    y_pred = _tensor(y_pred)
    y_true, input_length, label_length = (_tensor(v) for v in (y_true, input_length, label_length))
    num_classes = int_shape(y_pred)[-1]
    logits = _ops.log(_ops.add(y_pred, _epsilon()))
    loss = _nn.ctc_loss(
        y_true, logits, _ops.reshape(label_length, (-1,)), _ops.reshape(input_length, (-1,)),
        mask_index=num_classes - 1,
    )
    return _ops.expand_dims(loss, 1)


def ctc_decode(y_pred, input_length, greedy=True, beam_width=100, top_paths=1):
    """Decode softmax outputs `(batch, time, classes)` (blank = last class).

    Returns `(decoded, log_prob)`: a list of `top_paths` tensors `(batch, time)` padded with -1, and the
    scores `(batch, top_paths)` (for greedy decoding, the negative sum of the best logits).
    """
    y_pred = _tensor(y_pred)
    num_classes = int_shape(y_pred)[-1]
    logits = _ops.log(_ops.add(y_pred, _epsilon()))
    decoded, scores = _nn.ctc_decode(
        logits, _ops.reshape(_tensor(input_length), (-1,)), strategy="greedy" if greedy else "beam_search",
        beam_width=beam_width, top_paths=top_paths, merge_repeated=True, mask_index=num_classes - 1,
    )
    return [decoded[i] for i in range(int_shape(decoded)[0])], scores


# --------------------------------------------------------------------------------------------------------
# Control flow
# --------------------------------------------------------------------------------------------------------
def switch(condition, then_expression, else_expression):
    """Select between two expressions: a scalar `condition` picks a branch (callables are called), a
    tensor `condition` selects elementwise (broadcast over trailing axes)."""
    condition = _tensor(condition)
    cond_ndim = ndim(condition)
    if not cond_ndim:
        then_fn = then_expression if callable(then_expression) else (lambda: then_expression)
        else_fn = else_expression if callable(else_expression) else (lambda: else_expression)
        if _is_symbolic(condition):
            return _ops.cond(condition, then_fn, else_fn)
        return then_fn() if bool(condition) else else_fn()
    if callable(then_expression):
        then_expression = then_expression()
    if callable(else_expression):
        else_expression = else_expression()
    expr_ndim = ndim(_tensor(then_expression))
    if cond_ndim > expr_ndim:
        raise ValueError(
            "Rank of `condition` should be less than or equal to rank of `then_expression` and "
            f"`else_expression`. ndim(condition)={cond_ndim}, ndim(then_expression)={expr_ndim}"
        )
    if _ops.dtype(condition) != "bool":
        condition = _ops.cast(condition, "bool")
    for _ in range(expr_ndim - cond_ndim):
        condition = _ops.expand_dims(condition, -1)
    return _ops.where(condition, then_expression, else_expression)


def map_fn(fn, elems, name=None, dtype=None):
    """`fn` applied to each slice of `elems` along axis 0, stacked."""
    return _ops.map(fn, elems)


def foldl(fn, elems, initializer=None, name=None):
    """Reduce `elems` along axis 0 from the left: `acc = fn(acc, x)`."""
    elems = _tensor(elems)
    n = int_shape(elems)[0]
    start = 0
    acc = initializer
    if acc is None:
        acc, start = elems[0], 1
    for i in range(start, n):
        acc = fn(acc, elems[i])
    return acc


def foldr(fn, elems, initializer=None, name=None):
    """Reduce `elems` along axis 0 from the right: `acc = fn(acc, x)`."""
    elems = _tensor(elems)
    n = int_shape(elems)[0]
    stop = n
    acc = initializer
    if acc is None:
        acc, stop = elems[n - 1], n - 1
    for i in range(stop - 1, -1, -1):
        acc = fn(acc, elems[i])
    return acc


def in_top_k(predictions, targets, k):
    """Whether each `targets[i]` is among the `k` largest `predictions[i]`."""
    return _ops.in_top_k(targets, predictions, k)


def learning_phase():
    """The learning phase: 1 (training) or 0 (inference) inside layer calls and after `set_learning_phase`;
    otherwise the symbolic learning-phase tensor that `K.function` inputs can be fed (see `K.function`)."""
    return _graph.learning_phase()


def set_learning_phase(value):
    """Set the learning phase (0: inference, 1: training) used by calls that do not pass `training=`."""
    return _graph.set_learning_phase(value)


def learning_phase_scope(value):
    """Context manager: the learning phase is `value` (0 or 1) inside the block."""
    return _graph.learning_phase_scope(value)


def in_train_phase(x, alt, training=None):
    """`x` when `training` is true (default: the learning phase), else `alt`; callables are called.

    With a symbolic learning phase, a graph node that selects at run time."""
    if training is None:
        training = learning_phase()
    if _is_symbolic(training):
        x = x() if callable(x) else x
        alt = alt() if callable(alt) else alt
        return _ops.where(_ops.cast(training, "bool"), x, alt)
    chosen = x if bool(training) else alt
    return chosen() if callable(chosen) else chosen


def in_test_phase(x, alt, training=None):
    """`x` in the test phase (training false), else `alt`."""
    return in_train_phase(alt, x, training=training)


# --------------------------------------------------------------------------------------------------------
# Tensors, variables and values
# --------------------------------------------------------------------------------------------------------
def placeholder(shape=None, ndim=None, dtype=None, sparse=False, name=None):
    """A symbolic input of `shape` (batch dimension included) to feed through `K.function`."""
    return _graph.placeholder(shape=shape, ndim=ndim, dtype=dtype, sparse=sparse, name=name)


def is_placeholder(x):
    """Whether `x` is a placeholder (an input of a graph)."""
    return _graph.is_placeholder(x)


def function(inputs, outputs, updates=None, name=None, **kwargs):
    """A callable that evaluates the symbolic `outputs` from values fed to `inputs` (see
    `torchkeras.backend.legacy_graph.Function`)."""
    return _graph.function(inputs, outputs, updates=updates, name=name, **kwargs)


def is_tensor(x):
    """Whether `x` is a tensor (a torch tensor, variable or symbolic KerasTensor)."""
    return isinstance(x, torch.Tensor) or _is_symbolic(x)


def is_sparse(tensor):
    """Always False: torchkeras tensors are dense."""
    return False


def to_dense(tensor):
    """`tensor` itself (tensors are dense)."""
    return tensor


def cast(x, dtype):
    """`x` cast to `dtype`."""
    return _ops.cast(x, dtype)


def cast_to_floatx(x):
    """A NumPy array cast to floatx (tensors are cast and stay tensors)."""
    if isinstance(x, torch.Tensor) or _is_symbolic(x):
        return _ops.cast(x, _floatx())
    return np.asarray(x, dtype=_floatx())


def constant(value, dtype=None, shape=None, name=None):
    """A constant tensor of `dtype` (floatx by default); a scalar `value` fills `shape`."""
    dtype = dtype or _floatx()
    arr = np.asarray(value.detach().cpu() if isinstance(value, torch.Tensor) else value)
    if shape is not None:
        shape = tuple(shape)
        if arr.size == 1:
            arr = np.full(shape, arr.reshape(()))
        elif arr.size == math.prod(shape):
            arr = arr.reshape(shape)
        else:
            raise TypeError(f"Expected Tensor's shape: {shape}, but got {arr.shape}.")
    return _ops.convert_to_tensor(arr, dtype=dtype)


def variable(value, dtype=None, name=None, constraint=None):
    """A `keras.Variable` holding `value` (floatx by default)."""
    v = _variables.Variable(_tensor(value) if isinstance(value, torch.Tensor) else np.asarray(value),
                            dtype=dtype or _floatx(), name=name)
    v.constraint = constraint
    return v


def zeros(shape, dtype=None, name=None):
    """A variable of zeros."""
    return _variables.Variable(np.zeros(tuple(shape)), dtype=dtype or _floatx(), name=name)


def ones(shape, dtype=None, name=None):
    """A variable of ones."""
    return _variables.Variable(np.ones(tuple(shape)), dtype=dtype or _floatx(), name=name)


def eye(size, dtype=None, name=None):
    """A variable holding the identity matrix (`size` an int or a `(rows, cols)` pair)."""
    rows, cols = (size, size) if isinstance(size, int) else tuple(size)
    return _variables.Variable(np.eye(rows, cols), dtype=dtype or _floatx(), name=name)


def zeros_like(x, dtype=None, name=None):
    """Zeros shaped like `x`."""
    return _ops.zeros_like(x, dtype=dtype)


def ones_like(x, dtype=None, name=None):
    """Ones shaped like `x`."""
    return _ops.ones_like(x, dtype=dtype)


def random_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Normal samples (floatx by default; `shape` may hold 0-D tensors such as `K.shape(x)[0]`)."""
    return _random.normal(_shape_arg(shape), mean=mean, stddev=stddev, dtype=dtype or _floatx(), seed=seed)


def random_uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
    """Uniform samples in `[minval, maxval)`."""
    return _random.uniform(_shape_arg(shape), minval=minval, maxval=maxval, dtype=dtype or _floatx(), seed=seed)


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Normal samples truncated to two standard deviations."""
    return _random.truncated_normal(_shape_arg(shape), mean=mean, stddev=stddev, dtype=dtype or _floatx(),
                                    seed=seed)


def random_bernoulli(shape, p=0.0, dtype=None, seed=None):
    """Bernoulli samples (1 with probability `p`)."""
    u = _random.uniform(_shape_arg(shape), dtype=dtype or _floatx(), seed=seed)
    return _ops.cast(_ops.less_equal(u, p), dtype or _floatx())


def random_normal_variable(shape, mean, scale, dtype=None, name=None, seed=None):
    """A variable initialized with normal samples."""
    return variable(random_normal(shape, mean, scale, dtype=dtype, seed=seed), dtype=dtype, name=name)


def random_uniform_variable(shape, low, high, dtype=None, name=None, seed=None):
    """A variable initialized with uniform samples."""
    return variable(random_uniform(shape, low, high, dtype=dtype, seed=seed), dtype=dtype, name=name)


def _shape_arg(shape):
    if isinstance(shape, torch.Tensor):
        return tuple(int(d) for d in shape.reshape(-1).tolist())
    if isinstance(shape, int):
        return (shape,)
    return tuple(int(d) for d in shape)


def dropout(x, level, noise_shape=None, seed=None):
    """Zero values with probability `level` and scale the rest by `1 / (1 - level)`."""
    return _random.dropout(x, level, noise_shape=noise_shape, seed=seed)


def stop_gradient(variables):
    """Tensors that block gradients (a list in, a list out)."""
    if isinstance(variables, (list, tuple)):
        return [_ops.stop_gradient(v) for v in variables]
    return _ops.stop_gradient(variables)


def get_value(x):
    """The value of a tensor or variable as a NumPy array (other values are returned unchanged)."""
    if isinstance(x, torch.Tensor):
        return _ops.convert_to_numpy(x)
    if hasattr(x, "numpy") and callable(x.numpy):
        return x.numpy()
    return x


def eval(x):
    """The value of `x` as a NumPy array."""
    return get_value(x)


def batch_get_value(tensors):
    """The values of several tensors, as a list of NumPy arrays."""
    return [get_value(x) for x in tensors]


def set_value(x, value):
    """Assign `value` to the variable `x` (e.g. `K.set_value(model.optimizer.learning_rate, 1e-3)`)."""
    if hasattr(x, "assign") and callable(x.assign):
        dt = getattr(x, "dtype", None)
        if isinstance(dt, torch.dtype):
            x.assign(torch.as_tensor(np.asarray(value)).to(dt))
        else:
            x.assign(value)
        return
    if isinstance(x, torch.Tensor):
        with torch.no_grad():
            x.copy_(torch.as_tensor(np.asarray(value), dtype=x.dtype, device=x.device))
        return
    raise TypeError(
        "`K.set_value` needs a variable (something with `assign`), such as a layer weight or "
        f"`optimizer.learning_rate`. Received: {type(x).__name__}. To change a plain attribute, assign it "
        "directly (e.g. `model.optimizer.learning_rate = 1e-3`)."
    )


def batch_set_value(tuples):
    """Assign several `(variable, value)` pairs."""
    for x, value in tuples:
        set_value(x, value)


def update(x, new_x):
    """Assign `new_x` to the variable `x`; returns `x`. A symbolic `new_x` gives a symbolic update, applied by
    the `K.function` that evaluates it (as an output or in `updates=`)."""
    if _is_symbolic(new_x):
        return _graph.symbolic_update(x, new_x)
    x.assign(new_x)
    return x


def update_add(x, increment):
    """Add `increment` to the variable `x`; returns `x` (symbolic `increment`: see `update`)."""
    if _is_symbolic(increment):
        return _graph.symbolic_update(x, _ops.add(x, increment))
    x.assign_add(increment)
    return x


def update_sub(x, decrement):
    """Subtract `decrement` from the variable `x`; returns `x` (symbolic `decrement`: see `update`)."""
    if _is_symbolic(decrement):
        return _graph.symbolic_update(x, _ops.subtract(x, decrement))
    x.assign_sub(decrement)
    return x


def moving_average_update(x, value, momentum):
    """`x = x * momentum + value * (1 - momentum)` for the variable `x`; returns `x`."""
    with torch.no_grad():
        value = torch.as_tensor(value, dtype=x.dtype, device=x.device) if not isinstance(value, torch.Tensor) \
            else value.detach().to(x.dtype)
        x.assign_sub((x.detach() - value) * (1.0 - float(momentum)))
    return x


def print_tensor(x, message="", summarize=3):
    """Print `message` and the value of `x`; returns `x`."""
    print(message, _ops.convert_to_numpy(x) if isinstance(x, torch.Tensor) else x)
    return x


def gradients(loss, variables):
    """The gradients of `loss` (summed over its elements) with respect to `variables`, as a list.

    Symbolic `loss` (from KerasTensors): symbolic gradients, evaluated by `K.function`. Real `loss`: computed
    now by torch autograd, keeping the graph (so they can be part of a loss themselves)."""
    return _graph.gradients(loss, variables)
