"""Quantized `EinsumDense`: int8 (kernel scales per output channel, input scales over the contracted axes at
call time), int4 (the kernel flattened to `(rows, columns)` = (contracted, kept) and packed two per byte) and
float8 (delayed scaling).

The stored variables and their shapes are Keras 3's (see `QuantizationAxes` for the `kernel_scale` layout).
"""
import math

import torch

from torchkeras.backend import dtypes
from torchkeras.layers.core import lora
from torchkeras.layers.core import quantization_args
from torchkeras.layers.core.einsum_spec import QuantizationAxes
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
_UNSUPPORTED = ("gptq", "awq")


def _unsupported(mode):
    return NotImplementedError(f"EinsumDense: {mode.upper()} quantization is not supported by torchkeras yet (it "
                               "needs a calibration run). Use 'int8', 'int4' or 'float8'.")


class EinsumDenseQuantization:
    """The quantization methods of `EinsumDense`."""

    @property
    def variable_serialization_spec(self):
        """The variables `save_own_variables` writes, in order, for each quantization mode (None: float)."""
        return {mode: list(names) for mode, names in _SPEC.items()}

    def _quantization_axes(self):
        axes = self.__dict__.get("_quant_axes")
        if axes is None:
            axes = self.__dict__["_quant_axes"] = QuantizationAxes(self.equation, self.input_spec.ndim)
        return axes

    def _flat_kernel_size(self, kernel_shape):
        """`(rows, columns)`: the sizes of the contracted and the kept kernel axes (int4's 2D layout)."""
        reduced = self._quantization_axes().kernel_reduced
        rows = math.prod(d for i, d in enumerate(kernel_shape) if i in reduced)
        return rows, math.prod(d for i, d in enumerate(kernel_shape) if i not in reduced)

    # --- build ---------------------------------------------------------------------------------------
    def quantized_build(self, kernel_shape, mode, config=None):
        if mode == "int8":
            self._int8_build(kernel_shape, config)
        elif mode == "int4":
            self._int4_build(kernel_shape, config)
        elif mode == "float8":
            quantization_args.add_float8_variables(self)
        elif mode in _UNSUPPORTED:
            raise _unsupported(mode)
        else:
            raise self._quantization_mode_error(mode)
        self._is_quantized = True

    def _int8_build(self, kernel_shape, config=None):
        axes = self._quantization_axes()
        self.inputs_quantizer = QuantizationConfig.activation_quantizer_or_default(config, AbsMaxQuantizer())
        self.quantization_axis = tuple(axes.input_reduced)
        self.kernel = self.add_weight(name="kernel", shape=kernel_shape, initializer="zeros", dtype="int8",
                                      trainable=False)
        self.kernel_scale = self.add_weight(name="kernel_scale", shape=axes.kernel_scale_shape(kernel_shape),
                                            initializer="ones", trainable=False)

    def _int4_build(self, kernel_shape, config=None):
        axes = self._quantization_axes()
        self.inputs_quantizer = QuantizationConfig.activation_quantizer_or_default(config, None)
        self.quantization_axis = tuple(axes.input_reduced)
        self.original_kernel_shape = tuple(kernel_shape)
        rows, columns = self._flat_kernel_size(kernel_shape)
        block_size = get_block_size_for_layer(self, config)
        grouped = block_size is not None and block_size != -1
        self._int4_block_size = block_size if grouped else None
        self._int4_unpacked_column_size = columns
        self._int4_rows = rows
        self.kernel = self.add_weight(name="kernel", shape=(rows, (columns + 1) // 2), initializer="zeros",
                                      dtype="int8", trainable=False)
        scale_shape = (math.ceil(rows / block_size), columns) if grouped else (columns,)
        self.kernel_scale = self.add_weight(name="kernel_scale", shape=scale_shape, initializer="ones",
                                            trainable=False)
        if grouped:
            self.kernel_zero = self.add_weight(name="kernel_zero", shape=scale_shape, initializer="zeros",
                                               dtype="int8", trainable=False)
            self.g_idx = self.add_weight(name="g_idx", shape=(rows,), initializer="zeros", dtype="float32",
                                         trainable=False)
            self.g_idx.assign(torch.div(torch.arange(rows, dtype=torch.float32), block_size, rounding_mode="floor"))

    # --- call ----------------------------------------------------------------------------------------
    def _compute_dtype_torch(self):
        return dtypes.to_torch_dtype(self.compute_dtype)

    def _int8_call(self, inputs, training=None):
        axes = self._quantization_axes()
        kernel, kernel_scale, quantizer = self.kernel, self.kernel_scale, self.inputs_quantizer
        cdtype = self._compute_dtype_torch()

        def float_kernel():
            return kernel.to(cdtype) / axes.to_kernel_layout(kernel_scale)

        def forward(x):
            if quantizer:
                x_q, x_scale = quantizer(x, axis=self.quantization_axis)
                x_scale = axes.to_output_layout(x_scale, "inputs")
                return self._int8_einsum(x_q, kernel, cdtype) / (x_scale * kernel_scale)
            return torch.einsum(self.equation, x, float_kernel())

        x = kernels.with_input_gradient(inputs, forward, self._input_gradient(float_kernel))
        return self._finish(self._add_lora(x, inputs, cdtype))

    def _int8_einsum(self, x_q, kernel, cdtype):
        """The einsum of int8 inputs and kernel with exact int32 accumulation (an int8 GEMM when the equation is a
        matmul), in `cdtype`."""
        if x_q.dtype != torch.int8 or kernel.dtype != torch.int8:
            common = torch.promote_types(x_q.dtype, kernel.dtype)
            return torch.einsum(self.equation, x_q.to(common), kernel.to(common)).to(cdtype)
        if self._plan is not None:
            n_bound, k, n, out_dims, _ = self._plan
            lead = tuple(x_q.shape[:x_q.dim() - n_bound])
            out = kernels.int8_matmul(x_q.reshape(lead + (k,)), kernel.reshape(k, n)).reshape(lead + out_dims)
        else:
            out = kernels.int8_einsum(self.equation, x_q, kernel)
        return out.to(cdtype)

    def _input_gradient(self, float_kernel):
        equation = self._quantization_axes().gradient_equation

        def input_grad(upstream):
            return torch.einsum(equation, upstream, float_kernel())

        return input_grad

    def _int4_float_kernel(self, cdtype):
        unpacked = unpack_int4(self.kernel, self._int4_unpacked_column_size, axis=-1, dtype="int8")
        if getattr(self, "_int4_block_size", None) is None:
            flat = unpacked.to(cdtype) / self.kernel_scale
        else:
            flat = dequantize_with_sz_map(unpacked, self.kernel_scale, self.kernel_zero, self.g_idx,
                                          group_axis=0).to(cdtype)
        return flat.reshape(self.original_kernel_shape)

    def _int4_call(self, inputs, training=None):
        axes = self._quantization_axes()
        cdtype = self._compute_dtype_torch()
        float_kernel = self._int4_float_kernel(cdtype)
        quantizer = self.inputs_quantizer if getattr(self, "_int4_block_size", None) is None else None

        def forward(x):
            if quantizer:
                x_q, x_scale = quantizer(x, axis=self.quantization_axis)
                x_scale = axes.to_output_layout(x_scale, "inputs")
                return torch.einsum(self.equation, x_q.to(cdtype), float_kernel) / x_scale
            return torch.einsum(self.equation, x, float_kernel)

        x = kernels.with_input_gradient(inputs, forward, self._input_gradient(lambda: float_kernel))
        return self._finish(self._add_lora(x, inputs, cdtype))

    def _float8_call(self, inputs, training=None):
        if self.lora_enabled:
            raise NotImplementedError("Currently, `_float8_call` doesn't support LoRA")
        cdtype = self._compute_dtype_torch()
        x_qdq = float8_training.quantize_dequantize_inputs(inputs, self.inputs_scale, self.inputs_amax_history,
                                                           training, cdtype)
        k_qdq = float8_training.quantize_dequantize_inputs(self.kernel, self.kernel_scale, self.kernel_amax_history,
                                                           training, cdtype)
        x = torch.einsum(self.equation, x_qdq, k_qdq)
        x = float8_training.quantize_dequantize_output_grads(x, self.outputs_grad_scale,
                                                             self.outputs_grad_amax_history, cdtype)
        if self.bias is not None:
            bias = self.bias
            if self.compute_dtype == "float32":  # Keras rounds the bias through bfloat16 here
                bias = bias.to(torch.bfloat16).to(bias.dtype)
            x = x + bias
        return self._activate(x)

    def _add_lora(self, x, inputs, cdtype):
        if not self.lora_enabled:
            return x
        lora_x = torch.matmul(torch.einsum(self.equation, inputs, self.lora_kernel_a), self.lora_kernel_b)
        return (x + (self.lora_alpha / self.lora_rank) * lora_x).to(cdtype)

    # --- quantize ------------------------------------------------------------------------------------
    def quantize(self, mode=None, type_check=True, config=None):
        """Quantize the kernel in place: `"int8"`, `"int4"` (block size from `Int4QuantizationConfig`, default
        128) or `"float8"`."""
        from torchkeras.layers.core.einsum_dense import EinsumDense

        if type_check and type(self) is not EinsumDense:
            raise self._not_implemented_error(self.quantize)
        if mode in _UNSUPPORTED:
            raise _unsupported(mode)
        self.quantization_config = config
        old_kernel = self.kernel
        kernel_shape = tuple(old_kernel.shape)
        axes = self._quantization_axes() if mode in ("int8", "int4") else None
        zero = None
        if mode == "int8":
            quantizer = QuantizationConfig.weight_quantizer_or_default(config,
                                                                       AbsMaxQuantizer(axis=axes.kernel_reduced))
            values, scale = quantizer(old_kernel, to_numpy=True)
            scale = axes.to_output_layout(scale, "kernel")
        elif mode == "int4":
            block_size = getattr(config, "block_size", None)
            flat = old_kernel.detach().reshape(self._flat_kernel_size(kernel_shape))
            if block_size is None or block_size == -1:
                values, scale = abs_max_quantize(flat, axis=0, value_range=(-8, 7), dtype="int8", to_numpy=True)
                scale = scale.squeeze(0)
            else:
                values, scale, zero = abs_max_quantize_grouped_with_zero_point(flat, block_size=block_size,
                                                                               to_numpy=True)
            values, _, _ = pack_int4(values, axis=-1)
        elif mode != "float8":
            raise self._quantization_mode_error(mode)
        if mode in ("int8", "int4"):
            self._untrack_variable(old_kernel)
        self.quantized_build(kernel_shape, mode, config)
        if mode in ("int8", "int4"):
            self.kernel.assign(values)
            self.kernel_scale.assign(scale)
            if zero is not None:
                self.kernel_zero.assign(zero)
        if self.dtype_policy.quantization_mode is None:
            from torchkeras import dtype_policies

            name = mode
            if mode == "int4":
                block_size = get_block_size_for_layer(self, config)
                name = f"int4/{-1 if block_size is None else block_size}"
            self.dtype_policy = dtype_policies.get(f"{name}_from_{self.dtype_policy.name}")

    # --- saving --------------------------------------------------------------------------------------
    def _get_kernel_with_merged_lora(self):
        """`(kernel, kernel_scale, kernel_zero)` to save: the LoRA update merged in, re-quantized for int8 /
        int4."""
        mode = self.quantization_mode
        if mode in (None, "gptq", "awq"):
            return self._kernel_value(), None, None
        zero = getattr(self, "kernel_zero", None)
        if not self.lora_enabled or mode == "float8":
            return self.kernel, self.kernel_scale, zero
        axes = self._quantization_axes()
        cdtype = self._compute_dtype_torch()
        with torch.no_grad():
            if mode == "int4":
                float_kernel = self._int4_float_kernel(cdtype)
            else:
                float_kernel = self.kernel / axes.to_kernel_layout(self.kernel_scale)
            merged = float_kernel + lora.delta(self, self.lora_kernel_a, self.lora_kernel_b)
            if mode == "int4":
                flat = merged.reshape(self._int4_rows, self._int4_unpacked_column_size)
                block_size = getattr(self, "_int4_block_size", None)
                if block_size is not None:
                    values, scale, zero = abs_max_quantize_grouped_with_zero_point(flat, block_size=block_size,
                                                                                   to_numpy=True)
                else:
                    values, scale = abs_max_quantize(flat, axis=0, value_range=(-8, 7), dtype="int8",
                                                     to_numpy=True)
                    scale, zero = scale.squeeze(0), None
                values, _, _ = pack_int4(values, axis=-1)
            else:
                values, scale = abs_max_quantize(merged, axis=axes.kernel_reduced, to_numpy=True)
                scale, zero = axes.to_output_layout(scale, "kernel"), None
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
