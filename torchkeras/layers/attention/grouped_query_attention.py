"""`keras.layers.GroupQueryAttention`: attention whose query heads share fewer key/value heads."""
import math

import torch
import torch.nn.functional as F

from torchkeras import constraints, initializers, regularizers
from torchkeras.api_export import keras_export
from torchkeras.backend.keras_tensor import KerasTensor
from torchkeras.layers.activations.softmax import Softmax
from torchkeras.layers.attention.arguments import check_sliding_window
from torchkeras.layers.attention.arguments import clone_initializer
from torchkeras.layers.attention.arguments import flash_attention_setting
from torchkeras.layers.attention.masks import causal_mask
from torchkeras.layers.attention.masks import combine_masks
from torchkeras.layers.attention.masks import resolve_input_masks
from torchkeras.layers.attention.masks import sdpa_bias
from torchkeras.layers.attention.masks import sliding_window_mask
from torchkeras.layers.attention.multi_head_attention import apply_sublayer
from torchkeras.layers.attention.multi_head_attention import build_sublayer
from torchkeras.layers.attention.multi_head_attention import input_shapes
from torchkeras.layers.core.einsum_dense import EinsumDense
from torchkeras.layers.layer import Layer
from torchkeras.layers.regularization.dropout import Dropout
from torchkeras.random.seed_generator import SeedGenerator


@keras_export("keras.layers.GroupQueryAttention")
class GroupedQueryAttention(Layer):
    """Grouped-query attention (Ainslie et al., 2023): `num_query_heads` query heads of size `head_dim` attend
    over `num_key_value_heads` key/value heads, each shared by `num_query_heads // num_key_value_heads` queries.

    Weights: `query/kernel (E, Hq, head_dim)`, `key/kernel (E, Hkv, head_dim)`, `value/kernel (E, Hkv, head_dim)`,
    `attention_output/kernel (Hq, head_dim, E)` and their biases. Inputs are `(batch, seq, features)`; the call
    signature is that of `MultiHeadAttention`.
    """

    _keras_call_takes_mask = False  # `mask` here only receives torchkeras's mask plumbing

    def __init__(self, head_dim, num_query_heads, num_key_value_heads, dropout=0.0, use_bias=True,
                 sliding_window=None, flash_attention=None, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, use_gate=False, seed=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.supports_masking = True
        self.head_dim = head_dim
        self.num_query_heads = num_query_heads
        self.num_key_value_heads = num_key_value_heads
        if num_query_heads % num_key_value_heads != 0:
            raise ValueError("`num_query_heads` must be divisible by `num_key_value_heads`.")
        self.num_repeats = num_query_heads // num_key_value_heads
        self.dropout = dropout
        self.use_bias = use_bias
        self.use_gate = use_gate
        self.sliding_window = check_sliding_window(sliding_window)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.seed = seed
        self._dropout_seed = SeedGenerator(seed) if seed is not None and dropout > 0 else None
        self._inverse_sqrt_head_dim = 1.0 / math.sqrt(float(self.head_dim))
        self._flash_attention = flash_attention_setting(flash_attention, self.dropout)

    def _sublayer(self, equation, output_shape, bias_axes, name, activation=None):
        return EinsumDense(equation, output_shape=output_shape, bias_axes=bias_axes if self.use_bias else None,
                           activation=activation, name=name,
                           kernel_initializer=clone_initializer(self.kernel_initializer),
                           bias_initializer=clone_initializer(self.bias_initializer),
                           kernel_regularizer=self.kernel_regularizer,
                           bias_regularizer=self.bias_regularizer, activity_regularizer=self.activity_regularizer,
                           kernel_constraint=self.kernel_constraint, bias_constraint=self.bias_constraint,
                           dtype=self.dtype_policy)

    def build(self, query_shape, value_shape, key_shape=None, **unused_shapes):
        query_shape, value_shape = tuple(query_shape), tuple(value_shape)
        key_shape = value_shape if key_shape is None else tuple(key_shape)
        self.feature_dim = query_shape[-1]
        q_heads, kv_heads, dim = self.num_query_heads, self.num_key_value_heads, self.head_dim
        self.query_dense = self._sublayer("bqm,muh->bquh", (None, q_heads, dim), "uh", "query")
        build_sublayer(self, self.query_dense, query_shape)
        self.key_dense = self._sublayer("bkm,mvh->bkvh", (None, kv_heads, dim), "vh", "key")
        build_sublayer(self, self.key_dense, key_shape)
        if self.use_gate:
            self.gate_dense = self._sublayer("bqm,muh->bquh", (None, q_heads, dim), "uh", "gate",
                                             activation="sigmoid")
            build_sublayer(self, self.gate_dense, query_shape)
        self.value_dense = self._sublayer("bkm,mvh->bkvh", (None, kv_heads, dim), "vh", "value")
        build_sublayer(self, self.value_dense, value_shape)
        self._softmax = Softmax(axis=-1, dtype=self.dtype_policy)
        self._dropout_layer = Dropout(rate=self.dropout, dtype=self.dtype_policy, seed=self.seed)
        self._dot_product_equation = "bquh,bkuh->buqk"
        self._combine_equation = "buqk,bkuh->bquh"
        self.output_dense = self._sublayer("bquh,uhm->bqm", (None, self.feature_dim), "m", "attention_output")
        build_sublayer(self, self.output_dense, (None, None, q_heads, dim))
        self.built = True

    # Keras's private names for the sublayers.
    @property
    def _query_dense(self):
        return self.query_dense

    @property
    def _key_dense(self):
        return self.key_dense

    @property
    def _value_dense(self):
        return self.value_dense

    @property
    def _output_dense(self):
        return self.output_dense

    _call_sublayer = staticmethod(apply_sublayer)

    def call(self, query, value, key=None, query_mask=None, value_mask=None, key_mask=None, attention_mask=None,
             return_attention_scores=False, training=None, use_causal_mask=False, mask=None):
        if key is None:
            key = value
        query_mask, value_mask, key_mask = resolve_input_masks(query, value, key, query_mask, value_mask, key_mask,
                                                               mask)
        causal_only = (use_causal_mask and query_mask is None and value_mask is None and key_mask is None
                       and attention_mask is None and self.sliding_window is None
                       and type(self)._compute_attention is GroupedQueryAttention._compute_attention)
        if not causal_only:
            attention_mask = self._compute_attention_mask(query, value, query_mask, value_mask, key_mask,
                                                          attention_mask, use_causal_mask)
        gate = self._call_sublayer(self.gate_dense, query) if self.use_gate else None
        query = self._call_sublayer(self.query_dense, query)
        key = torch.repeat_interleave(self._call_sublayer(self.key_dense, key), self.num_repeats, dim=2)
        value = torch.repeat_interleave(self._call_sublayer(self.value_dense, value), self.num_repeats, dim=2)
        output, scores = self._compute_attention(query, key, value, attention_mask=attention_mask, training=training,
                                                 use_causal_mask=causal_only,
                                                 return_attention_scores=return_attention_scores)
        if gate is not None:
            output = output * gate
        output = self._call_sublayer(self.output_dense, output)
        if return_attention_scores:
            return output, scores
        return output

    def _compute_attention_mask(self, query, value, query_mask=None, value_mask=None, key_mask=None,
                                attention_mask=None, use_causal_mask=False):
        q_len, kv_len = query.shape[1], value.shape[1]
        auto = combine_masks(
            query_mask, value_mask, key_mask, causal_mask(q_len, kv_len, query.device) if use_causal_mask else None,
            sliding_window_mask(q_len, kv_len, self.sliding_window, query.device)
            if self.sliding_window is not None else None)
        if auto is not None:
            attention_mask = auto if attention_mask is None else attention_mask.to(torch.bool) & auto
        return attention_mask

    def _compute_attention(self, query, key, value, attention_mask=None, training=None, use_causal_mask=False,
                           return_attention_scores=False):
        """Attention over projected `(B, T, Hq, head_dim)` tensors (keys/values already repeated per group)."""
        if self._flash_attention and return_attention_scores:
            raise ValueError("Returning attention scores is not supported when flash attention is enabled. Please "
                             "disable flash attention to access attention scores.")
        if not (self.dropout > 0.0 or return_attention_scores or query.dim() != 4):
            bias = None
            is_causal = use_causal_mask and attention_mask is None
            if attention_mask is not None:
                mask = attention_mask.to(torch.bool)
                while mask.dim() < 4:
                    mask = mask.unsqueeze(-3)
                bias = sdpa_bias(mask, query.dtype)
            out = F.scaled_dot_product_attention(query.transpose(1, 2), key.transpose(1, 2), value.transpose(1, 2),
                                                 attn_mask=bias, is_causal=is_causal,
                                                 scale=self._inverse_sqrt_head_dim)
            return out.transpose(1, 2), None
        if use_causal_mask:
            causal = causal_mask(query.shape[1], value.shape[1], query.device)
            attention_mask = causal if attention_mask is None else attention_mask.to(torch.bool) & causal
        scores = torch.einsum(self._dot_product_equation, query * self._inverse_sqrt_head_dim, key)
        if attention_mask is not None:
            while attention_mask.dim() < scores.dim():
                attention_mask = attention_mask.unsqueeze(-3)
        scores = self._softmax.call(scores, mask=attention_mask)
        dropped = scores
        if training and self.dropout > 0.0:
            from torchkeras.random import dropout

            dropped = dropout(scores, self.dropout, seed=self._dropout_seed)
        return torch.einsum(self._combine_equation, dropped, value), scores

    def compute_output_shape(self, query_shape, value_shape, key_shape=None):
        if query_shape[-1] != value_shape[-1]:
            raise ValueError(
                "The last dimension of `query_shape` and `value_shape` must be equal, but are "
                f"{query_shape[-1]}, {value_shape[-1]}. Received: query_shape={tuple(query_shape)}, "
                f"value_shape={tuple(value_shape)}"
            )
        return input_shapes(query_shape, value_shape, key_shape)[0]

    def compute_output_spec(self, query, value, key=None, query_mask=None, value_mask=None, key_mask=None,
                            attention_mask=None, return_attention_scores=False, training=None,
                            use_causal_mask=False, mask=None):
        output = KerasTensor(self.compute_output_shape(query.shape, value.shape, key.shape if key is not None
                                                       else None), dtype=self.compute_dtype)
        if return_attention_scores:
            kv_len = value.shape[1] if key is None else key.shape[1]
            return output, KerasTensor((query.shape[0], self.num_query_heads, query.shape[1], kv_len),
                                       dtype=self.compute_dtype)
        return output

    def get_config(self):
        config = super().get_config()
        config.update({
            "head_dim": self.head_dim,
            "num_query_heads": self.num_query_heads,
            "num_key_value_heads": self.num_key_value_heads,
            "use_bias": self.use_bias,
            "use_gate": self.use_gate,
            "sliding_window": self.sliding_window,
            "dropout": self.dropout,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
            "seed": self.seed,
        })
        return config
