"""`fake_quant_with_min_max_vars`: quantize to `num_bits` within `[min, max]` and dequantize, with the
straight-through gradients of TensorFlow's op (so `min` and `max` can be trained)."""
import torch

from torchkeras.api_export import keras_export
from torchkeras.quantizers import tensors


def _nudge(min_range, max_range, num_bits, narrow_range):
    """TensorFlow's nudged range: the zero point moved to an integer. Returns `(min, max, scale, inv_scale)`."""
    compute = torch.promote_types(min_range.dtype, torch.float32)
    min_range, max_range = min_range.to(compute), max_range.to(compute)
    quant_max = (1 << num_bits) - 1
    quant_min = 1 if narrow_range else 0
    diff = max_range - min_range
    scale = diff / (quant_max - quant_min)
    inv_scale = torch.divide(quant_max - quant_min, diff)
    zero = torch.round(torch.clamp(quant_min - min_range / scale, quant_min, quant_max))
    return (quant_min - zero) * scale, (quant_max - zero) * scale, scale, inv_scale


class _FakeQuant(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, min_val, max_val, num_bits, narrow_range, axis):
        low, high, scale, inv_scale = _nudge(min_val, max_val, num_bits, narrow_range)
        quant_zero = torch.floor(-low * inv_scale + 0.5)
        clamped = torch.clamp(x.to(low.dtype), low, high)
        result = torch.floor((clamped - low) * inv_scale - quant_zero + 0.5) * scale
        ctx.save_for_backward(x, low, high)
        ctx.axis = axis
        ctx.shapes = (min_val.shape, max_val.shape)
        return result.to(x.dtype)

    @staticmethod
    def backward(ctx, upstream):
        x, low, high = ctx.saved_tensors
        zero = torch.zeros((), dtype=upstream.dtype, device=upstream.device)
        inside = (x >= low) & (x <= high)
        dx = torch.where(inside, upstream, zero)
        axes = [i for i in range(dx.dim()) if i != ctx.axis] if ctx.axis is not None else None

        def reduce(mask, shape):
            g = torch.where(mask, upstream, zero)
            g = g.sum(dim=axes) if axes is not None else g.sum()
            return g.reshape(shape)

        return dx, reduce(x <= low, ctx.shapes[0]), reduce(x >= high, ctx.shapes[1]), None, None, None


@keras_export("keras.quantizers.fake_quant_with_min_max_vars")
def fake_quant_with_min_max_vars(inputs, min_vals, max_vals, num_bits=8, narrow_range=False, axis=None):
    """Per-tensor (`axis=None`) or per-channel fake quantization of `inputs` into `[min_vals, max_vals]`.

    Values are quantized to `[0, 2^num_bits - 1]` (`[1, ...]` with `narrow_range`) and dequantized. Gradients
    pass through inside the range; outside it they flow to `min_vals`/`max_vals`.
    """
    from torchkeras.backend.keras_tensor import KerasTensor

    if isinstance(inputs, KerasTensor):
        return KerasTensor(inputs.shape, dtype=inputs.dtype)
    x = tensors.to_tensor(inputs)
    min_vals = tensors.to_tensor(min_vals)
    max_vals = tensors.to_tensor(max_vals)
    if axis is not None:
        axis = axis % x.dim()
    return _FakeQuant.apply(x, min_vals, max_vals, int(num_bits), narrow_range, axis)
