"""Sharding rules that torch's DTensor lacks for ops that tensor-parallel Keras layers run.

Registered with torch's `torch.distributed.tensor.experimental.register_sharding`, once, when a layer first
becomes tensor parallel:
- `aten._scaled_dot_product_flash_attention_for_cpu` (and its backward): the CPU kernel behind
  `scaled_dot_product_attention`, used by MultiHeadAttention. torch registers rules for the CUDA attention
  kernels only; on CPU the forward falls back to a replicated result and the backward has no rule at all.
  Attention is independent per head, so inputs split along the heads dimension give outputs split the same way.
"""
import torch

_REGISTERED = []


def register():
    if _REGISTERED:
        return
    from torch.distributed.tensor import Replicate, Shard
    from torch.distributed.tensor.experimental import register_sharding

    aten = torch.ops.aten

    def mask_choices(attn_mask):
        """Placements of the mask for (replicated, heads-split) inputs; None where it can't follow."""
        if attn_mask is None:
            return None, None
        heads = attn_mask.shape[1] if len(attn_mask.shape) == 4 else 1
        return Replicate(), (Replicate() if heads == 1 else Shard(1))

    @register_sharding(aten._scaled_dot_product_flash_attention_for_cpu.default)
    def _attention(query, key, value, dropout_p=0.0, is_causal=False, attn_mask=None, scale=None):
        whole, split = mask_choices(attn_mask)
        return [
            ([Replicate(), Replicate()], [Replicate(), Replicate(), Replicate(), None, None, whole, None]),
            ([Shard(1), Shard(1)], [Shard(1), Shard(1), Shard(1), None, None, split, None]),
        ]

    @register_sharding(aten._scaled_dot_product_flash_attention_for_cpu_backward.default)
    def _attention_backward(grad_out, query, key, value, out, logsumexp, dropout_p, is_causal, attn_mask=None,
                            scale=None):
        whole, split = mask_choices(attn_mask)
        return [
            ([Replicate()] * 3, [Replicate()] * 6 + [None, None, whole, None]),
            ([Shard(1)] * 3, [Shard(1)] * 6 + [None, None, split, None]),
        ]

    _REGISTERED.append(True)
