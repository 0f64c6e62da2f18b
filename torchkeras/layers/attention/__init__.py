from torchkeras.layers.attention.additive_attention import AdditiveAttention
from torchkeras.layers.attention.attention import Attention
from torchkeras.layers.attention.grouped_query_attention import GroupedQueryAttention as GroupQueryAttention
from torchkeras.layers.attention.multi_head_attention import MultiHeadAttention
from torchkeras.layers.core.einsum_dense import EinsumDense

__all__ = ["AdditiveAttention", "Attention", "EinsumDense", "GroupQueryAttention", "MultiHeadAttention"]
