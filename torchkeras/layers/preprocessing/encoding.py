"""Encoding integer indices as one-hot, multi-hot or count vectors (vectorised, on the input's device)."""
import torch


def one_hot(indices, depth, dtype):
    """One-hot along a new last axis; negative or out-of-range indices give all-zero rows."""
    valid = (indices >= 0) & (indices < depth)
    safe = torch.where(valid, indices, torch.zeros_like(indices)).long()
    out = torch.nn.functional.one_hot(safe, depth)
    return (out * valid.unsqueeze(-1)).to(dtype)


def encode_categorical(indices, output_mode, depth, dtype, count_weights=None):
    """`output_mode` `"int"` (a cast), `"one_hot"`, `"multi_hot"` or `"count"`, like Keras's
    `encode_categorical_inputs`: rank-0 inputs become one sample; `(..., 1)` inputs drop the last axis for
    one_hot; multi_hot/count reduce over axis 1 for batched inputs (axis 0 for a single sample)."""
    if output_mode == "int":
        return indices.to(dtype)
    if indices.dim() == 0:
        indices = indices.unsqueeze(-1)
    if output_mode == "one_hot":
        if indices.dim() > 1 and indices.shape[-1] == 1:
            indices = indices.squeeze(-1)
        return one_hot(indices, depth, dtype)
    axis = 1 if indices.dim() > 1 else 0
    if output_mode == "multi_hot":
        return torch.amax(one_hot(indices, depth, dtype), dim=axis)
    if output_mode == "count":
        if count_weights is not None:
            encoded = one_hot(indices, depth, count_weights.dtype) * count_weights.unsqueeze(-1)
        else:
            encoded = one_hot(indices, depth, dtype)
        return encoded.sum(dim=axis)
    raise ValueError(f"Unknown output_mode: {output_mode}")
