"""float8 helpers: delayed scaling (`compute_float8_scale`, `compute_float8_amax_history`) and
`quantize_and_dequantize`."""
import torch

from torchkeras.api_export import keras_export
from torchkeras.quantizers import tensors


def float8_max(dtype):
    """The largest finite value of a float8 dtype (448 for float8_e4m3fn, 57344 for float8_e5m2)."""
    return float(torch.finfo(tensors.torch_dtype(dtype)).max)


@keras_export("keras.quantizers.compute_float8_scale")
def compute_float8_scale(amax, scale, dtype_max, margin=0):
    """The new float8 scale from the history's `amax`: `amax / dtype_max * 2**margin`; the old `scale` is kept
    where `amax` is zero or not finite."""
    amax = tensors.to_tensor(amax)
    old = torch.reciprocal(tensors.to_tensor(scale))
    dtype_max = tensors.to_tensor(dtype_max) if not isinstance(dtype_max, (int, float)) else dtype_max
    factor = torch.divide(dtype_max, amax) / 2 ** margin
    factor = torch.where(amax > 0.0, factor, old)
    factor = torch.where(torch.isfinite(amax), factor, old)
    return torch.reciprocal(factor)


@keras_export("keras.quantizers.compute_float8_amax_history")
def compute_float8_amax_history(x, amax_history):
    """The history shifted by one (oldest dropped), with `max(|x|)` written at position 0."""
    history = tensors.to_tensor(amax_history)
    amax = tensors.to_tensor(x).abs().max().to(history.dtype)
    rolled = torch.roll(history, shifts=-1)
    return torch.cat([amax.reshape(1), rolled[1:]])


@keras_export("keras.quantizers.quantize_and_dequantize")
def quantize_and_dequantize(inputs, scale, quantized_dtype, compute_dtype):
    """Round `inputs / scale` to `quantized_dtype` (clipped to its range) and back: `q * scale`, in
    `compute_dtype`."""
    cdtype = tensors.torch_dtype(compute_dtype)
    qdtype = tensors.torch_dtype(quantized_dtype)
    limit = torch.tensor(float(torch.finfo(qdtype).max), dtype=cdtype).item()
    scale = tensors.to_tensor(scale).to(cdtype)
    x = tensors.to_tensor(inputs) / scale
    if torch.is_grad_enabled() and x.requires_grad:
        return torch.clamp(x, -limit, limit).to(qdtype).to(cdtype) * scale
    return x.clamp_(-limit, limit).to(qdtype).to(cdtype).mul_(scale)  # in place: no weight-sized temporaries
