"""`keras.layers.ReversibleEmbedding`: an embedding that can also project back to the vocabulary."""
import torch

from torchkeras.api_export import keras_export
from torchkeras.backend.dtypes import to_torch_dtype
from torchkeras.backend.keras_tensor import KerasTensor
from torchkeras.layers.core.embedding import Embedding


@keras_export("keras.layers.ReversibleEmbedding")
class ReversibleEmbedding(Embedding):
    """An `Embedding` that, called with `reverse=True`, projects `(..., output_dim)` back to
    `(..., input_dim)` logits (for tied input/output embeddings in language models).

    The reverse projection uses the transpose of `embeddings` (`tie_weights=True`, the default) or a
    separate trainable `reverse_embeddings` of shape `(output_dim, input_dim)`. There is no bias.

    Args:
        input_dim: vocabulary size. output_dim: embedding size.
        tie_weights: share the weights of the two directions; default True.
        embeddings_initializer, embeddings_regularizer, embeddings_constraint, mask_zero: as in `Embedding`.
        reverse_dtype: dtype of the reverse projection (default: the layer's compute dtype). As in Keras on
            torch, "float64" computes in float32 (Keras's type promotion has no 64-bit floats there).
        logit_soft_cap: if set, reverse logits become `tanh(logits / logit_soft_cap) * logit_soft_cap`.

    Call arguments:
        inputs: token ids, or hidden states when `reverse=True`.
        reverse: project hidden states back to the vocabulary; default False.
    """

    def __init__(self, input_dim, output_dim, tie_weights=True, embeddings_initializer="uniform",
                 embeddings_regularizer=None, embeddings_constraint=None, mask_zero=False, reverse_dtype=None,
                 logit_soft_cap=None, **kwargs):
        super().__init__(input_dim, output_dim, embeddings_initializer=embeddings_initializer,
                         embeddings_regularizer=embeddings_regularizer,
                         embeddings_constraint=embeddings_constraint, mask_zero=mask_zero, **kwargs)
        self.tie_weights = tie_weights
        self.reverse_dtype = reverse_dtype
        self.logit_soft_cap = logit_soft_cap

    def build(self, input_shape=None):
        super().build(input_shape)
        if not self.tie_weights:
            self.reverse_embeddings = self.add_weight(shape=(self.output_dim, self.input_dim),
                                                      initializer=self.embeddings_initializer,
                                                      name="reverse_embeddings", trainable=True)
        self.built = True

    def call(self, inputs, reverse=False):
        if not reverse:
            return super().call(inputs)
        kernel = self.embeddings.t() if self.tie_weights else self.reverse_embeddings
        dtype = self._reverse_compute_dtype(inputs)
        logits = torch.matmul(inputs.to(dtype), kernel.to(dtype))
        if self.logit_soft_cap is not None:
            logits = torch.tanh(logits / self.logit_soft_cap) * self.logit_soft_cap
        return logits

    def _reverse_compute_dtype(self, inputs):
        if self.reverse_dtype is not None:
            dtype = to_torch_dtype(self.reverse_dtype)
        else:
            dtype = torch.promote_types(inputs.dtype, self.embeddings.dtype)
        # Keras's type promotion on torch never yields a 64-bit float: float64 computes as float32.
        return torch.float32 if dtype == torch.float64 else dtype

    def compute_mask(self, inputs, mask=None):
        # Only the forward lookup (integer ids) emits a mask; reverse projections (hidden states) do not.
        if not self.mask_zero or inputs is None or getattr(inputs, "dtype", None) in (
                torch.float16, torch.bfloat16, torch.float32, torch.float64, "float16", "bfloat16", "float32",
                "float64"):
            return None
        return inputs != 0

    def compute_output_shape(self, input_shape, reverse=False):
        output_shape = list(input_shape)
        if reverse:
            output_shape[-1] = self.input_dim
        else:
            output_shape += [self.output_dim]
        return tuple(output_shape)

    def compute_output_spec(self, inputs, reverse=False):
        return KerasTensor(self.compute_output_shape(tuple(inputs.shape), reverse=reverse),
                           dtype=self.compute_dtype)

    def get_config(self):
        config = super().get_config()
        config.update({"tie_weights": self.tie_weights, "reverse_dtype": self.reverse_dtype,
                       "logit_soft_cap": self.logit_soft_cap})
        return config
