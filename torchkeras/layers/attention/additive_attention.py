"""`keras.layers.AdditiveAttention`: Bahdanau-style attention, `scores = sum(scale * tanh(query + key))`."""
import torch

from torchkeras.api_export import keras_export
from torchkeras.layers.attention.attention import Attention


@keras_export("keras.layers.AdditiveAttention")
class AdditiveAttention(Attention):
    """Additive attention over `[query, value]` or `[query, value, key]`; with `use_scale` (the default) the
    `tanh` terms are weighted by a learned `scale` of shape `(dim,)`."""

    def __init__(self, use_scale=True, dropout=0.0, **kwargs):
        super().__init__(use_scale=use_scale, dropout=dropout, **kwargs)

    def build(self, input_shape):
        self._validate_inputs(input_shape)
        dim = input_shape[0][-1]
        self.scale = self.add_weight(name="scale", shape=(dim,), initializer="glorot_uniform", dtype=self.dtype,
                                     trainable=True) if self.use_scale else None
        self.concat_score_weight = None
        self.built = True

    def _calculate_scores(self, query, key):
        scale = self.scale if self.use_scale else 1.0
        return torch.sum(scale * torch.tanh(query.unsqueeze(-2) + key.unsqueeze(-3)), dim=-1)

    def get_config(self):
        config = super().get_config()
        del config["score_mode"]
        return config
