"""Boolean attention masks (True = attend) of the attention layers, and the additive bias torch's fused kernel
takes instead."""
import torch


def sdpa_bias(mask, dtype):
    """A boolean mask (True = attend) as the additive bias Keras's torch backend gives
    `scaled_dot_product_attention`: 0 where kept, -0.7 * (max float) where masked."""
    big = 65500.0 if dtype == torch.float16 else 3.38953e38
    zero = torch.zeros((), dtype=dtype, device=mask.device)
    return torch.where(mask, zero, torch.full((), -0.7 * big, dtype=dtype, device=mask.device))


def causal_mask(q_len, kv_len, device):
    """`(1, q_len, kv_len)` boolean lower-triangular mask: query `i` sees keys `j <= i`."""
    return torch.ones((q_len, kv_len), dtype=torch.bool, device=device).tril().unsqueeze(0)


def sliding_window_mask(q_len, kv_len, window, device):
    """`(1, q_len, kv_len)` boolean mask: query `i` sees keys `j` with `|i - j| < window`."""
    rows = torch.arange(q_len, device=device).reshape(1, q_len, 1)
    cols = torch.arange(kv_len, device=device).reshape(1, 1, kv_len)
    return (rows - cols).abs() < window


def combine_masks(query_mask, value_mask, key_mask, *more):
    """The logical AND of the query mask `(B, T)`, the value and key masks `(B, S)` and the `(…, T, S)` masks
    in `more`, as a `(B, T, S)`-broadcastable boolean mask; None where all are None."""
    combined = None
    if query_mask is not None:
        combined = query_mask.to(torch.bool).unsqueeze(-1)
    for m in (value_mask, key_mask):
        if m is not None:
            m = m.to(torch.bool).unsqueeze(-2)
            combined = m if combined is None else combined & m
    for m in more:
        if m is not None:
            combined = m if combined is None else combined & m
    return combined


def resolve_input_masks(query, value, key, query_mask, value_mask, key_mask, mask):
    """The `(query_mask, value_mask, key_mask)` to use: explicit arguments first, then `mask` (the query's Keras
    mask as the framework hands it over; in self-attention also the value's and key's), then the Keras masks
    carried by the tensors."""
    if mask is not None:
        query_mask = mask if query_mask is None else query_mask
        if value is query and value_mask is None:
            value_mask = mask
        if key is query and key is not value and key_mask is None:
            key_mask = mask
    if query_mask is None:
        query_mask = getattr(query, "_keras_mask", None)
    if value_mask is None:
        value_mask = getattr(value, "_keras_mask", None)
    if key_mask is None and key is not value:
        key_mask = getattr(key, "_keras_mask", None)
    return query_mask, value_mask, key_mask
