"""Quantized `ReversibleEmbedding`: the table as `Embedding` quantizes it, plus (untied) the reverse projection
`reverse_embeddings` `(output_dim, input_dim)` quantized per vocabulary column (int4: packed along the embedding
axis); reverse calls quantize their inputs per row (Keras 3's variables and numbers)."""
import copy
import math

import torch

from torchkeras.backend import dtypes
from torchkeras.quantizers import kernels
from torchkeras.quantizers.int4_packing import pack_int4
from torchkeras.quantizers.int4_packing import unpack_int4
from torchkeras.quantizers.quantization_config import QuantizationConfig
from torchkeras.quantizers.quantization_config import get_block_size_for_layer
from torchkeras.quantizers.quantizers import AbsMaxQuantizer
from torchkeras.quantizers.quantizers import abs_max_quantize_grouped_with_zero_point
from torchkeras.quantizers.zero_point import dequantize_with_sz_map


class ReversibleEmbeddingQuantization:
    """The quantization methods `ReversibleEmbedding` adds to `Embedding`'s."""

    @property
    def variable_serialization_spec(self):
        spec = copy.deepcopy(super().variable_serialization_spec)
        if not self.tie_weights:
            for mode, names in spec.items():
                names.append("reverse_embeddings")
                if mode in ("int4", "int8"):
                    names.append("reverse_embeddings_scale")
                if mode == "int4":
                    names.append("reverse_embeddings_zero")
        return spec

    def quantized_build(self, embeddings_shape, mode, config=None):
        super().quantized_build(embeddings_shape, mode, config)
        self.inputs_quantizer = QuantizationConfig.activation_quantizer_or_default(config, AbsMaxQuantizer(axis=-1))
        if self.tie_weights:
            return
        if mode == "int8":
            self.reverse_embeddings = self.add_weight(name="reverse_embeddings", shape=(self.output_dim, self.input_dim),
                                                      initializer="zeros", dtype="int8", trainable=False)
            self.reverse_embeddings_scale = self.add_weight(name="reverse_embeddings_scale", shape=(self.input_dim,),
                                                            initializer="ones", trainable=False)
            return
        block_size = get_block_size_for_layer(self, config)
        grouped = block_size is not None and block_size != -1
        self.reverse_embeddings = self.add_weight(name="reverse_embeddings",
                                                  shape=((self.output_dim + 1) // 2, self.input_dim),
                                                  initializer="zeros", dtype="int8", trainable=False)
        scale_shape = (math.ceil(self.output_dim / block_size), self.input_dim) if grouped else (self.input_dim,)
        self.reverse_embeddings_scale = self.add_weight(name="reverse_embeddings_scale", shape=scale_shape,
                                                        initializer="ones", trainable=False)
        if grouped:  # float32, as Keras creates it
            self.reverse_embeddings_zero = self.add_weight(name="reverse_embeddings_zero", shape=scale_shape,
                                                           initializer="zeros", trainable=False)

    def _int8_call(self, inputs, reverse=False, training=None):
        if not reverse:
            return super()._int8_call(inputs)
        if self.tie_weights:
            kernel, scale = self.embeddings.t(), self.embeddings_scale
        else:
            kernel, scale = self.reverse_embeddings, self.reverse_embeddings_scale
        cdtype = dtypes.to_torch_dtype(self.compute_dtype)
        inputs, inputs_scale = self._quantize_reverse_inputs(inputs, cdtype)
        logits = _matmul(inputs, kernel, cdtype) / (inputs_scale * scale)
        return self._soft_cap(logits)

    def _int4_call(self, inputs, reverse=False, training=None):
        if not reverse:
            return super()._int4_call(inputs)
        block_size = getattr(self, "_int4_block_size", None)
        if self.tie_weights:
            packed, scale = self.embeddings.t(), self.embeddings_scale
            zero = getattr(self, "embeddings_zero", None)
            if block_size is not None and block_size != -1:
                scale, zero = scale.t(), zero.t()
        else:
            packed, scale = self.reverse_embeddings, self.reverse_embeddings_scale
            zero = getattr(self, "reverse_embeddings_zero", None)
        unpacked = unpack_int4(packed, self.output_dim, axis=0)
        cdtype = dtypes.to_torch_dtype(self.compute_dtype)
        inputs, inputs_scale = self._quantize_reverse_inputs(inputs, cdtype)
        if block_size is None or block_size == -1:
            logits = _matmul(inputs, unpacked, cdtype) / (inputs_scale * scale)
        else:
            table = dequantize_with_sz_map(unpacked.to(cdtype), scale, zero, self.g_idx, group_axis=0)
            logits = torch.matmul(inputs.to(table.dtype), table) / inputs_scale
        return self._soft_cap(logits)

    def _quantize_reverse_inputs(self, inputs, cdtype):
        if self.inputs_quantizer:
            return self.inputs_quantizer(inputs)
        return inputs, torch.ones((1,), dtype=cdtype, device=inputs.device)

    def _soft_cap(self, logits):
        if self.logit_soft_cap is None:
            return logits
        return torch.tanh(logits / self.logit_soft_cap) * self.logit_soft_cap

    def quantize(self, mode=None, type_check=True, config=None):
        """Quantize the table (and the untied reverse projection): `"int8"` or `"int4"`."""
        from torchkeras.layers.core.reversible_embedding import ReversibleEmbedding

        if type_check and type(self) is not ReversibleEmbedding:
            raise self._not_implemented_error(self.quantize)
        if self.tie_weights or mode not in ("int8", "int4"):
            return super().quantize(mode, type_check=False, config=config)
        reverse = self.reverse_embeddings
        block_size = getattr(config, "block_size", None) if mode == "int4" else None
        zero = None
        if mode == "int8":
            quantizer = QuantizationConfig.weight_quantizer_or_default(config, AbsMaxQuantizer(axis=0))
            values, scale = quantizer(reverse, to_numpy=True)
            scale = scale.squeeze(0)
        elif block_size is None or block_size == -1:
            quantizer = QuantizationConfig.weight_quantizer_or_default(
                config, AbsMaxQuantizer(axis=0, value_range=(-8, 7), output_dtype="int8"))
            values, scale = quantizer(reverse, to_numpy=True)
            scale = scale.squeeze(0)
        else:
            values, scale, zero = abs_max_quantize_grouped_with_zero_point(reverse.detach(), block_size=block_size,
                                                                           value_range=(-8, 7), dtype="int8",
                                                                           to_numpy=True)
        if mode == "int4":
            values, _, _ = pack_int4(values, axis=0)
        self._untrack_variable(reverse)
        super().quantize(mode, type_check=False, config=config)  # the table, then `quantized_build`
        self.reverse_embeddings.assign(values)
        self.reverse_embeddings_scale.assign(scale)
        if zero is not None:
            self.reverse_embeddings_zero.assign(zero.to(torch.float32))


def _matmul(inputs, kernel, cdtype):
    """Keras's `matmul` of (quantized) inputs and an int8 kernel: exact int32 for int8 x int8, else float."""
    if inputs.dtype == torch.int8 and kernel.dtype == torch.int8:
        return kernels.int8_matmul(inputs, kernel).to(cdtype)
    common = torch.promote_types(inputs.dtype, kernel.dtype)
    return torch.matmul(inputs.to(common), kernel.to(common)).to(cdtype)
