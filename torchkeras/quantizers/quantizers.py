"""int8 quantizers: `Quantizer`, `AbsMaxQuantizer`, `abs_max_quantize` and its grouped, zero-point variant."""
import math

import numpy as np
import torch

from torchkeras.api_export import keras_export
from torchkeras.backend import config as _config
from torchkeras.quantizers import tensors


@keras_export("keras.Quantizer", "keras.quantizers.Quantizer")
class Quantizer:
    """The base class of quantizers: `quantizer(x)` returns the quantized `x` (the base returns `x`)."""

    def __init__(self, output_dtype="int8"):
        self.output_dtype = output_dtype

    def __call__(self, x):
        return x

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def get_config(self):
        raise NotImplementedError(f"{self} does not implement get_config()")


@keras_export("keras.quantizers.abs_max_quantize")
def abs_max_quantize(inputs, axis, value_range=(-127, 127), dtype="int8", epsilon=_config.epsilon(),
                     to_numpy=False):
    """Symmetric quantization: `scale = value_range[1] / (max(|x|, axis) + epsilon)`,
    `q = clip(round(x * scale), *value_range)`. Returns `(q, scale)`; `scale` keeps the reduced axes.

    With `to_numpy=True` the arithmetic runs in NumPy on the host (saving device memory); the numbers are the same.
    """
    if to_numpy:
        source_dtype = tensors.dtype_name(inputs) if hasattr(inputs, "dtype") else "float32"
        x = tensors.to_numpy(inputs)
        axis = tensors.numpy_axis(axis)
        scale = np.divide(value_range[1], np.add(np.max(np.abs(x), axis=axis, keepdims=True), epsilon))
        outputs = np.clip(np.round(np.multiply(x, scale)), value_range[0], value_range[1]).astype(dtype)
        return torch.from_numpy(np.ascontiguousarray(outputs)), \
            torch.as_tensor(scale).to(tensors.torch_dtype(source_dtype))
    x = tensors.to_tensor(inputs)
    axis = tensors.torch_axis(axis)
    # torch.divide: `number / tensor` would multiply by the reciprocal, one rounding more than Keras.
    scale = torch.divide(value_range[1], x.abs().amax(dim=axis, keepdim=True) + epsilon)
    scale = scale.to(x.dtype)
    outputs = torch.clamp(torch.round(x * scale), value_range[0], value_range[1])
    return outputs.to(tensors.torch_dtype(dtype)), scale


@keras_export("keras.quantizers.abs_max_quantize_grouped_with_zero_point")
def abs_max_quantize_grouped_with_zero_point(inputs, block_size, value_range=(-8, 7), dtype="int8",
                                             epsilon=_config.epsilon(), to_numpy=False):
    """Asymmetric quantization of a 2D `(input_dim, output_dim)` tensor in groups of `block_size` rows.

    Each group of rows gets a scale and a zero point per column: returns `(q, scale, zero_point)` with `q` of
    the input's shape and `scale`, `zero_point` (int8) of shape `(ceil(input_dim / block_size), output_dim)`.
    """
    if to_numpy:
        return _grouped_numpy(inputs, block_size, value_range, dtype, epsilon)
    return _grouped_tensor(inputs, block_size, value_range, dtype, epsilon)


def _grouped_numpy(inputs, block_size, value_range, dtype, epsilon):
    source_dtype = tensors.dtype_name(inputs) if hasattr(inputs, "dtype") else "float32"
    x = tensors.to_numpy(inputs)
    rows, cols = x.shape
    groups = math.ceil(rows / block_size)
    qmin, qmax = value_range
    padded = groups * block_size
    if padded > rows:  # zero rows complete the last group (they take part in its min and max)
        x = np.concatenate([x, np.zeros((padded - rows, cols), dtype=x.dtype)], axis=0)
    blocks = x.reshape(groups, block_size, cols)
    low = np.min(blocks, axis=1, keepdims=True)
    high = np.max(blocks, axis=1, keepdims=True)
    scale = np.divide(np.subtract(high, low) + epsilon, qmax - qmin)
    zero = np.clip(np.round(np.divide(-low, scale)) + qmin, qmin, qmax)
    q = np.clip(np.round(np.divide(blocks, scale)) + zero, qmin, qmax).astype(dtype)
    q = q.reshape(padded, cols)[:rows]
    return (torch.from_numpy(np.ascontiguousarray(q)),
            torch.as_tensor(np.squeeze(scale, axis=1)).to(tensors.torch_dtype(source_dtype)),
            torch.as_tensor(np.squeeze(zero, axis=1).astype("int8")))


def _grouped_tensor(inputs, block_size, value_range, dtype, epsilon):
    from torchkeras.quantizers.zero_point import compute_quantization_parameters

    x = tensors.to_tensor(inputs)
    rows, cols = int(x.shape[0]), int(x.shape[1])
    qmin, qmax = value_range
    bits = int(math.log2(qmax - qmin + 1))
    groups = math.ceil(rows / block_size)
    scale_t, zero_t, _ = compute_quantization_parameters(x.t(), bits=bits, symmetric=False, per_channel=True,
                                                         group_size=block_size, compute_dtype=tensors.dtype_name(x),
                                                         epsilon=epsilon, signed=True)
    scale, zero = scale_t.t(), zero_t.t()
    padded = groups * block_size
    if padded > rows:
        x = torch.cat([x, x.new_zeros((padded - rows, cols))], dim=0)
    blocks = x.reshape(groups, block_size, cols)
    q = torch.round(blocks / scale.unsqueeze(1)) + zero.unsqueeze(1).to(scale.dtype)
    q = torch.clamp(q, qmin, qmax).to(tensors.torch_dtype(dtype)).reshape(padded, cols)[:rows]
    return q, scale, zero


@keras_export("keras.quantizers.AbsMaxQuantizer")
class AbsMaxQuantizer(Quantizer):
    """`abs_max_quantize` as a quantizer object: `quantizer(x, axis=-1)` returns `(q, scale)`.

    `axis` may be given here (deprecated in Keras) or at call time; it defaults to -1.
    """

    def __init__(self, axis=None, value_range=(-127, 127), epsilon=_config.epsilon(), output_dtype="int8"):
        Quantizer.__init__(self, output_dtype=output_dtype)
        if axis is not None:
            axis = (axis,) if isinstance(axis, int) else tuple(axis)
        self.axis = axis
        self.value_range = tuple(value_range)
        self.epsilon = epsilon
        if output_dtype == "int8" and (self.value_range[0] < -128 or self.value_range[1] > 127):
            raise ValueError("Quantizer with output_dtype='int8' requires value_range to be within the interval "
                             f"[-128, 127]. Received: value_range={value_range}")

    def __call__(self, x, axis=None, to_numpy=False):
        if axis is None:
            axis = self.axis if self.axis is not None else -1
        return abs_max_quantize(x, axis, self.value_range, self.output_dtype, self.epsilon, to_numpy)

    def get_config(self):
        config = {"value_range": self.value_range, "epsilon": self.epsilon, "output_dtype": self.output_dtype}
        if self.axis is not None:
            config["axis"] = self.axis
        return config
