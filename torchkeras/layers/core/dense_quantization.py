"""Quantized `Dense`: int8 (weights per output unit, activations per row at call time), int4 (packed two per
byte, per output unit or in blocks of input rows with zero points) and float8 (delayed scaling).

Variables and numbers follow Keras 3: `kernel` int8 `(input_dim, units)` and `kernel_scale` `(units,)` for
int8; `kernel` int8 `(input_dim, ceil(units / 2))` packed, `kernel_scale` `(units,)` or `(n_groups, units)`,
`kernel_zero` and `g_idx` for int4; the float kernel plus six scale / amax-history scalars for float8.
"""
import math

import torch

from torchkeras.backend import dtypes
from torchkeras.layers.core import lora
from torchkeras.layers.core import quantization_args
from torchkeras.layers.weight_layout import store_transposed
from torchkeras.quantizers import float8_training
from torchkeras.quantizers import kernels
from torchkeras.quantizers.int4_packing import pack_int4
from torchkeras.quantizers.int4_packing import unpack_int4
from torchkeras.quantizers.quantization_config import QuantizationConfig
from torchkeras.quantizers.quantization_config import get_block_size_for_layer
from torchkeras.quantizers.quantizers import AbsMaxQuantizer
from torchkeras.quantizers.quantizers import abs_max_quantize
from torchkeras.quantizers.quantizers import abs_max_quantize_grouped_with_zero_point
from torchkeras.quantizers.zero_point import dequantize_with_sz_map

_SPEC = {
    None: ["kernel", "bias"],
    "int8": ["kernel", "bias", "kernel_scale"],
    "int4": ["kernel", "bias", "kernel_scale", "kernel_zero", "g_idx"],
    "float8": ["kernel", "bias", "inputs_scale", "inputs_amax_history", "kernel_scale", "kernel_amax_history",
               "outputs_grad_scale", "outputs_grad_amax_history"],
    "gptq": ["bias", "quantized_kernel", "kernel_scale", "kernel_zero", "g_idx"],
    "awq": ["bias", "quantized_kernel", "kernel_scale", "kernel_zero", "awq_scales", "g_idx"],
}


class DenseQuantization:
    """The quantization methods of `Dense`."""

    @property
    def variable_serialization_spec(self):
        """The variables `save_own_variables` writes, in order, for each quantization mode (None: float)."""
        return {mode: list(names) for mode, names in _SPEC.items()}

    # --- build ---------------------------------------------------------------------------------------
    def quantized_build(self, kernel_shape, mode, config=None):
        if mode == "int8":
            self._int8_build(kernel_shape, config)
        elif mode == "int4":
            self._int4_build(kernel_shape, config)
        elif mode == "float8":
            quantization_args.add_float8_variables(self)
        elif mode in ("gptq", "awq"):
            raise NotImplementedError(
                f"Dense: {mode.upper()} quantization is not supported by torchkeras yet (it needs a calibration "
                "run). Use 'int8', 'int4' or 'float8'."
            )
        else:
            raise self._quantization_mode_error(mode)
        self._is_quantized = True

    def _int8_build(self, kernel_shape, config=None):
        self.inputs_quantizer = QuantizationConfig.activation_quantizer_or_default(config, AbsMaxQuantizer())
        self.kernel = self.add_weight(name="kernel", shape=kernel_shape, initializer="zeros", dtype="int8",
                                      trainable=False)
        store_transposed(self.kernel)
        self.kernel_scale = self.add_weight(name="kernel_scale", shape=(self.units,), initializer="ones",
                                            trainable=False)

    def _int4_build(self, kernel_shape, config=None):
        self.inputs_quantizer = QuantizationConfig.activation_quantizer_or_default(config, None)
        input_dim, output_dim = kernel_shape
        self.kernel = self.add_weight(name="kernel", shape=(input_dim, (output_dim + 1) // 2), initializer="zeros",
                                      dtype="int8", trainable=False)
        block_size = get_block_size_for_layer(self, config)
        self._int4_block_size = block_size
        grouped = block_size is not None and block_size > 0
        scale_shape = (math.ceil(input_dim / block_size), self.units) if grouped else (self.units,)
        self.kernel_scale = self.add_weight(name="kernel_scale", shape=scale_shape, initializer="ones",
                                            trainable=False)
        if grouped:
            self.kernel_zero = self.add_weight(name="kernel_zero", shape=scale_shape, initializer="zeros",
                                               dtype="int8", trainable=False)

            def group_index(shape, dtype=None):
                return torch.div(torch.arange(input_dim, dtype=torch.float32), block_size, rounding_mode="floor")

            self.g_idx = self.add_weight(name="g_idx", shape=(input_dim,), initializer=group_index,
                                         dtype="float32", trainable=False)
        self._orig_input_dim = input_dim
        self._orig_output_dim = output_dim

    # --- call ----------------------------------------------------------------------------------------
    def _compute_dtype_torch(self):
        return dtypes.to_torch_dtype(self.compute_dtype)

    def _int8_call(self, inputs, training=None):
        kernel, kernel_scale, quantizer = self.kernel, self.kernel_scale, self.inputs_quantizer
        cdtype = self._compute_dtype_torch()

        def forward(x):
            if quantizer:
                x_q, x_scale = quantizer(x, axis=-1)
                return _int_or_float_matmul(x_q, kernel, cdtype) / (kernel_scale * x_scale)
            return torch.matmul(x, kernel.to(x.dtype)).to(cdtype) / kernel_scale

        def input_grad(upstream):
            return torch.matmul(upstream, (kernel.to(cdtype) / kernel_scale).t())

        x = kernels.with_input_gradient(inputs, forward, input_grad)
        return self._finish(self._add_lora(x, inputs, cdtype))

    def _int4_call(self, inputs, training=None):
        block_size = getattr(self, "_int4_block_size", None)
        unpacked = unpack_int4(self.kernel, self._orig_output_dim, axis=-1)
        cdtype = self._compute_dtype_torch()
        if block_size is None or block_size == -1:
            kernel_scale, quantizer = self.kernel_scale, self.inputs_quantizer

            def float_kernel():
                return unpacked.to(cdtype) / kernel_scale

            def forward(x):
                if quantizer:
                    x_q, x_scale = quantizer(x, axis=-1)
                    return _int_or_float_matmul(x_q, unpacked, cdtype) / (kernel_scale * x_scale)
                return torch.matmul(x, unpacked.to(x.dtype)).to(cdtype) / kernel_scale
        else:
            dequantized = dequantize_with_sz_map(unpacked, self.kernel_scale, self.kernel_zero, self.g_idx,
                                                 group_axis=0).to(cdtype)

            def float_kernel():
                return dequantized

            def forward(x):
                return torch.matmul(x, dequantized)

        def input_grad(upstream):
            return torch.matmul(upstream, float_kernel().t())

        x = kernels.with_input_gradient(inputs, forward, input_grad)
        return self._finish(self._add_lora(x, inputs, cdtype))

    def _float8_call(self, inputs, training=None):
        if self.lora_enabled:
            raise NotImplementedError("Currently, `_float8_call` doesn't support LoRA")
        cdtype = self._compute_dtype_torch()
        x = _scaled_mm_inference(self, inputs, cdtype)
        if x is None:
            x_qdq = float8_training.quantize_dequantize_inputs(inputs, self.inputs_scale, self.inputs_amax_history,
                                                               training, cdtype)
            k_qdq = float8_training.quantize_dequantize_inputs(self.kernel, self.kernel_scale,
                                                               self.kernel_amax_history, training, cdtype)
            x = torch.matmul(x_qdq, k_qdq)
            x = float8_training.quantize_dequantize_output_grads(x, self.outputs_grad_scale,
                                                                 self.outputs_grad_amax_history, cdtype)
        if self.bias is not None:
            bias = self.bias
            if self.compute_dtype == "float32":  # Keras rounds the bias through bfloat16 here
                bias = bias.to(torch.bfloat16).to(bias.dtype)
            x = x + bias
        return self._finish(x, with_bias=False)

    def _add_lora(self, x, inputs, cdtype):
        if not self.lora_enabled:
            return x
        lora_x = torch.matmul(torch.matmul(inputs, self.lora_kernel_a), self.lora_kernel_b)
        return (x + (self.lora_alpha / self.lora_rank) * lora_x).to(cdtype)

    # --- quantize ------------------------------------------------------------------------------------
    def quantize(self, mode=None, type_check=True, config=None):
        """Quantize the kernel in place: `"int8"`, `"int4"` (block size from `Int4QuantizationConfig`, default
        128) or `"float8"`."""
        from torchkeras.layers.core.dense import Dense

        if type_check and type(self) is not Dense:
            raise self._not_implemented_error(self.quantize)
        if mode in ("gptq", "awq"):
            raise NotImplementedError(
                f"Dense: {mode.upper()} quantization is not supported by torchkeras yet (it needs a calibration "
                "run). Use 'int8', 'int4' or 'float8'."
            )
        self.quantization_config = config
        old_kernel = self.kernel
        kernel_shape = tuple(old_kernel.shape)
        if mode == "int8":
            quantizer = QuantizationConfig.weight_quantizer_or_default(config, AbsMaxQuantizer(axis=0))
            values, scale = quantizer(old_kernel, to_numpy=True)
            scale = scale.squeeze(0)
            self._untrack_variable(old_kernel)
            self.quantized_build(kernel_shape, mode, config)
            self.kernel.assign(values)
            self.kernel_scale.assign(scale)
        elif mode == "int4":
            block_size = getattr(config, "block_size", None)
            zero = None
            if block_size is None or block_size == -1:
                quantizer = QuantizationConfig.weight_quantizer_or_default(
                    config, AbsMaxQuantizer(axis=0, value_range=(-8, 7), output_dtype="int8"))
                values, scale = quantizer(old_kernel, to_numpy=True)
                scale = scale.squeeze(0)
            else:
                values, scale, zero = abs_max_quantize_grouped_with_zero_point(old_kernel, block_size=block_size,
                                                                               to_numpy=True)
            packed, _, _ = pack_int4(values, axis=-1)
            self._untrack_variable(old_kernel)
            self.quantized_build(kernel_shape, mode, config)
            self.kernel.assign(packed)
            self.kernel_scale.assign(scale)
            if zero is not None:
                self.kernel_zero.assign(zero)
        elif mode == "float8":
            self.quantized_build(kernel_shape, mode)
        else:
            raise self._quantization_mode_error(mode)
        if self.dtype_policy.quantization_mode is None:
            from torchkeras import dtype_policies

            name = mode
            if mode == "int4":
                block_size = get_block_size_for_layer(self, config)
                name = f"int4/{-1 if block_size is None else block_size}"
            self.dtype_policy = dtype_policies.get(f"{name}_from_{self.dtype_policy.name}")

    # --- saving --------------------------------------------------------------------------------------
    def _merged_float_kernel(self):
        if self.lora_enabled:
            return lora.merged(self, self.kernel, self.lora_kernel_a, self.lora_kernel_b)
        return self.kernel

    def _get_kernel_with_merged_lora(self):
        """`(kernel, kernel_scale, kernel_zero)` to save: the LoRA update merged in, re-quantized for int8 /
        int4 (dequantize, add `(alpha / rank) * a @ b`, quantize again)."""
        mode = self.quantization_mode
        if mode in (None, "gptq", "awq"):
            return self._merged_float_kernel(), None, None
        zero = getattr(self, "kernel_zero", None)
        if not self.lora_enabled or mode == "float8":
            return self.kernel, self.kernel_scale, zero
        cdtype = self._compute_dtype_torch()
        block_size = getattr(self, "_int4_block_size", None)
        grouped = mode == "int4" and block_size is not None and block_size != -1
        with torch.no_grad():
            if mode == "int4":
                unpacked = unpack_int4(self.kernel, self._orig_output_dim, axis=-1)
                if grouped:
                    float_kernel = dequantize_with_sz_map(unpacked, self.kernel_scale, self.kernel_zero, self.g_idx,
                                                          group_axis=0).to(cdtype)
                else:
                    float_kernel = unpacked.to(cdtype) / self.kernel_scale
            else:
                float_kernel = self.kernel.to(cdtype) / self.kernel_scale
            merged = float_kernel + lora.delta(self, self.lora_kernel_a, self.lora_kernel_b)
            value_range = (-8, 7) if mode == "int4" else (-127, 127)
            if grouped:
                values, scale, zero = abs_max_quantize_grouped_with_zero_point(merged, block_size=block_size,
                                                                               to_numpy=True)
            else:
                values, scale = abs_max_quantize(merged, axis=0, value_range=value_range, dtype="int8",
                                                 to_numpy=True)
                scale, zero = scale.squeeze(0), None
        if mode == "int4":
            values, _, _ = pack_int4(values, axis=-1)
        return values, scale, zero

    def _variables_to_save(self):
        mode = self.quantization_mode
        if mode not in _SPEC:
            raise self._quantization_mode_error(mode)
        return quantization_args.spec_values(self, _SPEC[mode], "kernel", self._get_kernel_with_merged_lora())[0]

    def _variables_to_load(self):
        mode = self.quantization_mode
        if mode not in _SPEC:
            raise self._quantization_mode_error(mode)
        return quantization_args.spec_values(self, _SPEC[mode], "kernel", (None, None, None))[1]


def _int_or_float_matmul(x_q, kernel, cdtype):
    """The product of quantized inputs and an int8 kernel, as Keras computes it: exact int32 accumulation when
    both are int8, else a floating-point product; returned in `cdtype`."""
    if x_q.dtype == torch.int8 and kernel.dtype == torch.int8:
        return kernels.int8_matmul(x_q, kernel).to(cdtype)
    common = torch.promote_types(x_q.dtype, kernel.dtype)
    return torch.matmul(x_q.to(common), kernel.to(common)).to(cdtype)


def _scaled_mm_inference(layer, inputs, cdtype):
    """The float8 product on a CUDA device with float8 GEMMs, in inference (no gradient needed); else None."""
    if inputs.device.type not in kernels.FLOAT8_GEMM_DEVICES or (
            torch.is_grad_enabled() and (inputs.requires_grad or layer.kernel.requires_grad)):
        return None
    e4m3 = float8_training.E4M3
    limit = torch.finfo(e4m3).max
    x8 = torch.clamp(inputs / layer.inputs_scale, -limit, limit).to(e4m3)
    k8 = torch.clamp(layer.kernel / layer.kernel_scale, -limit, limit).to(e4m3)
    lead = tuple(inputs.shape[:-1])
    out = kernels.scaled_mm_float8(x8.reshape(-1, x8.shape[-1]), k8, layer.inputs_scale, layer.kernel_scale, cdtype)
    return None if out is None else out.reshape(lead + (out.shape[-1],))
