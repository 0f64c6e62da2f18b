"""`keras.layers.Attention`: dot-product (Luong-style) attention over `[query, value]` or `[query, value, key]`."""
import warnings

import torch

from torchkeras.api_export import keras_export
from torchkeras.backend.keras_tensor import KerasTensor
from torchkeras.layers.attention.masks import causal_mask
from torchkeras.layers.layer import Layer
from torchkeras.random.seed_generator import SeedGenerator


@keras_export("keras.layers.Attention")
class Attention(Layer):
    """`softmax(scores(query, key)) @ value`, with `key` defaulting to `value`.

    `score_mode="dot"`: `scores = query @ key^T` (times a learned scalar `scale` if `use_scale`);
    `score_mode="concat"`: `scores = concat_score_weight * sum(tanh(query + key))`. Masks: `mask=[query_mask,
    value_mask]` (True = keep); masked values are left out of the softmax, masked query steps output 0.
    """

    def __init__(self, use_scale=False, score_mode="dot", dropout=0.0, seed=None, **kwargs):
        causal = kwargs.pop("causal", False)
        if causal:
            warnings.warn("The `causal` argument of attention layers is deprecated (Keras 2). Pass "
                          "`use_causal_mask=True` when calling the layer instead.")
        super().__init__(**kwargs)
        self._causal = bool(causal)
        self.use_scale = use_scale
        self.score_mode = score_mode
        self.dropout = dropout
        self.seed = seed
        if self.dropout > 0:
            self.seed_generator = SeedGenerator(seed) if seed is not None else None
        if self.score_mode not in ["dot", "concat"]:
            raise ValueError("Invalid value for argument score_mode. Expected one of {'dot', 'concat'}. "
                             f"Received: score_mode={score_mode}")
        self.supports_masking = True

    def build(self, input_shape):
        self._validate_inputs(input_shape)
        # (Each attribute is assigned once: a weight, or None.)
        self.scale = self.add_weight(name="scale", shape=(), initializer="ones", dtype=self.dtype,
                                     trainable=True) if self.use_scale else None
        self.concat_score_weight = self.add_weight(
            name="concat_score_weight", shape=(), initializer="ones", dtype=self.dtype,
            trainable=True) if self.score_mode == "concat" else None
        self.built = True

    def _calculate_scores(self, query, key):
        """Scores `(batch, Tq, Tv)` from `query (batch, Tq, dim)` and `key (batch, Tv, dim)`."""
        if self.score_mode == "dot":
            scores = torch.matmul(query, key.transpose(-2, -1))
            if self.scale is not None:
                scores = scores * self.scale
            return scores
        summed = query.unsqueeze(-2) + key.unsqueeze(-3)
        if self.scale is not None:
            summed = self.scale * summed
        return self.concat_score_weight * torch.sum(torch.tanh(summed), dim=-1)

    def _apply_scores(self, scores, value, scores_mask=None, training=False):
        """`(softmax(masked scores) @ value, softmax(masked scores))`."""
        if scores_mask is not None:
            padding = torch.logical_not(scores_mask)
            max_value = 65504.0 if scores.dtype == torch.float16 else 1.0e9
            if padding.dim() == 2:
                padding = padding.unsqueeze(-2)
            scores = torch.where(padding, scores - max_value, scores)
        weights = torch.softmax(scores, dim=-1)
        if training and self.dropout > 0:
            from torchkeras.random import dropout

            weights = dropout(weights, self.dropout, seed=getattr(self, "seed_generator", None))
        return torch.matmul(weights, value), weights

    def _calculate_score_mask(self, scores, v_mask, use_causal_mask):
        if use_causal_mask:
            causal = causal_mask(scores.shape[-2], scores.shape[-1], scores.device)
            if v_mask is not None:
                return torch.logical_and(v_mask.to(torch.bool).unsqueeze(-2), causal)
            return causal
        return v_mask.to(torch.bool) if v_mask is not None else None

    def call(self, inputs, mask=None, training=False, return_attention_scores=False, use_causal_mask=False):
        self._validate_inputs(inputs=inputs, mask=mask)
        use_causal_mask = use_causal_mask or self._causal
        q, v = inputs[0], inputs[1]
        k = inputs[2] if len(inputs) > 2 else v
        q_mask = mask[0] if mask else None
        v_mask = mask[1] if mask else None
        scores = self._calculate_scores(query=q, key=k)
        scores_mask = self._calculate_score_mask(scores, v_mask, use_causal_mask)
        output, attention_scores = self._apply_scores(scores=scores, value=v, scores_mask=scores_mask,
                                                      training=training)
        if q_mask is not None:
            output = torch.where(q_mask.to(torch.bool).unsqueeze(-1), output,
                                 torch.zeros((), dtype=output.dtype, device=output.device))
        if return_attention_scores:
            return output, attention_scores
        return output

    def compute_mask(self, inputs, mask=None):
        self._validate_inputs(inputs=inputs, mask=mask)
        if mask is None or mask[0] is None:
            return None
        return mask[0]

    def compute_output_shape(self, input_shape):
        return (*input_shape[0][:-1], input_shape[1][-1])

    def compute_output_spec(self, inputs, mask=None, return_attention_scores=False, training=None,
                            use_causal_mask=False):
        self._validate_inputs(inputs, mask)
        query, value = inputs[0], inputs[1]
        key = inputs[2] if len(inputs) > 2 else value
        output = KerasTensor(self.compute_output_shape([query.shape, value.shape, key.shape]), dtype=self.compute_dtype)
        if return_attention_scores:
            return output, KerasTensor((*query.shape[:-1], key.shape[-2]), dtype=self.compute_dtype)
        return output

    def _validate_inputs(self, inputs, mask=None):
        name = type(self).__name__
        if not isinstance(inputs, (list, tuple)):
            raise ValueError(f"{name} layer must be called on a list of inputs, namely [query, value] or "
                             f"[query, value, key]. Received: inputs={inputs}.")
        if len(inputs) < 2 or len(inputs) > 3:
            raise ValueError(f"{name} layer accepts inputs list of length 2 or 3, namely [query, value] or "
                             f"[query, value, key]. Received length: {len(inputs)}.")
        if mask is not None:
            if not isinstance(mask, (list, tuple)):
                raise ValueError(f"{name} layer mask must be a list, namely [query_mask, value_mask]. "
                                 f"Received: mask={mask}.")
            if len(mask) < 2 or len(mask) > 3:
                raise ValueError(f"{name} layer accepts mask list of length 2 or 3. Received: inputs={inputs}, "
                                 f"mask={mask}.")

    def get_config(self):
        config = super().get_config()
        config.update({"use_scale": self.use_scale, "score_mode": self.score_mode, "dropout": self.dropout,
                       "seed": self.seed})
        return config
