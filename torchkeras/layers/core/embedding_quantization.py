"""Quantized `Embedding`: int8 (one scale per row) and int4 (packed two per byte; one scale per row, or per
block of columns with zero points), with Keras 3's variables (`embeddings`, `embeddings_scale`,
`embeddings_zero`, `g_idx`)."""
import math

import torch
import torch.nn.functional as F

from torchkeras.backend import dtypes
from torchkeras.layers.core import lora
from torchkeras.layers.core import quantization_args
from torchkeras.quantizers.int4_packing import pack_int4
from torchkeras.quantizers.int4_packing import unpack_int4
from torchkeras.quantizers.quantization_config import QuantizationConfig
from torchkeras.quantizers.quantization_config import get_block_size_for_layer
from torchkeras.quantizers.quantizers import AbsMaxQuantizer
from torchkeras.quantizers.quantizers import abs_max_quantize
from torchkeras.quantizers.quantizers import abs_max_quantize_grouped_with_zero_point
from torchkeras.quantizers.zero_point import dequantize_with_sz_map

_SPEC = {
    None: ["embeddings"],
    "int8": ["embeddings", "embeddings_scale"],
    "int4": ["embeddings", "embeddings_scale", "embeddings_zero", "g_idx"],
}


class EmbeddingQuantization:
    """The quantization methods of `Embedding`."""

    @property
    def variable_serialization_spec(self):
        """The variables `save_own_variables` writes, in order, for each quantization mode (None: float)."""
        return {mode: list(names) for mode, names in _SPEC.items()}

    def _quantization_mode_error(self, mode):
        return NotImplementedError(f"Invalid quantization mode. Expected one of ('int8', 'int4'). "
                                   f"Received: quantization_mode={mode}")

    # --- build ---------------------------------------------------------------------------------------
    def quantized_build(self, embeddings_shape, mode, config=None):
        if mode == "int8":
            self.embeddings = self.add_weight(name="embeddings", shape=embeddings_shape, initializer="zeros",
                                              dtype="int8", trainable=False)
            # One scale per row (the vocabulary is usually larger than output_dim: less error this way).
            self.embeddings_scale = self.add_weight(name="embeddings_scale", shape=(self.input_dim,),
                                                    initializer="ones", trainable=False)
        elif mode == "int4":
            self._int4_build(embeddings_shape, config)
        else:
            raise self._quantization_mode_error(mode)
        self._is_quantized = True

    def _int4_build(self, embeddings_shape, config=None):
        input_dim, output_dim = embeddings_shape
        self.embeddings = self.add_weight(name="embeddings", shape=(input_dim, (output_dim + 1) // 2),
                                          initializer="zeros", dtype="int8", trainable=False)
        block_size = get_block_size_for_layer(self, config)
        self._int4_block_size = block_size
        grouped = block_size is not None and block_size > 0
        scale_shape = (self.input_dim, math.ceil(output_dim / block_size)) if grouped else (self.input_dim,)
        self.embeddings_scale = self.add_weight(name="embeddings_scale", shape=scale_shape, initializer="ones",
                                                trainable=False)
        if grouped:
            self.embeddings_zero = self.add_weight(name="embeddings_zero", shape=scale_shape, initializer="zeros",
                                                   dtype="int8", trainable=False)
            self.g_idx = self.add_weight(name="g_idx", shape=(output_dim,), initializer="zeros", dtype="float32",
                                         trainable=False)
            self.g_idx.assign(torch.div(torch.arange(output_dim, dtype=torch.float32), block_size,
                                        rounding_mode="floor"))
        self._orig_output_dim = output_dim

    # --- call ----------------------------------------------------------------------------------------
    def _int8_call(self, inputs, training=None):
        inputs = _indices(inputs)
        cdtype = dtypes.to_torch_dtype(self.compute_dtype)
        scale = F.embedding(inputs, self.embeddings_scale.unsqueeze(-1))
        outputs = F.embedding(inputs, self.embeddings).to(cdtype) / scale
        return self._add_lora(outputs, inputs, cdtype)

    def _int4_call(self, inputs, training=None):
        inputs = _indices(inputs)
        cdtype = dtypes.to_torch_dtype(self.compute_dtype)
        # Rows are packed independently: look the packed rows up, then unpack only those.
        outputs = unpack_int4(F.embedding(inputs, self.embeddings), self._orig_output_dim, axis=-1)
        block_size = getattr(self, "_int4_block_size", None)
        if block_size is None or block_size == -1:
            outputs = outputs.to(cdtype) / F.embedding(inputs, self.embeddings_scale.unsqueeze(-1))
        else:
            outputs = dequantize_with_sz_map(outputs.to(cdtype), F.embedding(inputs, self.embeddings_scale),
                                             F.embedding(inputs, self.embeddings_zero), self.g_idx, group_axis=-1)
        return self._add_lora(outputs, inputs, cdtype)

    def _add_lora(self, outputs, inputs, cdtype):
        if not self.lora_enabled:
            return outputs
        lora_outputs = torch.matmul(F.embedding(inputs, self.lora_embeddings_a), self.lora_embeddings_b)
        return (outputs + (self.lora_alpha / self.lora_rank) * lora_outputs).to(cdtype)

    # --- quantize ------------------------------------------------------------------------------------
    def quantize(self, mode=None, type_check=True, config=None):
        """Quantize the table in place: `"int8"` or `"int4"` (block size from `Int4QuantizationConfig`,
        default 128)."""
        from torchkeras.layers.core.embedding import Embedding

        if type_check and type(self) is not Embedding:
            raise self._not_implemented_error(self.quantize)
        self.quantization_config = config
        shape = (self.input_dim, self.output_dim)
        table = self.embeddings
        zero = None
        if mode == "int8":
            quantizer = QuantizationConfig.weight_quantizer_or_default(config, AbsMaxQuantizer(axis=-1))
            values, scale = quantizer(table, to_numpy=True)
            scale = scale.squeeze(-1)
        elif mode == "int4":
            block_size = getattr(config, "block_size", None)
            if block_size is None or block_size == -1:
                quantizer = QuantizationConfig.weight_quantizer_or_default(
                    config, AbsMaxQuantizer(axis=-1, value_range=(-8, 7), output_dtype="int8"))
                values, scale = quantizer(table, to_numpy=True)
                scale = scale.squeeze(-1)
            else:
                values, scale, zero = _quantize_rows_grouped(table.detach(), block_size)
            values, _, _ = pack_int4(values, axis=-1)
        else:
            raise self._quantization_mode_error(mode)
        self._untrack_variable(table)
        self.quantized_build(shape, mode, config)
        self.embeddings.assign(values)
        self.embeddings_scale.assign(scale)
        if zero is not None:
            self.embeddings_zero.assign(zero)
        if self.dtype_policy.quantization_mode is None:
            from torchkeras import dtype_policies

            name = mode
            if mode == "int4":
                block_size = get_block_size_for_layer(self, config)
                name = f"int4/{-1 if block_size is None else block_size}"
            self.dtype_policy = dtype_policies.get(f"{name}_from_{self.dtype_policy.name}")

    # --- saving --------------------------------------------------------------------------------------
    def _get_embeddings_with_merged_lora(self):
        """`(embeddings, embeddings_scale, embeddings_zero)` to save: the LoRA update merged in, re-quantized
        for int8 / int4."""
        mode = self.quantization_mode
        if mode is None:
            table = self.embeddings
            if self.lora_enabled:
                table = lora.merged(self, table, self.lora_embeddings_a, self.lora_embeddings_b)
            return table, None, None
        zero = getattr(self, "embeddings_zero", None)
        if not self.lora_enabled:
            return self.embeddings, self.embeddings_scale, zero
        cdtype = dtypes.to_torch_dtype(self.compute_dtype)
        block_size = getattr(self, "_int4_block_size", None)
        grouped = mode == "int4" and block_size is not None and block_size != -1
        with torch.no_grad():
            if mode == "int4":
                unpacked = unpack_int4(self.embeddings, self._orig_output_dim, axis=-1).to(cdtype)
                if grouped:
                    table = dequantize_with_sz_map(unpacked, self.embeddings_scale, self.embeddings_zero, self.g_idx,
                                                   group_axis=-1)
                else:
                    table = unpacked / self.embeddings_scale.unsqueeze(-1)
            else:
                table = self.embeddings.to(cdtype) / self.embeddings_scale.unsqueeze(-1)
            merged = table + lora.delta(self, self.lora_embeddings_a, self.lora_embeddings_b)
            if grouped:
                values, scale, zero = _quantize_rows_grouped(merged, block_size)
            else:
                value_range = (-8, 7) if mode == "int4" else (-127, 127)
                values, scale = abs_max_quantize(merged, axis=-1, value_range=value_range, dtype="int8",
                                                 to_numpy=True)
                scale, zero = scale.squeeze(-1), None
        if mode == "int4":
            values, _, _ = pack_int4(values, axis=-1)
        return values, scale, zero

    def _variables_to_save(self):
        spec = self.variable_serialization_spec
        if self.quantization_mode not in spec:
            raise self._quantization_mode_error(self.quantization_mode)
        merged = self._get_embeddings_with_merged_lora()
        return quantization_args.spec_values(self, spec[self.quantization_mode], "embeddings", merged)[0]

    def _variables_to_load(self):
        spec = self.variable_serialization_spec
        if self.quantization_mode not in spec:
            raise self._quantization_mode_error(self.quantization_mode)
        return quantization_args.spec_values(self, spec[self.quantization_mode], "embeddings", (None, None, None))[1]


def _indices(inputs):
    return inputs if inputs.dtype in (torch.int64, torch.int32) else inputs.long()


def _quantize_rows_grouped(table, block_size):
    """Asymmetric int4 quantization of each row in blocks of `block_size` columns: `(values, scale, zero)`
    with `scale`/`zero` of shape `(rows, n_blocks)`."""
    values_t, scale_t, zero_t = abs_max_quantize_grouped_with_zero_point(table.t(), block_size=block_size,
                                                                         value_range=(-8, 7), dtype="int8",
                                                                         to_numpy=True)
    return values_t.t(), scale_t.t(), zero_t.t()
