"""`keras.layers.MultiHeadAttention`: multi-head scaled dot-product attention (Vaswani et al., 2017)."""
import math

import torch
import torch.nn.functional as F

from torchkeras import constraints, initializers, regularizers
from torchkeras.api_export import keras_export
from torchkeras.backend import naming
from torchkeras.backend.keras_tensor import KerasTensor
from torchkeras.layers.activations.softmax import Softmax
from torchkeras.layers.attention import equations
from torchkeras.layers.attention.arguments import check_sliding_window
from torchkeras.layers.attention.arguments import clone_initializer
from torchkeras.layers.attention.arguments import flash_attention_setting
from torchkeras.layers.attention.masks import causal_mask
from torchkeras.layers.attention.masks import combine_masks
from torchkeras.layers.attention.masks import resolve_input_masks
from torchkeras.layers.attention.masks import sdpa_bias
from torchkeras.layers.attention.masks import sliding_window_mask
from torchkeras.layers.core.einsum_dense import EinsumDense
from torchkeras.layers.layer import Layer
from torchkeras.layers.regularization.dropout import Dropout
from torchkeras.random.seed_generator import SeedGenerator

_KERAS2_BUILD_KEYS = ("query_shape", "key_shape", "value_shape")


def build_sublayer(owner, layer, input_shape):
    """Build `layer` (a sublayer of `owner`) now, with its weights under `owner.name/layer.name/`."""
    with naming.name_scope(owner.name, caller=owner), naming.name_scope(layer.name, caller=layer):
        layer.build(tuple(input_shape))
    layer.built = True
    layer._build_shapes_dict = {"input_shape": tuple(input_shape)}


def apply_sublayer(layer, x):
    """A projection sublayer's `call` on `x`, with its activity regularization loss."""
    out = layer.call(x)
    if layer.activity_regularizer is not None:
        layer._add_activity_loss(out)
    return out


def input_shapes(query_shape, value_shape, key_shape=None):
    """The query, value and key shapes as tuples (the key's defaults to the value's); value and key must agree
    on all but their last dimension."""
    query_shape = tuple(query_shape)
    value_shape = tuple(value_shape)
    key_shape = value_shape if key_shape is None else tuple(key_shape)
    if value_shape[1:-1] != key_shape[1:-1]:
        raise ValueError("All dimensions of `value` and `key`, except the last one, must be equal. Received: "
                         f"value_shape={value_shape} and key_shape={key_shape}")
    return query_shape, value_shape, key_shape


@keras_export("keras.layers.MultiHeadAttention")
class MultiHeadAttention(Layer):
    """Multi-head attention: project `query`, `key` (default `value`) and `value` into `num_heads` heads,
    attend with `softmax(q k^T / sqrt(key_dim))`, and project the heads back to the query's last dimension
    (or `output_shape`).

    Weights (Keras layout and order): `query/kernel (Eq, H, key_dim)`, `query/bias (H, key_dim)`, `key/...`,
    `value/kernel (Ev, H, value_dim)`, `value/bias`, `attention_output/kernel (H, value_dim, Eout)`,
    `attention_output/bias (Eout,)`; sublayers `query_dense`, `key_dense`, `value_dense`, `output_dense`.

    Call: `mha(query, value, key=None, query_mask=None, value_mask=None, key_mask=None, attention_mask=None,
    return_attention_scores=False, training=None, use_causal_mask=False)`. Masks of shape `(B, T)` /
    `(B, S)` default to the inputs' Keras masks; `attention_mask` is `(B, T, S)` with True = attend.
    """

    _keras_call_takes_mask = False  # `mask` here only receives torchkeras's mask plumbing

    def __init__(self, num_heads, key_dim, value_dim=None, dropout=0.0, use_bias=True, output_shape=None,
                 attention_axes=None, sliding_window=None, flash_attention=None, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, use_gate=False, seed=None, **kwargs):
        kwargs.pop("softmax_robust_masking", None)  # Keras 2: always robust here
        build_shapes = {k: kwargs.pop(k) for k in _KERAS2_BUILD_KEYS if k in kwargs}
        if not isinstance(num_heads, int) or isinstance(num_heads, bool) or num_heads <= 0:
            raise ValueError("Received an invalid value for argument `num_heads`, expected a positive integer. "
                             f"Received: num_heads={num_heads}")
        if not isinstance(key_dim, int) or isinstance(key_dim, bool) or key_dim <= 0:
            raise ValueError("Received an invalid value for argument `key_dim`, expected a positive integer. "
                             f"Received: key_dim={key_dim}")
        if value_dim is not None and (not isinstance(value_dim, int) or value_dim <= 0):
            raise ValueError("Received an invalid value for argument `value_dim`, expected a positive integer or "
                             f"`None`. Received: value_dim={value_dim}")
        super().__init__(**kwargs)
        self.supports_masking = True
        self._num_heads = num_heads
        self._key_dim = key_dim
        self._value_dim = value_dim if value_dim else key_dim
        self._dropout = dropout
        self._use_bias = use_bias
        self._use_gate = use_gate
        if output_shape:
            if isinstance(output_shape, int):
                output_shape = (output_shape,)
            try:
                output_shape = tuple(output_shape)
            except TypeError:
                raise ValueError(f"Invalid `output_shape`: {output_shape}. When specified, the `output_shape` "
                                 "should be of type tuple, list, or int.") from None
        self._output_shape = output_shape
        self._kernel_initializer = initializers.get(kernel_initializer)
        self._bias_initializer = initializers.get(bias_initializer)
        self._kernel_regularizer = regularizers.get(kernel_regularizer)
        self._bias_regularizer = regularizers.get(bias_regularizer)
        self._activity_regularizer = regularizers.get(activity_regularizer)
        self._kernel_constraint = constraints.get(kernel_constraint)
        self._bias_constraint = constraints.get(bias_constraint)
        if isinstance(attention_axes, int):
            attention_axes = (attention_axes,)
        elif attention_axes and not isinstance(attention_axes, (list, tuple)):
            raise ValueError(
                f"`attention_axes` must be an int, list, or tuple.Received: attention_axes={attention_axes}")
        self._attention_axes = attention_axes
        self._sliding_window = check_sliding_window(sliding_window)
        self.seed = seed
        self._dropout_seed = SeedGenerator(seed) if seed is not None and dropout > 0 else None
        self._inverse_sqrt_key_dim = 1.0 / math.sqrt(float(self._key_dim))
        self._flash_attention = flash_attention_setting(flash_attention, self._dropout)
        if "query_shape" in build_shapes and "value_shape" in build_shapes:
            self.build(build_shapes["query_shape"], build_shapes["value_shape"], build_shapes.get("key_shape"))
            self.built = True
            shapes = {"query_shape": tuple(build_shapes["query_shape"]),
                      "value_shape": tuple(build_shapes["value_shape"])}
            if build_shapes.get("key_shape") is not None:
                shapes["key_shape"] = tuple(build_shapes["key_shape"])
            self._build_shapes_dict = shapes

    # --- read-only properties (Keras's public surface) ---------------------------------------------------
    @property
    def num_heads(self):
        return self._num_heads

    @property
    def key_dim(self):
        return self._key_dim

    @property
    def value_dim(self):
        return self._value_dim

    @property
    def dropout(self):
        return self._dropout

    @property
    def use_bias(self):
        return self._use_bias

    @property
    def attention_axes(self):
        return self._attention_axes

    # Keras's private names for the sublayers (used by subclasses that override `_compute_attention`).
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

    @property
    def _gate_dense(self):
        return self.gate_dense

    # --- build -------------------------------------------------------------------------------------------
    def _sublayer_kwargs(self):
        return dict(kernel_initializer=clone_initializer(self._kernel_initializer),
                    bias_initializer=clone_initializer(self._bias_initializer),
                    kernel_regularizer=self._kernel_regularizer, bias_regularizer=self._bias_regularizer,
                    activity_regularizer=self._activity_regularizer, kernel_constraint=self._kernel_constraint,
                    bias_constraint=self._bias_constraint, dtype=self.dtype_policy)

    def _projection(self, input_rank, last_dims, name, bound_dims=1, activation=None):
        equation, bias_axes, output_rank = equations.projection_equation(input_rank - 1, bound_dims, len(last_dims))
        return EinsumDense(equation, output_shape=equations.projection_output_shape(output_rank - 1, last_dims),
                           bias_axes=bias_axes if self._use_bias else None, activation=activation, name=name,
                           **self._sublayer_kwargs())

    def build(self, query_shape, value_shape, key_shape=None, **unused_shapes):
        query_shape, value_shape, key_shape = input_shapes(query_shape, value_shape, key_shape)
        heads = self._num_heads
        self.query_dense = self._projection(len(query_shape), [heads, self._key_dim], "query")
        build_sublayer(self, self.query_dense, query_shape)
        self.key_dense = self._projection(len(key_shape), [heads, self._key_dim], "key")
        build_sublayer(self, self.key_dense, key_shape)
        if self._use_gate:
            self.gate_dense = self._projection(len(query_shape), [heads, self._value_dim], "gate",
                                               activation="sigmoid")
            build_sublayer(self, self.gate_dense, query_shape)
        self.value_dense = self._projection(len(value_shape), [heads, self._value_dim], "value")
        build_sublayer(self, self.value_dense, value_shape)
        self._build_attention(len(value_shape) + 1)
        out_last = list(self._output_shape) if self._output_shape else [query_shape[-1]]
        self.output_dense = self._projection(len(query_shape), out_last, "attention_output", bound_dims=2)
        attended = list(self.query_dense.compute_output_shape(query_shape))
        attended[-1] = self._value_dim
        build_sublayer(self, self.output_dense, attended)
        self.built = True

    def _build_attention(self, rank):
        """Attention axes, einsum equations and the softmax/dropout sublayers for projected tensors of `rank`."""
        if self._attention_axes is None:
            self._attention_axes = tuple(range(1, rank - 2))
        else:
            self._attention_axes = tuple(a if a >= 0 else (rank - 1) + a for a in self._attention_axes)
        self._dot_product_equation, self._combine_equation, scores_rank = equations.attention_equations(
            rank, self._attention_axes)
        norm_axes = tuple(range(scores_rank - len(self._attention_axes), scores_rank))
        self._softmax = Softmax(axis=norm_axes, dtype=self.dtype_policy)
        self._dropout_layer = Dropout(rate=self._dropout, dtype=self.dtype_policy, seed=self.seed)

    # --- call --------------------------------------------------------------------------------------------
    _call_sublayer = staticmethod(apply_sublayer)

    def call(self, query, value, key=None, query_mask=None, value_mask=None, key_mask=None, attention_mask=None,
             return_attention_scores=False, training=None, use_causal_mask=False, mask=None):
        # `mask` is the query's Keras mask as handed over by the framework (functional models pass masks to
        # layers through it, not on the tensors). In self-attention it is the value's and key's mask too.
        if key is None:
            key = value
        query_mask, value_mask, key_mask = resolve_input_masks(query, value, key, query_mask, value_mask, key_mask,
                                                               mask)
        causal_only = (use_causal_mask and query_mask is None and value_mask is None and key_mask is None
                       and attention_mask is None and self._sliding_window is None
                       and type(self)._compute_attention is MultiHeadAttention._compute_attention)
        if not causal_only:
            attention_mask = self._compute_attention_mask(query, value, query_mask=query_mask, value_mask=value_mask,
                                                          key_mask=key_mask, attention_mask=attention_mask,
                                                          use_causal_mask=use_causal_mask)
        gate = self._call_sublayer(self.gate_dense, query) if self._use_gate else None
        query = self._call_sublayer(self.query_dense, query)
        key = self._call_sublayer(self.key_dense, key)
        value = self._call_sublayer(self.value_dense, value)
        extra = {"use_causal_mask": True} if causal_only else {}
        attention_output, attention_scores = self._compute_attention(
            query, key, value, attention_mask, training, return_attention_scores, **extra)
        if gate is not None:
            attention_output = attention_output * gate
        attention_output = self._call_sublayer(self.output_dense, attention_output)
        if return_attention_scores:
            return attention_output, attention_scores
        return attention_output

    def _compute_attention(self, query, key, value, attention_mask=None, training=None,
                           return_attention_scores=False, use_causal_mask=False):
        """Attention over projected `query (B, T, N, key_dim)`, `key`, `value`: `(output, scores or None)`."""
        if self._flash_attention and return_attention_scores:
            raise ValueError("Returning attention scores is not supported when flash attention is enabled. Please "
                             "disable flash attention to access attention scores.")
        fused = not (self._dropout > 0.0 or return_attention_scores or query.dim() != 4)
        if fused:
            return self._fused_attention(query, key, value, attention_mask, use_causal_mask), None
        if use_causal_mask:
            causal = causal_mask(query.shape[1], value.shape[1], query.device)
            attention_mask = causal if attention_mask is None else attention_mask.to(torch.bool) & causal
        query = query * self._inverse_sqrt_key_dim
        scores = torch.einsum(self._dot_product_equation, key, query)
        scores = self._masked_softmax(scores, attention_mask)
        dropped = scores
        if training and self._dropout > 0.0:
            from torchkeras.random import dropout

            dropped = dropout(scores, self._dropout, seed=self._dropout_seed)
        attention_output = torch.einsum(self._combine_equation, dropped, value)
        return attention_output, scores

    def _fused_attention(self, query, key, value, attention_mask, is_causal):
        """torch's `scaled_dot_product_attention` on `(B, N, T, D)` views."""
        bias = None
        if attention_mask is not None:
            mask = attention_mask.to(torch.bool)
            axis = -len(self._attention_axes) * 2 - 1
            while mask.dim() < 4:
                mask = mask.unsqueeze(axis)
            bias = sdpa_bias(mask, query.dtype)
            is_causal = False
        q, k, v = query.transpose(1, 2), key.transpose(1, 2), value.transpose(1, 2)
        if self._flash_attention is True and bias is None and q.device.type == "cuda":
            with torch.nn.attention.sdpa_kernel(backends=[torch.nn.attention.SDPBackend.FLASH_ATTENTION]):
                out = F.scaled_dot_product_attention(q, k, v, is_causal=is_causal, scale=self._inverse_sqrt_key_dim)
        else:
            out = F.scaled_dot_product_attention(q, k, v, attn_mask=bias, is_causal=is_causal,
                                                 scale=self._inverse_sqrt_key_dim)
        return out.transpose(1, 2)

    def _masked_softmax(self, scores, attention_mask=None):
        if attention_mask is not None:
            axis = -len(self._attention_axes) * 2 - 1
            while attention_mask.dim() < scores.dim():
                attention_mask = attention_mask.unsqueeze(axis)
        return self._softmax.call(scores, mask=attention_mask)

    def _compute_attention_mask(self, query, value, query_mask=None, value_mask=None, key_mask=None,
                                attention_mask=None, use_causal_mask=False):
        """The boolean `(B, T, S)` mask combining the query/value/key masks, the causal and sliding-window
        masks and `attention_mask` (logical AND)."""
        auto = combine_masks(
            query_mask, value_mask, key_mask, self._compute_causal_mask(query, value) if use_causal_mask else None,
            self._compute_sliding_window_mask(query, value) if self._sliding_window is not None else None)
        if attention_mask is not None:
            attention_mask = attention_mask.to(torch.bool)
        if auto is not None:
            attention_mask = auto if attention_mask is None else attention_mask & auto
        return attention_mask

    def _compute_causal_mask(self, query, value=None):
        q_len = query.shape[1]
        v_len = q_len if value is None else value.shape[1]
        return causal_mask(q_len, v_len, query.device)

    def _compute_sliding_window_mask(self, query, value=None):
        q_len = query.shape[1]
        v_len = q_len if value is None else value.shape[1]
        return sliding_window_mask(q_len, v_len, self._sliding_window, query.device)

    # --- shapes and config -------------------------------------------------------------------------------
    def compute_output_shape(self, query_shape, value_shape, key_shape=None):
        query_shape, value_shape, key_shape = input_shapes(query_shape, value_shape, key_shape)
        if self._output_shape:
            return query_shape[:-1] + tuple(self._output_shape)
        return query_shape

    def compute_output_spec(self, query, value, key=None, query_mask=None, value_mask=None, key_mask=None,
                            attention_mask=None, return_attention_scores=False, training=None,
                            use_causal_mask=False, mask=None):
        key_shape = key.shape if key is not None else None
        output = KerasTensor(self.compute_output_shape(query.shape, value.shape, key_shape), dtype=self.compute_dtype)
        if return_attention_scores:
            scores = KerasTensor((query.shape[0], self._num_heads, query.shape[1], value.shape[1]),
                                 dtype=self.compute_dtype)
            return output, scores
        return output

    def get_config(self):
        config = super().get_config()
        config.update({
            "num_heads": self._num_heads,
            "key_dim": self._key_dim,
            "value_dim": self._value_dim,
            "dropout": self._dropout,
            "use_bias": self._use_bias,
            "use_gate": self._use_gate,
            "output_shape": self._output_shape,
            "attention_axes": self._attention_axes,
            "sliding_window": self._sliding_window,
            "kernel_initializer": initializers.serialize(self._kernel_initializer),
            "bias_initializer": initializers.serialize(self._bias_initializer),
            "kernel_regularizer": regularizers.serialize(self._kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self._bias_regularizer),
            "activity_regularizer": regularizers.serialize(self._activity_regularizer),
            "kernel_constraint": constraints.serialize(self._kernel_constraint),
            "bias_constraint": constraints.serialize(self._bias_constraint),
            "seed": self.seed,
        })
        return config
