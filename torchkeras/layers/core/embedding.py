"""`keras.layers.Embedding`: turns integer indices into dense vectors."""
import numbers

import torch
import torch.nn.functional as F

from torchkeras import constraints, initializers, regularizers
from torchkeras.api_export import keras_export
from torchkeras.layers.core import lora
from torchkeras.layers.core import own_variables
from torchkeras.layers.core.embedding_quantization import EmbeddingQuantization
from torchkeras.layers.core.quantization_args import check_quantization_config
from torchkeras.layers.core.quantization_args import deserialize_quantization_config
from torchkeras.layers.core.quantization_args import serialize_quantization_config
from torchkeras.layers.layer import Layer


@keras_export("keras.layers.Embedding")
class Embedding(own_variables.MergedLoraVariables, EmbeddingQuantization, Layer):
    """`Embedding(input_dim, output_dim)`: a lookup table of shape `(input_dim, output_dim)`.

    With `mask_zero=True`, index 0 is padding: the layer emits a mask that downstream layers (RNNs,
    losses, pooling) honour. `lora_rank` / `enable_lora(rank)` learn a low-rank update of the table;
    `quantize("int8" | "int4")` quantizes it (one scale per row, or per block of columns for int4).
    """

    def __init__(self, input_dim, output_dim, embeddings_initializer="uniform", embeddings_regularizer=None,
                 embeddings_constraint=None, mask_zero=False, weights=None, lora_rank=None, lora_alpha=None,
                 quantization_config=None, **kwargs):
        input_length = kwargs.pop("input_length", None)  # Keras 2: only fixes the input shape
        if input_length is not None and "input_shape" not in kwargs and "batch_input_shape" not in kwargs:
            kwargs["input_shape"] = (input_length,) if isinstance(input_length, int) else tuple(input_length)
        super().__init__(**kwargs)
        self.input_dim = _positive_int(input_dim, "input_dim")
        self.output_dim = _positive_int(output_dim, "output_dim")
        self.embeddings_initializer = initializers.get(embeddings_initializer)
        self.embeddings_regularizer = regularizers.get(embeddings_regularizer)
        self.embeddings_constraint = constraints.get(embeddings_constraint)
        self.mask_zero = mask_zero
        self.supports_masking = mask_zero
        self.lora_rank = lora_rank
        self.lora_alpha = lora_alpha if lora_alpha is not None else lora_rank
        self.lora_enabled = False
        self.quantization_config = check_quantization_config(self, quantization_config)
        self.input_length = input_length
        if weights is not None:
            self._initial_weights = weights if isinstance(weights, (list, tuple)) else [weights]
        self._mask_zero_input_dtype_checked = False

    def build(self, input_shape=None):
        if self.built:
            return
        shape = (self.input_dim, self.output_dim)
        mode = self.quantization_mode
        if mode:
            self.quantized_build(shape, mode=mode, config=self.quantization_config)
        if mode not in ("int8", "int4"):
            self.embeddings = self.add_weight(shape=shape, initializer=self.embeddings_initializer,
                                              name="embeddings", regularizer=self.embeddings_regularizer,
                                              constraint=self.embeddings_constraint, trainable=True)
        self.built = True
        if self.lora_rank:
            self.enable_lora(self.lora_rank, lora_alpha=self.lora_alpha)

    @property
    def _embeddings(self):
        """The embeddings variable (Keras's private name for it)."""
        return self.embeddings

    def call(self, inputs):
        if inputs.dtype not in (torch.int64, torch.int32):
            inputs = inputs.long()
        if self._dtype_policy._quantization_mode is not None:
            return self.quantized_call(inputs)
        table = self.embeddings
        if self.lora_enabled:
            table = lora.merged(self, table, self.lora_embeddings_a, self.lora_embeddings_b)
        return F.embedding(inputs, table)

    def compute_mask(self, inputs, mask=None):
        if not self.mask_zero:
            return None
        return inputs != 0

    def compute_output_shape(self, input_shape):
        return tuple(input_shape) + (self.output_dim,)

    # --- LoRA ----------------------------------------------------------------------------------------
    def enable_lora(self, rank, lora_alpha=None, a_initializer="he_uniform", b_initializer="zeros"):
        """Freeze the table and learn `(lora_alpha / rank) * lora_embeddings_a @ lora_embeddings_b` in its
        place."""
        lora.check_can_enable(self, self.embeddings_constraint, what="embeddings")
        self.lora_embeddings_a, self.lora_embeddings_b = lora.add_weights(
            self, ("lora_embeddings_a", "lora_embeddings_b"), (self.input_dim, rank), (rank, self.output_dim),
            a_initializer, b_initializer, self.embeddings_regularizer)
        lora.freeze(self, self.embeddings, rank, lora_alpha)

    # --- saving --------------------------------------------------------------------------------------
    def _lora_weights(self):
        return self.lora_embeddings_a, self.lora_embeddings_b

    # --- config --------------------------------------------------------------------------------------
    def get_config(self):
        config = super().get_config()
        config.update({
            "input_dim": self.input_dim,
            "output_dim": self.output_dim,
            "embeddings_initializer": initializers.serialize(self.embeddings_initializer),
            "embeddings_regularizer": regularizers.serialize(self.embeddings_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "embeddings_constraint": constraints.serialize(self.embeddings_constraint),
            "mask_zero": self.mask_zero,
            "quantization_config": serialize_quantization_config(self.quantization_config),
        })
        if self.lora_rank:
            config["lora_rank"] = self.lora_rank
            config["lora_alpha"] = self.lora_alpha
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["quantization_config"] = deserialize_quantization_config(config.get("quantization_config"))
        return super().from_config(config)


def _positive_int(value, name):
    """`value` as an int, or Keras's ValueError when it is not a positive integer (a float is not truncated)."""
    if isinstance(value, numbers.Integral) and not isinstance(value, bool) and value > 0:
        return int(value)
    raise ValueError(f"`{name}` must be a positive integer. Received: {name}={value} (of type "
                     f"{type(value).__name__}).")
