"""`keras.ops.nn`: activations, convolution and pooling, normalization, losses and attention on torch.

Image-like inputs follow Keras's `data_format` (default `keras.config.image_data_format()`, normally
`channels_last`). Channels-last inputs are handed to torch as permuted views (no copy), so torch's
channels-last kernels run on them directly.
"""
import builtins
import warnings

import torch
import torch.nn.functional as F

from torchkeras.api_export import keras_export
from torchkeras.backend import config
from torchkeras.ops.arguments import as_float as _float
from torchkeras.ops.arguments import as_tensor as _t
from torchkeras.ops.conv_geometry import CONV
from torchkeras.ops.conv_geometry import CONV_TRANSPOSE
from torchkeras.ops.conv_geometry import flat_pad
from torchkeras.ops.conv_geometry import same_paddings
from torchkeras.ops.conv_geometry import to_channels_first
from torchkeras.ops.conv_geometry import to_channels_last
from torchkeras.ops.conv_geometry import torch_conv_kernel
from torchkeras.ops.conv_geometry import torch_padding
from torchkeras.ops.conv_geometry import transpose_crops
from torchkeras.ops.core import result_type
from torchkeras.ops.core import tensor_like
from torchkeras.ops.core import tensors
from torchkeras.ops.core import to_torch_dtype
from torchkeras.ops.operation import keras_op

_NN = "keras.src.ops.nn"


def _is_int(x):
    return not x.is_floating_point() and not x.is_complex() and x.dtype != torch.bool


def _export(name):
    return keras_export(f"keras.ops.{name}", f"keras.ops.nn.{name}")


# --------------------------------------------------------------------------------------------------------
# Activations
# --------------------------------------------------------------------------------------------------------
@_export("relu")
@keras_op("Relu", module=_NN)
def relu(x):
    """`max(x, 0)`."""
    return F.relu(_t(x))


@_export("relu6")
@keras_op("Relu6", module=_NN)
def relu6(x):
    """`min(max(x, 0), 6)`. Integer inputs keep their dtype, as in Keras."""
    x = _t(x)
    if _is_int(x):
        return torch.clamp(x, 0, 6)
    return F.relu6(_float(x))


@_export("sigmoid")
@keras_op("Sigmoid", module=_NN)
def sigmoid(x):
    """`1 / (1 + exp(-x))`."""
    return torch.sigmoid(_float(x))


@_export("sparse_sigmoid")
@keras_op("SparseSigmoid", module=_NN)
def sparse_sigmoid(x):
    """0 for `x <= -1`, 1 for `x >= 1`, `(x + 1) / 2` in between."""
    x = _float(x)
    return torch.clamp(0.5 * (x + 1.0), 0.0, 1.0)


@_export("softplus")
@keras_op("Softplus", module=_NN)
def softplus(x):
    """`log(exp(x) + 1)`."""
    return F.softplus(_float(x))


@_export("softsign")
@keras_op("Softsign", module=_NN)
def softsign(x):
    """`x / (|x| + 1)`."""
    return F.softsign(_float(x))


@_export("soft_shrink")
@keras_op("SoftShrink", module=_NN)
def soft_shrink(x, threshold=0.5):
    """`x - threshold` above `threshold`, `x + threshold` below `-threshold`, 0 in between."""
    return F.softshrink(_float(x), lambd=threshold)


@_export("sparse_plus")
@keras_op("SparsePlus", module=_NN)
def sparse_plus(x):
    """0 for `x <= -1`, `(x + 1)**2 / 4` for `-1 < x < 1`, `x` for `x >= 1`."""
    x = _float(x)
    return torch.where(x <= -1, torch.zeros_like(x), torch.where(x < 1, 0.25 * (x + 1) ** 2, x))


@_export("silu")
@keras_op("Silu", module=_NN)
def silu(x):
    """`x * sigmoid(x)` (also called swish)."""
    return F.silu(_float(x))


@keras_export("keras.ops.swish", "keras.ops.nn.swish")
@keras_op("Silu", module=_NN)
def swish(x):
    """`x * sigmoid(x)` (an alias of `silu`)."""
    return F.silu(_float(x))


@_export("squareplus")
@keras_op("Squareplus", module=_NN)
def squareplus(x, b=4):
    """`(x + sqrt(x**2 + b)) / 2`."""
    x = _float(x)
    return (x + torch.sqrt(x * x + b)) / 2


@_export("log_sigmoid")
@keras_op("LogSigmoid", module=_NN)
def log_sigmoid(x):
    """`log(sigmoid(x))`, computed stably."""
    return F.logsigmoid(_float(x))


@_export("leaky_relu")
@keras_op("LeakyRelu", module=_NN)
def leaky_relu(x, negative_slope=0.2):
    """`x` for `x >= 0`, `negative_slope * x` otherwise."""
    return F.leaky_relu(_float(x), negative_slope=negative_slope)


@_export("hard_sigmoid")
@keras_op("HardSigmoid", module=_NN)
def hard_sigmoid(x):
    """`relu6(x + 3) / 6`."""
    return F.hardsigmoid(_float(x))


@_export("hard_silu")
@keras_op("HardSilu", module=_NN)
def hard_silu(x):
    """`x * relu6(x + 3) / 6` (also called hard swish)."""
    return F.hardswish(_float(x))


@keras_export("keras.ops.hard_swish", "keras.ops.nn.hard_swish")
@keras_op("HardSilu", module=_NN)
def hard_swish(x):
    """`x * relu6(x + 3) / 6` (an alias of `hard_silu`)."""
    return F.hardswish(_float(x))


@_export("elu")
@keras_op("Elu", module=_NN)
def elu(x, alpha=1.0):
    """`x` for `x > 0`, `alpha * (exp(x) - 1)` otherwise."""
    return F.elu(_float(x), alpha=alpha)


@_export("selu")
@keras_op("Selu", module=_NN)
def selu(x):
    """`scale * elu(x, alpha)` with scale 1.0507009873554805 and alpha 1.6732632423543772."""
    return F.selu(_float(x))


@_export("gelu")
@keras_op("Gelu", module=_NN)
def gelu(x, approximate=True):
    """Gaussian error linear unit; the tanh approximation when `approximate` (the default here)."""
    return F.gelu(_float(x), approximate="tanh" if approximate else "none")


@_export("celu")
@keras_op("Celu", module=_NN)
def celu(x, alpha=1.0):
    """`max(x, 0) + min(alpha * (exp(x / alpha) - 1), 0)`."""
    return F.celu(_float(x), alpha=alpha)


@_export("glu")
@keras_op("Glu", module=_NN)
def glu(x, axis=-1):
    """Gated linear unit: `a * sigmoid(b)` for the two halves `a`, `b` of `x` along `axis`."""
    x = _float(x)
    if x.shape[axis] % 2 != 0:
        raise ValueError(
            "axis size must be divisible by 2. "
            f"Received: x.shape={tuple(x.shape)} with axis={axis}"
        )
    return F.glu(x, dim=axis)


@_export("tanh_shrink")
@keras_op("TanhShrink", module=_NN)
def tanh_shrink(x):
    """`x - tanh(x)`."""
    return F.tanhshrink(_float(x))


@_export("hard_tanh")
@keras_op("HardTanh", module=_NN)
def hard_tanh(x):
    """`x` clipped to [-1, 1]. Integer inputs keep their dtype, as in Keras."""
    x = _t(x)
    if _is_int(x):
        return torch.clamp(x, 0 if x.dtype == torch.uint8 else -1, 1)
    return F.hardtanh(_float(x), min_val=-1.0, max_val=1.0)


@_export("hard_shrink")
@keras_op("HardShrink", module=_NN)
def hard_shrink(x, threshold=0.5):
    """`x` where `|x| > threshold`, else 0."""
    return F.hardshrink(_float(x), lambd=threshold)


@_export("threshold")
@keras_op("Threshold", module=_NN)
def threshold(x, threshold, default_value):
    """`x` where `x > threshold`, else `default_value`. Integer inputs keep their dtype, as in Keras."""
    x = _t(x)
    if _is_int(x):
        return torch.where(x > threshold, x, torch.tensor(default_value, device=x.device).to(x.dtype))
    return F.threshold(_float(x), threshold, default_value)


def _softmax_like(x, axis, torch_fn):
    x = _t(x)
    out_dtype = x.dtype if x.is_floating_point() else to_torch_dtype(config.floatx())
    xc = x
    if not x.is_floating_point() or (x.dtype == torch.float16 and x.device.type == "cpu"):
        xc = x.to(torch.float32)
    if axis is None:
        out = torch_fn(xc.reshape(-1), dim=-1).reshape(x.shape)
    elif isinstance(axis, (tuple, list)):
        axes = sorted(a % x.dim() for a in axis)
        keep = [d for d in range(x.dim()) if d not in axes]
        moved = xc.permute(keep + axes)
        flat = moved.reshape([x.shape[d] for d in keep] + [-1])
        out = torch_fn(flat, dim=-1).reshape(moved.shape)
        inverse = [0] * x.dim()
        for i, d in enumerate(keep + axes):
            inverse[d] = i
        out = out.permute(inverse)
    else:
        out = torch_fn(xc, dim=axis)
    return out.to(out_dtype)


@_export("softmax")
@keras_op("Softmax", module=_NN)
def softmax(x, axis=-1):
    """`exp(x) / sum(exp(x))` along `axis` (an int, a tuple of ints, or None for all axes)."""
    x = _t(x)
    if isinstance(axis, int) and -x.dim() <= axis < x.dim() and x.shape[axis] == 1:
        warnings.warn(
            f"You are using a softmax over axis {axis} of a tensor of shape {tuple(x.shape)}. This axis has "
            "size 1. The softmax operation will always return the value 1, which is likely not what you "
            "intended. Did you mean to use a sigmoid instead?",
            stacklevel=3,
        )
    return _softmax_like(x, axis, F.softmax)


@_export("log_softmax")
@keras_op("LogSoftmax", module=_NN)
def log_softmax(x, axis=-1):
    """`x - log(sum(exp(x)))` along `axis`."""
    return _softmax_like(x, axis, F.log_softmax)


@_export("sparsemax")
@keras_op("Sparsemax", module=_NN)
def sparsemax(x, axis=-1):
    """Sparsemax: the Euclidean projection of `x` onto the probability simplex along `axis`."""
    x = _float(x)
    z, _ = torch.sort(x, dim=axis, descending=True)
    cum = torch.cumsum(z, dim=axis)
    k = torch.arange(1, x.shape[axis] + 1, device=x.device, dtype=x.dtype)
    shape = [1] * x.dim()
    shape[axis] = -1
    k = k.reshape(shape)
    support = (1 + k * z) > cum
    k_z = support.sum(dim=axis, keepdim=True)
    tau = (torch.gather(cum, axis, k_z - 1) - 1) / k_z.to(x.dtype)
    return torch.clamp(x - tau, min=0.0)


# --------------------------------------------------------------------------------------------------------
# Convolution and pooling helpers
# --------------------------------------------------------------------------------------------------------
def _tuple(value, n, name):
    if isinstance(value, int):
        return (value,) * n
    value = tuple(int(v) for v in value)
    if len(value) == 1 and n > 1:
        return value * n
    if len(value) != n:
        raise ValueError(f"The `{name}` argument must be a tuple of {n} integers. Received: {name}={value}")
    return value


def _data_format(data_format):
    return config.standardize_data_format(data_format)


def _check_rank(x, what):
    if x.dim() not in (3, 4, 5):
        raise ValueError(
            f"Inputs to {what} must have ndim=3, 4 or 5, corresponding to 1D, 2D and 3D inputs. "
            f"Received input shape: {tuple(x.shape)}."
        )


def _check_padding(padding):
    padding = padding.lower() if isinstance(padding, str) else padding
    if padding not in ("valid", "same"):
        raise ValueError(f"The `padding` argument must be one of 'valid', 'same'. Received: padding={padding}")
    return padding


def _conv_args(x, strides, dilation_rate, padding, what):
    """Check a convolution's input rank and arguments: (spatial rank, strides, dilation, padding)."""
    _check_rank(x, what)
    nd = x.dim() - 2
    strides = _tuple(strides, nd, "strides")
    dilation = _tuple(dilation_rate, nd, "dilation_rate")
    return nd, strides, dilation, _check_padding(padding)


def _common_dtype(x, weight):
    """`x` and `weight` in their promoted dtype."""
    if x.dtype != weight.dtype:
        common = torch.promote_types(x.dtype, weight.dtype)
        x, weight = x.to(common), weight.to(common)
    return x, weight


_MAX_POOL = {1: F.max_pool1d, 2: F.max_pool2d, 3: F.max_pool3d}
_AVG_POOL = {1: F.avg_pool1d, 2: F.avg_pool2d, 3: F.avg_pool3d}


# --------------------------------------------------------------------------------------------------------
# Pooling
# --------------------------------------------------------------------------------------------------------
def _pool(inputs, pool_size, strides, padding, data_format, kind):
    x = _t(inputs)
    _check_rank(x, "pooling op")
    nd = x.dim() - 2
    pool_size = _tuple(pool_size, nd, "pool_size")
    strides = pool_size if strides is None else _tuple(strides, nd, "strides")
    padding = _check_padding(padding)
    channels_last = _data_format(data_format) == "channels_last"
    if channels_last:
        x = to_channels_first(x)
    compute = x
    if not x.is_floating_point():
        compute = x.to(to_torch_dtype(config.floatx()))
    symmetric = 0
    if padding == "same":
        pads = same_paddings(compute.shape[2:], pool_size, strides, (1,) * nd)
        symmetric = torch_padding(pads)
        if symmetric is None:
            # Asymmetric: extend the border by replication (a max is unaffected; for averages this is
            # what Keras's torch backend computes).
            symmetric = 0
            compute = F.pad(compute, flat_pad(pads), mode="replicate") if nd > 0 else compute
    if kind == "max":
        out = _MAX_POOL[nd](compute, kernel_size=pool_size, stride=strides, padding=symmetric)
    else:
        out = _AVG_POOL[nd](compute, kernel_size=pool_size, stride=strides, padding=symmetric,
                            count_include_pad=False)
    out = out.to(x.dtype) if out.dtype != x.dtype else out  # integer averages truncate, as torch's int64 pools
    return to_channels_last(out) if channels_last else out


@_export("max_pool")
@keras_op("MaxPool", module=_NN)
def max_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    """Max pooling over 1, 2 or 3 spatial dims (`strides` default to `pool_size`)."""
    return _pool(inputs, pool_size, strides, padding, data_format, "max")


@_export("average_pool")
@keras_op("AveragePool", module=_NN)
def average_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    """Average pooling over 1, 2 or 3 spatial dims (padding is not counted in the averages)."""
    return _pool(inputs, pool_size, strides, padding, data_format, "avg")


def _adaptive_pool(inputs, output_size, data_format, kind):
    x = _t(inputs)
    _check_rank(x, "adaptive pooling")
    nd = x.dim() - 2
    size = output_size if (isinstance(output_size, int) and nd == 1) else _tuple(output_size, nd, "output_size")
    channels_last = _data_format(data_format) == "channels_last"
    if channels_last:
        x = to_channels_first(x)
    if kind == "max":
        fn = {1: F.adaptive_max_pool1d, 2: F.adaptive_max_pool2d, 3: F.adaptive_max_pool3d}[nd]
    else:
        fn = {1: F.adaptive_avg_pool1d, 2: F.adaptive_avg_pool2d, 3: F.adaptive_avg_pool3d}[nd]
    # torch pools only floats: other dtypes are pooled in float64 and given back in their dtype.
    out = fn(x if x.is_floating_point() else x.to(torch.float64), size)
    out = out[0] if isinstance(out, tuple) else out
    out = out.to(x.dtype) if out.dtype != x.dtype else out  # integer averages truncate, as in `average_pool`
    return to_channels_last(out) if channels_last else out


@_export("adaptive_average_pool")
@keras_op("AdaptiveAveragePool", module=_NN)
def adaptive_average_pool(inputs, output_size, data_format=None):
    """Average pooling to a fixed spatial `output_size`."""
    return _adaptive_pool(inputs, output_size, data_format, "avg")


@_export("adaptive_max_pool")
@keras_op("AdaptiveMaxPool", module=_NN)
def adaptive_max_pool(inputs, output_size, data_format=None):
    """Max pooling to a fixed spatial `output_size`."""
    return _adaptive_pool(inputs, output_size, data_format, "max")


# --------------------------------------------------------------------------------------------------------
# Convolution
# --------------------------------------------------------------------------------------------------------
@_export("conv")
@keras_op("Conv", module=_NN)
def conv(inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    """N-D convolution of `inputs` with a Keras-layout `kernel` `(*spatial, in_channels / groups, out)`."""
    x, kernel = tensors(inputs, kernel)
    nd, strides, dilation, padding = _conv_args(x, strides, dilation_rate, padding, "conv operation")
    channels_last = _data_format(data_format) == "channels_last"
    x, weight = _common_dtype(x, torch_conv_kernel(kernel))
    in_channels = x.shape[-1] if channels_last else x.shape[1]
    kernel_in = weight.shape[1]
    if kernel_in == 0 or in_channels % kernel_in != 0:
        raise ValueError(
            f"The number of input channels must be evenly divisible by kernel.shape[-2]. Received: "
            f"inputs.shape={tuple(inputs.shape)}, kernel.shape={tuple(kernel.shape)}"
        )
    symmetric = 0
    if padding == "same":
        spatial = x.shape[1:-1] if channels_last else x.shape[2:]
        pads = same_paddings(spatial, weight.shape[2:], strides, dilation)
        symmetric = torch_padding(pads)
        if symmetric is None:
            # Asymmetric (TF rule: the extra pixel goes last): zero-pad in the input's own layout, so a
            # channels-last input stays channels-last in memory.
            symmetric = 0
            flat = flat_pad(pads)
            x = F.pad(x, ([0, 0] + flat) if channels_last else flat)
    if channels_last:
        x = to_channels_first(x)
    out = CONV[nd](x, weight, stride=strides, padding=symmetric, dilation=dilation,
                   groups=in_channels // kernel_in)
    return to_channels_last(out) if channels_last else out


@_export("depthwise_conv")
@keras_op("DepthwiseConv", module=_NN)
def depthwise_conv(inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    """Depthwise convolution; `kernel` is `(*spatial, in_channels, channel_multiplier)`."""
    x, kernel = tensors(inputs, kernel)
    channel_axis = -1 if _data_format(data_format) == "channels_last" else 1
    if x.shape[channel_axis] != kernel.shape[-2]:
        raise ValueError(
            "The number of input channels must match kernel.shape[-2]. Received: "
            f"inputs.shape={tuple(x.shape)}, kernel.shape={tuple(kernel.shape)}"
        )
    kernel = kernel.reshape(tuple(kernel.shape[:-2]) + (1, kernel.shape[-2] * kernel.shape[-1]))
    return conv(x, kernel, strides, padding, data_format, dilation_rate)


@_export("separable_conv")
@keras_op("SeparableConv", module=_NN)
def separable_conv(inputs, depthwise_kernel, pointwise_kernel, strides=1, padding="valid", data_format=None,
                   dilation_rate=1):
    """A depthwise convolution followed by a pointwise (1x1) convolution."""
    x = depthwise_conv(inputs, depthwise_kernel, strides, padding, data_format, dilation_rate)
    return conv(x, pointwise_kernel, 1, "valid", data_format, dilation_rate)


@_export("conv_transpose")
@keras_op("ConvTranspose", module=_NN)
def conv_transpose(inputs, kernel, strides=1, padding="valid", output_padding=None, data_format=None,
                   dilation_rate=1):
    """Transposed convolution; `kernel` is `(*spatial, out_channels, in_channels)` as in Keras."""
    x, kernel = tensors(inputs, kernel)
    nd, strides, dilation, padding = _conv_args(x, strides, dilation_rate, padding, "conv transpose operation")
    out_pad = [None] * nd if output_padding is None else list(_tuple(output_padding, nd, "output_padding"))
    channels_last = _data_format(data_format) == "channels_last"
    if channels_last:
        x = to_channels_first(x)
    if x.shape[1] != kernel.shape[-1]:
        raise ValueError(
            "The number of input channels must match kernel.shape[-1]. Received: "
            f"inputs.shape={tuple(inputs.shape)}, kernel.shape={tuple(kernel.shape)}"
        )
    # Keras (*spatial, out, in) -> torch (in, out, *spatial).
    x, weight = _common_dtype(x, kernel.permute(nd + 1, nd, *range(nd)))
    result = x.dtype
    if not x.is_floating_point():  # torch has no integer transposed convolution: exact in float64
        x, weight = x.to(torch.float64), weight.to(torch.float64)
    out = CONV_TRANSPOSE[nd](x, weight, stride=strides, dilation=dilation).to(result)
    crops = [
        transpose_crops(weight.shape[2 + i], strides[i], dilation[i], padding, out_pad[i]) for i in range(nd)
    ]
    index = [slice(None), slice(None)]
    for left, right in crops:
        index.append(slice(builtins.max(left, 0), -right if right > 0 else None))
    out = out[tuple(index)]
    if builtins.any(left < 0 or right < 0 for left, right in crops):
        out = F.pad(out, flat_pad([(builtins.max(-left, 0), builtins.max(-right, 0)) for left, right in crops]))
    return to_channels_last(out) if channels_last else out


# --------------------------------------------------------------------------------------------------------
# Encodings
# --------------------------------------------------------------------------------------------------------
@_export("one_hot")
@keras_op("OneHot", module=_NN)
def one_hot(x, num_classes, axis=-1, dtype=None, sparse=False):
    """One-hot encoding of integer `x` along a new `axis`; negative or out-of-range values give zeros."""
    if sparse:
        raise ValueError("Unsupported value `sparse=True` with the torch backend.")
    x = _t(x).to(torch.int64)
    dt = to_torch_dtype(dtype or config.floatx())
    classes = torch.arange(int(num_classes), device=x.device)
    out = (x.unsqueeze(-1) == classes).to(dt)
    if axis != -1 and axis != out.dim() - 1:
        out = torch.movedim(out, -1, axis)
    return out


@_export("multi_hot")
@keras_op("MultiHot", module=_NN)
def multi_hot(inputs, num_classes=None, axis=-1, dtype=None, sparse=False, **kwargs):
    """Multi-hot encoding: 1 at every class present in each row of integer `inputs`."""
    if num_classes is None and "num_tokens" in kwargs:
        num_classes = kwargs.pop("num_tokens")
    if num_classes is None:
        raise ValueError("Argument `num_classes` must be specified.")
    if kwargs:
        raise TypeError(f"multi_hot() got unexpected keyword arguments: {sorted(kwargs)}")
    x = _t(inputs)
    reduction_axis = 1 if x.dim() > 1 else 0
    encoded = one_hot(x.to(torch.int32), num_classes, axis=axis, dtype=dtype, sparse=sparse)
    return torch.amax(encoded, dim=reduction_axis)


# --------------------------------------------------------------------------------------------------------
# Losses (per-sample values, as Keras's torch backend computes them)
# --------------------------------------------------------------------------------------------------------
def _same_shape_pair(target, output):
    """`target` and `output` as tensors, which must have the same shape."""
    target, output = tensors(target, output)
    if tuple(target.shape) != tuple(output.shape):
        raise ValueError(
            "Arguments `target` and `output` must have the same shape. Received: "
            f"target.shape={target.shape}, output.shape={output.shape}"
        )
    return target, output


@_export("binary_crossentropy")
@keras_op("BinaryCrossentropy", module=_NN)
def binary_crossentropy(target, output, from_logits=False):
    """Elementwise binary crossentropy; probabilities are clipped to `[epsilon, 1 - epsilon]`."""
    target, output = _same_shape_pair(target, output)
    output = _float(output)
    if from_logits:
        loss = F.binary_cross_entropy_with_logits(output, target.to(output.dtype), reduction="none")
        # In the target's float dtype, as Keras on torch returns it.
        return loss.to(target.dtype) if target.is_floating_point() else loss
    target = target.to(output.dtype)
    eps = config.epsilon()
    p = torch.clamp(output, eps, 1.0 - eps)
    return -(target * torch.log(p) + (1.0 - target) * torch.log1p(-p))


@_export("categorical_crossentropy")
@keras_op("CategoricalCrossentropy", module=_NN)
def categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """Crossentropy between one-hot (or soft) `target` and `output` along `axis`.

    Probabilities are renormalized to sum to 1 and clipped to `[epsilon, 1 - epsilon]`.
    """
    target, output = _same_shape_pair(target, output)
    if target.dim() < 1:
        raise ValueError(
            "Arguments `target` and `output` must be at least rank 1. Received: "
            f"target.shape={target.shape}, output.shape={output.shape}"
        )
    output = _float(output)
    target = target.to(output.dtype)
    if from_logits:
        log_prob = F.log_softmax(output, dim=axis)
    else:
        eps = config.epsilon()
        p = output / torch.sum(output, dim=axis, keepdim=True)
        log_prob = torch.log(torch.clamp(p, eps, 1.0 - eps))
    return -torch.sum(target * log_prob, dim=axis)


@_export("sparse_categorical_crossentropy")
@keras_op("SparseCategoricalCrossentropy", module=_NN)
def sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """Crossentropy between integer class `target` and `output` (classes along `axis`)."""
    target, output = tensors(target, output)
    target = target.to(torch.int64)
    output = _float(output)
    if output.dim() < 1:
        raise ValueError(f"Argument `output` must be at least rank 1. Received: output.shape={output.shape}")
    if target.dim() == output.dim() and target.shape[axis] == 1:
        target = torch.squeeze(target, dim=axis)
    expected = list(output.shape)
    del expected[axis]
    if list(target.shape) != expected:
        raise ValueError(
            "Arguments `target` and `output` must have the same shape up until the last dimension: "
            f"target.shape={target.shape}, output.shape={output.shape}"
        )
    squeeze = output.dim() == 1
    if squeeze:
        output, target = output.unsqueeze(0), target.unsqueeze(0)
    else:
        output = torch.movedim(output, axis % output.dim(), 1)
    if from_logits:
        out = F.cross_entropy(output, target, reduction="none")
    else:
        eps = config.epsilon()
        p = output / torch.sum(output, dim=1, keepdim=True)
        out = F.nll_loss(torch.log(torch.clamp(p, eps, 1.0 - eps)), target, reduction="none")
    return out.squeeze(0) if squeeze else out


# --------------------------------------------------------------------------------------------------------
# Normalization
# --------------------------------------------------------------------------------------------------------
@_export("moments")
@keras_op("Moments", module=_NN)
def moments(x, axes, keepdims=False, synchronized=False):
    """Mean and (population) variance of `x` over `axes`."""
    if synchronized:
        raise NotImplementedError(
            "Argument synchronized=True is not supported with PyTorch. Compute the moments per process, "
            "or use torch.distributed to reduce them."
        )
    x = _t(x)
    out_dtype = x.dtype
    if x.dtype in (torch.float16, torch.bfloat16) or not x.is_floating_point():
        x = x.to(torch.float32)
    axes = (axes,) if isinstance(axes, int) else tuple(axes)
    variance, mean = torch.var_mean(x, dim=axes, keepdim=keepdims, correction=0)
    if out_dtype in (torch.float16, torch.bfloat16):
        info = torch.finfo(out_dtype)
        mean = torch.clamp(mean, info.min, info.max).to(out_dtype)
        variance = torch.clamp(variance, info.min, info.max).to(out_dtype)
    return mean, variance


def _along(v, axis, ndim):
    shape = [1] * ndim
    shape[axis] = -1
    return v.reshape(shape)


@_export("batch_normalization")
@keras_op("BatchNorm", module=_NN)
def batch_normalization(x, mean, variance, axis, offset=None, scale=None, epsilon=1e-3):
    """`(x - mean) / sqrt(variance + epsilon) * scale + offset`, the statistics laid along `axis`."""
    x = _t(x)
    mean, variance = tensor_like(mean, x), tensor_like(variance, x)
    if not x.is_floating_point():  # integer statistics would wrap around: computed in floatx
        x = _float(x)
        mean, variance = mean.to(x.dtype), variance.to(x.dtype)
    axis = axis % x.dim()
    mean = _along(mean, axis, x.dim())
    inv = torch.rsqrt(_along(variance, axis, x.dim()) + epsilon)
    if scale is not None:
        inv = inv * _along(tensor_like(scale, x), axis, x.dim())
    out = (x - mean) * inv
    if offset is not None:
        out = out + _along(tensor_like(offset, x), axis, x.dim())
    return out


def _norm_compute_dtype(x):
    """float64 for float64 inputs, else at least float32."""
    return torch.float64 if x.dtype == torch.float64 else to_torch_dtype(result_type(x.dtype, "float32"))


def _norm_axes(axis, ndim):
    axes = [axis] if isinstance(axis, int) else list(axis)
    return sorted(a % ndim for a in axes)


def _trailing(axes, ndim):
    return axes == list(range(ndim - len(axes), ndim))


@_export("layer_normalization")
@keras_op("LayerNorm", module=_NN)
def layer_normalization(x, gamma=None, beta=None, axis=-1, epsilon=None, **kwargs):
    """Normalize `x` to zero mean and unit variance over `axis`, then scale by `gamma` and add `beta`."""
    rms_scaling = kwargs.pop("rms_scaling", False)
    if kwargs:
        raise TypeError(f"layer_normalization() got unexpected keyword arguments: {sorted(kwargs)}")
    if rms_scaling:
        warnings.warn(
            "You passed `rms_scaling=True`, which is deprecated. This argument incorrectly scales the input "
            "by the variance, not the root mean square. To correctly use RMS Normalization, please use "
            "`keras.ops.rms_normalization` / `keras.ops.nn.rms_normalization` instead.",
            stacklevel=3,
        )
    eps = config.epsilon() if epsilon is None else epsilon
    x = _t(x)
    out_dtype = x.dtype
    compute = _norm_compute_dtype(x)
    x = x.to(compute)
    gamma = tensor_like(gamma, x).to(compute) if gamma is not None else None
    beta = tensor_like(beta, x).to(compute) if beta is not None else None
    axes = _norm_axes(axis, x.dim())
    shape = [x.shape[a] if a in axes else 1 for a in range(x.dim())]

    def bcast(v):
        if v is None or v.dim() == x.dim() or axes == [x.dim() - 1]:
            return v
        return v.reshape(shape)

    if rms_scaling:
        inv = torch.rsqrt(torch.var(x, dim=axes, keepdim=True, correction=0) + eps)
        out = x * inv
        if gamma is not None:
            out = out * bcast(gamma)
    elif _trailing(axes, x.dim()):
        normalized = tuple(x.shape[a] for a in axes)
        w = gamma.reshape(normalized) if gamma is not None else None
        b = beta.reshape(normalized) if beta is not None else None
        out = F.layer_norm(x, normalized, w, b, eps)
    else:
        variance, mean = torch.var_mean(x, dim=axes, keepdim=True, correction=0)
        inv = torch.rsqrt(variance + eps)
        out = (x - mean) * inv
        if gamma is not None:
            out = out * bcast(gamma)
        if beta is not None:
            out = out + bcast(beta)
    return out.to(out_dtype)


@_export("rms_normalization")
@keras_op("RMSNorm", module=_NN)
def rms_normalization(x, scale=None, axis=-1, epsilon=None):
    """`x / sqrt(mean(x**2) + epsilon) * scale` over `axis`."""
    eps = config.epsilon() if epsilon is None else epsilon
    x = _t(x)
    out_dtype = x.dtype
    compute = _norm_compute_dtype(x)
    x = x.to(compute)
    if x.dim() == 0:
        x = x.reshape(1)
    axes = _norm_axes(axis, x.dim())
    scale = tensor_like(scale, x).to(compute) if scale is not None else None
    if _trailing(axes, x.dim()):
        normalized = tuple(x.shape[a] for a in axes)
        out = F.rms_norm(x, normalized, scale.reshape(normalized) if scale is not None else None, eps)
    else:
        out = x * torch.rsqrt(torch.mean(x * x, dim=axes, keepdim=True) + eps)
        if scale is not None:
            out = out * scale
    return out.to(out_dtype)


@_export("normalize")
@keras_op("Normalize", module=_NN)
def normalize(x, axis=-1, order=2, epsilon=None):
    """`x / max(norm(x, order), epsilon)` along `axis` (L2 by default)."""
    if not isinstance(order, int) or order < 1:
        raise ValueError(f"Argument `order` must be an int >= 1. Received: order={order}")
    x = _float(x)
    if x.dim() == 0:
        x = x.reshape(1)
    eps = config.epsilon() if epsilon is None else epsilon
    if order == 2:
        inv = torch.rsqrt(torch.sum(x * x, dim=axis, keepdim=True))
        # 1 / epsilon overflows float16 to inf, as in Keras: the bound then never applies.
        bound = torch.full((), 1.0 / eps, dtype=torch.float64, device=x.device).to(inv.dtype)
        return x * torch.minimum(inv, bound)
    norm = torch.linalg.vector_norm(x, ord=order, dim=axis, keepdim=True)
    return x / torch.clamp(norm, min=eps)


@_export("psnr")
@keras_op("PSNR", module=_NN)
def psnr(x1, x2, max_val):
    """Peak signal-to-noise ratio between two images, in dB."""
    x1, x2 = tensors(x1, x2)
    if tuple(x1.shape) != tuple(x2.shape):
        raise ValueError(
            f"Input shapes {tuple(x1.shape)} and {tuple(x2.shape)} must match for PSNR calculation. "
        )
    x1, x2 = _float(x1), _float(x2)
    max_val = tensor_like(max_val, x1).to(x1.dtype)
    mse = torch.mean((x1 - x2) ** 2)
    return 20 * torch.log10(max_val) - 10 * torch.log10(mse)


# --------------------------------------------------------------------------------------------------------
# Attention
# --------------------------------------------------------------------------------------------------------
def _large_negative(dtype):
    return -0.7 * (65500.0 if dtype == torch.float16 else 3.38953e38)


@_export("dot_product_attention")
@keras_op("DotProductAttention", module=_NN)
def dot_product_attention(query, key, value, bias=None, mask=None, scale=None, is_causal=False,
                          flash_attention=None, attn_logits_soft_cap=None):
    """Scaled dot-product attention on `(batch, seq, heads, head_dim)` tensors.

    `mask` is boolean (True = attend), `bias` is added to the logits; only one of them may be given.
    Grouped-query attention is supported (query heads a multiple of key/value heads).
    """
    if attn_logits_soft_cap is not None:
        raise ValueError(
            "attn_logits_soft_cap is only supported for JAX on TPU. Set attn_logits_soft_cap=None when not "
            "using JAX on TPU."
        )
    query, key, value = tensors(query, key, value)
    if query.dim() != 4 or key.dim() != 4 or value.dim() != 4:
        raise ValueError(
            "`dot_product_attention` only supports 4D inputs. Received: "
            f"query.shape={tuple(query.shape)}, key.shape={tuple(key.shape)}, value.shape={tuple(value.shape)}."
        )
    if bias is not None and mask is not None:
        raise ValueError("Only one of `bias` and `mask` can be provided. Received both.")
    compute = to_torch_dtype(result_type(query.dtype, key.dtype, value.dtype))
    query, key, value = query.to(compute), key.to(compute), value.to(compute)
    attn_mask = None
    if mask is not None:
        mask = tensor_like(mask, query).to(torch.bool)
        if is_causal:
            q_len, kv_len = query.shape[1], key.shape[1]
            causal = torch.ones((q_len, kv_len), dtype=torch.bool, device=query.device).tril()
            mask = mask & causal
        is_causal = False
        attn_mask = torch.where(
            mask,
            torch.zeros((), dtype=compute, device=query.device),
            torch.full((), _large_negative(compute), dtype=compute, device=query.device),
        )
    if bias is not None:
        attn_mask = tensor_like(bias, query).to(compute)
    q = query.transpose(1, 2)
    k = key.transpose(1, 2)
    v = value.transpose(1, 2)
    q_heads, kv_heads = q.shape[1], k.shape[1]
    if q_heads > kv_heads and kv_heads > 1:
        if q_heads % kv_heads != 0:
            raise ValueError(
                f"The number of query heads ({q_heads}) must be a multiple of the number of key/value heads "
                f"({kv_heads})."
            )
        k = torch.repeat_interleave(k, q_heads // kv_heads, dim=1)
        v = torch.repeat_interleave(v, q_heads // kv_heads, dim=1)
    if flash_attention is True:
        if query.device.type != "cuda" or attn_mask is not None:
            raise RuntimeError(
                "Flash attention is not supported with the provided inputs: it needs CUDA tensors and no "
                "`mask` or `bias`. Pass flash_attention=None to choose automatically."
            )
        with torch.nn.attention.sdpa_kernel(backends=[torch.nn.attention.SDPBackend.FLASH_ATTENTION]):
            out = F.scaled_dot_product_attention(q, k, v, is_causal=is_causal, scale=scale)
    else:
        out = F.scaled_dot_product_attention(
            q.contiguous(), k.contiguous(), v.contiguous(),
            attn_mask=attn_mask.contiguous() if attn_mask is not None else None,
            is_causal=is_causal, scale=scale,
        )
    return out.transpose(1, 2)


# --------------------------------------------------------------------------------------------------------
# CTC
# --------------------------------------------------------------------------------------------------------
@_export("ctc_loss")
@keras_op("CTCLoss", module=_NN)
def ctc_loss(target, output, target_length, output_length, mask_index=0):
    """CTC loss per batch item; `output` holds logits `(batch, time, classes)`."""
    output = _t(output)
    target, target_length, output_length = tensors(target, target_length, output_length)
    compute = to_torch_dtype(result_type(output.dtype, "float32"))
    log_probs = F.log_softmax(output.to(compute).transpose(0, 1), dim=-1)
    return F.ctc_loss(
        log_probs, target.to(torch.int64), output_length.to(torch.int64), target_length.to(torch.int64),
        blank=mask_index, reduction="none", zero_infinity=False,
    )


def _ctc_greedy(inputs, lengths, merge_repeated, mask_index):
    batch, max_len, classes = inputs.shape
    if mask_index is None:
        mask_index = classes - 1
    scores, indices = torch.max(inputs, dim=-1)
    indices = indices.to(torch.int32)
    beyond = torch.arange(max_len, device=inputs.device).unsqueeze(0) >= lengths.unsqueeze(1)
    indices = torch.where(beyond, torch.full_like(indices, mask_index), indices)
    scores = torch.where(beyond, torch.zeros_like(scores), scores)
    if merge_repeated:
        repeat = torch.zeros_like(beyond)
        repeat[:, 1:] = indices[:, 1:] == indices[:, :-1]
        indices = torch.where(repeat, torch.full_like(indices, mask_index), indices)
    invalid = indices == mask_index
    indices = torch.where(invalid, torch.full_like(indices, -1), indices)
    # Move the kept labels to the front, in order.
    order = torch.arange(max_len, device=inputs.device).unsqueeze(0).expand(batch, max_len)
    order = torch.where(invalid, torch.full_like(order, max_len), order)
    order = torch.argsort(order, dim=-1, stable=True)
    indices = torch.take_along_dim(indices, order, dim=-1)
    return indices.unsqueeze(0), -torch.sum(scores, dim=1, keepdim=True)


def _ctc_beam_search(inputs, lengths, beam_width, top_paths, mask_index):
    """Prefix beam search over log-probabilities, one batch item at a time (host-side bookkeeping)."""
    import math

    log_probs = F.log_softmax(inputs.to(torch.float32), dim=-1).cpu()
    batch, max_len, classes = log_probs.shape
    if mask_index is None:
        mask_index = classes - 1
    lengths = lengths.cpu().tolist()

    def logadd(a, b):
        if a == -math.inf:
            return b
        if b == -math.inf:
            return a
        m = builtins.max(a, b)
        return m + math.log(math.exp(a - m) + math.exp(b - m))

    all_paths, all_scores = [], []
    for b in range(batch):
        beams = {(): (0.0, -math.inf)}  # prefix -> (log p ending in blank, log p ending in label)
        for t in range(int(lengths[b])):
            row = log_probs[b, t].tolist()
            nxt = {}
            for prefix, (p_blank, p_label) in beams.items():
                total = logadd(p_blank, p_label)
                nb, nl = nxt.get(prefix, (-math.inf, -math.inf))
                nxt[prefix] = (logadd(nb, total + row[mask_index]), nl)
                for c in range(classes):
                    if c == mask_index:
                        continue
                    new = prefix + (c,)
                    nb, nl = nxt.get(new, (-math.inf, -math.inf))
                    if prefix and prefix[-1] == c:
                        nxt[new] = (nb, logadd(nl, p_blank + row[c]))
                        ob, ol = nxt[prefix]
                        nxt[prefix] = (ob, logadd(ol, p_label + row[c]))
                    else:
                        nxt[new] = (nb, logadd(nl, total + row[c]))
            ranked = sorted(nxt.items(), key=lambda kv: logadd(*kv[1]), reverse=True)
            beams = dict(ranked[:beam_width])
        ranked = sorted(beams.items(), key=lambda kv: logadd(*kv[1]), reverse=True)[:top_paths]
        while len(ranked) < top_paths:
            ranked.append(((), (-math.inf, -math.inf)))
        all_paths.append([p for p, _ in ranked])
        all_scores.append([logadd(*s) for _, s in ranked])
    width = builtins.max([max_len] + [len(p) for paths in all_paths for p in paths])
    decoded = torch.full((top_paths, batch, width), -1, dtype=torch.int32)
    for b, paths in enumerate(all_paths):
        for k, p in enumerate(paths):
            if p:
                decoded[k, b, :len(p)] = torch.tensor(p, dtype=torch.int32)
    decoded = decoded[:, :, :max_len]
    scores = torch.tensor(all_scores, dtype=inputs.dtype if inputs.is_floating_point() else torch.float32)
    return decoded.to(inputs.device), scores.to(inputs.device)


@_export("ctc_decode")
@keras_op("CTCDecode", module=_NN)
def ctc_decode(inputs, sequence_lengths, strategy="greedy", beam_width=100, top_paths=1, merge_repeated=True,
               mask_index=0):
    """Decode CTC outputs `(batch, time, classes)`: `(decoded (top_paths, batch, time), scores)`.

    Decoded labels are padded with -1. `strategy` is `'greedy'` or `'beam_search'`.
    """
    inputs = _t(inputs)
    inputs = inputs.to(to_torch_dtype(result_type(inputs.dtype, "float32")))  # scores in float32, as Keras
    lengths = tensor_like(sequence_lengths, inputs).to(torch.int32)
    if strategy == "greedy":
        return _ctc_greedy(inputs, lengths, merge_repeated, mask_index)
    if strategy == "beam_search":
        return _ctc_beam_search(inputs, lengths, beam_width, top_paths, mask_index)
    raise ValueError(f"Invalid strategy {strategy}. Supported values are 'greedy' and 'beam_search'.")


# --------------------------------------------------------------------------------------------------------
# Other
# --------------------------------------------------------------------------------------------------------
@_export("polar")
@keras_op("Polar", module=_NN)
def polar(abs_, angle):
    """The complex number with magnitude `abs_` and phase `angle`."""
    abs_, angle = tensors(abs_, angle)
    abs_, angle = _float(abs_), _float(angle)
    if abs_.dtype == torch.float16 or angle.dtype == torch.float16:
        # torch has no polar kernel for float16: complex32 from the parts, as Keras's torch backend does.
        return torch.complex(abs_ * torch.cos(angle), abs_ * torch.sin(angle))
    return torch.polar(abs_, angle)


@_export("unfold")
@keras_op("Unfold", module=_NN)
def unfold(x, kernel_size, dilation=1, padding=0, stride=1):
    """Extract sliding local blocks of an NCHW `x`: `(N, C * kh * kw, L)`."""
    x = _t(x)
    if x.is_floating_point():
        return F.unfold(x, kernel_size=kernel_size, dilation=dilation, padding=padding, stride=stride)
    # torch has no im2col kernel for other dtypes: exact in float64, given back in their dtype.
    return F.unfold(x.to(torch.float64), kernel_size=kernel_size, dilation=dilation, padding=padding,
                    stride=stride).to(x.dtype)


@_export("fold")
@keras_op("Fold", module=_NN)
def fold(x, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """Sum sliding local blocks `(N, C * kh * kw, L)` back into an NCHW tensor of `output_size`."""
    x = _t(x)
    compute = x if x.is_floating_point() else x.to(torch.float64)  # no col2im kernel for other dtypes
    out = F.fold(compute, output_size=output_size, kernel_size=kernel_size, dilation=dilation, padding=padding,
                 stride=stride)
    return out.to(x.dtype) if out.dtype != x.dtype else out


@_export("depth_to_space")
@keras_op("DepthToSpace", module=_NN)
def depth_to_space(x, block_size, data_format="channels_last"):
    """Move blocks of channels into `block_size` x `block_size` spatial blocks (TF ordering)."""
    x = _t(x)
    b = int(block_size)
    if _data_format(data_format) == "channels_last":
        n, h, w, c = x.shape
        x = x.reshape(n, h, w, b, b, c // (b * b)).permute(0, 1, 3, 2, 4, 5)
        return x.reshape(n, h * b, w * b, c // (b * b))
    # channels_first follows torch's pixel_shuffle channel order, as Keras's torch backend does.
    n, c, h, w = x.shape
    x = x.reshape(n, c // (b * b), b, b, h, w).permute(0, 1, 4, 2, 5, 3)
    return x.reshape(n, c // (b * b), h * b, w * b)


@_export("space_to_depth")
@keras_op("SpaceToDepth", module=_NN)
def space_to_depth(x, block_size, data_format="channels_last"):
    """Move `block_size` x `block_size` spatial blocks into channels (TF ordering)."""
    x = _t(x)
    b = int(block_size)
    if _data_format(data_format) == "channels_last":
        n, h, w, c = x.shape
        x = x.reshape(n, h // b, b, w // b, b, c).permute(0, 1, 3, 2, 4, 5)
        return x.reshape(n, h // b, w // b, c * b * b)
    n, c, h, w = x.shape
    x = x.reshape(n, c, h // b, b, w // b, b).permute(0, 1, 3, 5, 2, 4)
    return x.reshape(n, c * b * b, h // b, w // b)
