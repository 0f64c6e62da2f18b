"""Scale and zero-point (asymmetric, optionally grouped) quantization, as GPTQ, AWQ and sub-channel int4 use."""
import torch

from torchkeras.quantizers import tensors


def compute_quantization_parameters(x, *, bits, symmetric=False, per_channel=False, group_size=-1,
                                    compute_dtype="float32", epsilon=0.0, signed=False):
    """`(scale, zero, maxq)` for quantizing a `(out_features, in_features)` weight to `bits` bits.

    Grouped (`per_channel` and `group_size > 0`): `scale`/`zero` are `(out_features, n_groups)`; per channel or
    per tensor: `(out_features, 1)`. `zero` is int8 when `signed` (range `[-2^(bits-1), 2^(bits-1) - 1]`), else
    uint8 (range `[0, 2^bits - 1]`). A group whose values are all equal gets the range `[v - 1, v + 1]`.
    """
    if x is None:
        raise ValueError(f"Input tensor {x} cannot be None.")
    x = tensors.to_tensor(x)
    if x.dim() < 2:
        raise ValueError(f"Input weight tensor {x} must have a rank of at least 2, but got rank {x.dim()}.")
    if x.numel() == 0:
        raise ValueError("Input tensor 'x' cannot be empty.")
    out_features, in_features = int(x.shape[0]), int(x.shape[1])
    grouped = per_channel and group_size > 0
    n_groups = (in_features + group_size - 1) // group_size if grouped else 1
    if n_groups > 1:
        remainder = in_features % group_size
        if remainder:
            x = torch.nn.functional.pad(x, (0, group_size - remainder))
        blocks = x.reshape(out_features, n_groups, group_size)
        low, high = blocks.amin(dim=2), blocks.amax(dim=2)
    else:
        flat = x.reshape(out_features, -1) if per_channel else x.reshape(1, -1)
        low, high = flat.amin(dim=1), flat.amax(dim=1)
    if symmetric:
        bound = torch.maximum(low.abs(), high)
        low = torch.where(low < 0, -bound, low)
        high = bound
    flat_range = low == high
    low = torch.where(flat_range, low - 1, low)
    high = torch.where(flat_range, high + 1, high)
    cdtype = tensors.torch_dtype(compute_dtype)
    maxq = torch.tensor(2 ** bits - 1, dtype=cdtype, device=x.device)
    span = high - low
    if epsilon > 0:
        span = span + epsilon
    scale = span / maxq
    scale = torch.where(scale <= 0, torch.full_like(scale, 1e-8), scale)
    if signed:
        qmin, qmax = -(2 ** (bits - 1)), 2 ** (bits - 1) - 1
        if symmetric:
            zero = torch.full_like(scale, float((maxq + 1) / 2 + qmin))
        else:
            zero = torch.round(-low / scale) + qmin
        zero = torch.clamp(zero, qmin, qmax)
    elif symmetric:
        zero = torch.full_like(scale, float((maxq + 1) / 2))
    else:
        zero = torch.round(-low / scale)
    if n_groups == 1:
        if per_channel:
            scale, zero = scale.reshape(-1, 1), zero.reshape(-1, 1)
        else:
            scale = scale.reshape(1, 1).expand(out_features, 1).clone()
            zero = zero.reshape(1, 1).expand(out_features, 1).clone()
    return scale, zero.to(torch.int8 if signed else torch.uint8), maxq


def quantize_with_zero_point(input_tensor, scale, zero, maxq):
    """`clip(round(x / scale + zero), 0, maxq)`, in the scale's dtype (a zero scale counts as 1e-8)."""
    x = tensors.to_tensor(input_tensor)
    scale = tensors.to_tensor(scale)
    safe = torch.where(scale == 0, torch.full_like(scale, 1e-8), scale)
    q = torch.round(x / safe + tensors.to_tensor(zero).to(scale.dtype))
    return torch.clamp(q, 0, maxq)


def dequantize_with_zero_point(input_tensor, scale, zero):
    """`scale * (q - zero)`."""
    scale = tensors.to_tensor(scale)
    return scale * (tensors.to_tensor(input_tensor) - tensors.to_tensor(zero).to(scale.dtype))


def quantize_with_sz_map(weights_matrix, scale, zero, g_idx, maxq, group_axis=-1):
    """Quantize with per-group parameters: position `i` along the grouped axis uses group `g_idx[i]`."""
    groups = tensors.to_tensor(g_idx).to(torch.int64)
    scale = torch.index_select(tensors.to_tensor(scale), group_axis % tensors.to_tensor(scale).dim(), groups)
    zero_t = tensors.to_tensor(zero)
    zero = torch.index_select(zero_t, group_axis % zero_t.dim(), groups)
    return quantize_with_zero_point(weights_matrix, scale, zero, maxq)


def dequantize_with_sz_map(weights_matrix, scale, zero, g_idx, group_axis=-1):
    """Dequantize with per-group parameters: `(q - zero[g_idx]) * scale[g_idx]` along `group_axis`."""
    weights = tensors.to_tensor(weights_matrix)
    scale = tensors.to_tensor(scale)
    zero = tensors.to_tensor(zero)
    axis = group_axis % weights.dim()
    block = _uniform_block(tensors.to_tensor(g_idx), weights.shape[axis], scale.shape[axis])
    if block is not None and not (torch.is_grad_enabled() and (scale.requires_grad or weights.requires_grad)):
        # Contiguous groups of `block`: broadcast each group's parameters instead of gathering them per position
        # (the same numbers, without two weight-sized gathers).
        shape = list(weights.shape)
        split = shape[:axis] + [shape[axis] // block, block] + shape[axis + 1:]
        out = weights.to(scale.dtype, copy=True).reshape(split)
        out.sub_(zero.unsqueeze(axis + 1).to(scale.dtype)).mul_(scale.unsqueeze(axis + 1))
        return out.reshape(shape)
    groups = tensors.to_tensor(g_idx).to(torch.int64)
    scales = torch.index_select(scale, axis, groups)
    zeros = torch.index_select(zero, axis, groups).to(scales.dtype)
    return (weights - zeros) * scales


def _uniform_block(g_idx, length, n_groups):
    """The group size `b` when `g_idx` is `floor(arange(length) / b)` and `b` divides `length`, else None."""
    if g_idx.dim() != 1 or g_idx.numel() != length or n_groups <= 0 or length % n_groups:
        return None
    block = length // n_groups
    expected = torch.div(torch.arange(length, device=g_idx.device), block, rounding_mode="floor")
    return block if torch.equal(g_idx.to(expected.dtype), expected) else None
