"""`keras.layers.EinsumDense`: a dense layer whose contraction is an einsum equation."""
import math

import torch
import torch.nn.functional as F

from torchkeras import activations, constraints, initializers, regularizers
from torchkeras.api_export import keras_export
from torchkeras.initializers.variance_scaling import VarianceScaling
from torchkeras.layers.core import lora
from torchkeras.layers.core import own_variables
from torchkeras.layers.core.einsum_dense_quantization import EinsumDenseQuantization
from torchkeras.layers.core.einsum_spec import EinsumSpec
from torchkeras.layers.core.quantization_args import check_quantization_config
from torchkeras.layers.core.quantization_args import deserialize_quantization_config
from torchkeras.layers.core.quantization_args import serialize_quantization_config
from torchkeras.layers.input_spec import InputSpec
from torchkeras.layers.layer import Layer

__all__ = ["EinsumDense", "EinsumSpec"]


@keras_export("keras.layers.EinsumDense")
class EinsumDense(own_variables.MergedLoraVariables, EinsumDenseQuantization, Layer):
    """A dense layer defined by an einsum `equation` between the inputs and a kernel.

    `output_shape` is the expected output shape without the batch axis (None for sizes taken from the
    input); `bias_axes` names the output letters that get a bias. Example: `EinsumDense("abc,cd->abd",
    output_shape=(None, 64), bias_axes="d")` applies a `(c, 64)` kernel to the last axis of 3D inputs.
    `lora_rank` / `enable_lora(rank)` learn a low-rank kernel update; `quantize("int8" | "int4" | "float8")`
    quantizes the kernel.
    """

    def __init__(self, equation, output_shape, activation=None, bias_axes=None, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, lora_rank=None, lora_alpha=None, gptq_unpacked_column_size=None,
                 quantization_config=None, **kwargs):
        super().__init__(**kwargs)
        self.equation = equation
        self.partial_output_shape = (output_shape,) if isinstance(output_shape, int) else tuple(output_shape)
        self.bias_axes = bias_axes
        self.activation = activations.get(activation)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.lora_rank = lora_rank
        self.lora_alpha = lora_alpha if lora_alpha is not None else lora_rank
        self.lora_enabled = False
        if gptq_unpacked_column_size is not None:
            raise NotImplementedError(
                "EinsumDense: `gptq_unpacked_column_size` describes a GPTQ-quantized kernel, and torchkeras does not "
                f"support GPTQ yet. Received: gptq_unpacked_column_size={gptq_unpacked_column_size}"
            )
        self.gptq_unpacked_column_size = None
        self.quantization_config = check_quantization_config(self, quantization_config)
        self._plan = None

    def build(self, input_shape):
        input_shape = tuple(input_shape)
        spec = EinsumSpec(self.equation, self.bias_axes, input_shape, self.partial_output_shape)
        if any(d is None for d in spec.kernel_shape):
            raise ValueError(
                f"EinsumDense needs defined sizes for every kernel axis. Equation '{self.equation}', input shape "
                f"{input_shape}, output_shape {self.partial_output_shape} give kernel shape {spec.kernel_shape}."
            )
        self.input_spec = InputSpec(ndim=len(input_shape))
        kernel_shape = tuple(spec.kernel_shape)
        mode = self.quantization_mode
        if mode is not None:
            self.quantized_build(kernel_shape, mode=mode, config=self.quantization_config)
        if mode not in ("int8", "int4", "gptq", "awq"):
            kernel_initializer = self.kernel_initializer
            if isinstance(kernel_initializer, VarianceScaling) and (
                    kernel_initializer.input_axes is None or kernel_initializer.output_axes is None):
                config = kernel_initializer.get_config()
                config.update({"seed": kernel_initializer.seed, "input_axes": spec.input_axes,
                               "output_axes": spec.output_axes})
                kernel_initializer = type(kernel_initializer).from_config(config)
            self.kernel = self.add_weight(name="kernel", shape=kernel_shape, initializer=kernel_initializer,
                                          regularizer=self.kernel_regularizer, constraint=self.kernel_constraint,
                                          trainable=True)
        if spec.bias_shape is not None:
            self.bias = self.add_weight(name="bias", shape=tuple(spec.bias_shape), initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer, constraint=self.bias_constraint,
                                        trainable=True)
        else:
            self.bias = None
        self._set_plan(spec, kernel_shape)
        self.built = True
        if self.lora_rank:
            self.enable_lora(self.lora_rank, lora_alpha=self.lora_alpha)

    def _set_plan(self, spec, shape):
        """A matmul over the input's trailing axes, when the equation is one: `(n_bound, K, N, out_dims,
        fused_bias)`."""
        plan = spec.matmul_plan()
        if plan is None:
            self._plan = None
            return
        _, n_out = plan
        n_bound = len(shape) - n_out
        out_dims = shape[n_bound:]
        # The bias can go into the fused matmul when it spans exactly the kernel's output axes.
        fused_bias = self.bias is not None and tuple(self.bias.shape) == out_dims
        self._plan = (n_bound, math.prod(shape[:n_bound]), math.prod(out_dims), out_dims, fused_bias)

    @property
    def _kernel(self):
        """The kernel variable (Keras's private name for it)."""
        return self.kernel

    def _kernel_value(self):
        kernel = self.kernel
        if self.lora_enabled:
            kernel = lora.merged(self, kernel, self.lora_kernel_a, self.lora_kernel_b)
        return kernel

    def call(self, inputs, training=None):
        if self._dtype_policy._quantization_mode is not None:
            return self.quantized_call(inputs, training=training)
        kernel = self._kernel_value()
        if self._plan is not None:
            n_bound, k, n, out_dims, fused_bias = self._plan
            lead = tuple(inputs.shape[:inputs.dim() - n_bound])
            bias = self.bias.reshape(n) if fused_bias else None
            out = F.linear(inputs.reshape(lead + (k,)), kernel.reshape(k, n).t(), bias).reshape(lead + out_dims)
            if self.bias is not None and not fused_bias:
                out = out + self.bias
            return self._activate(out)
        return self._finish(torch.einsum(self.equation, inputs, kernel))

    def _finish(self, x):
        """Add the bias and apply the activation."""
        if self.bias is not None:
            x = x + self.bias
        return self._activate(x)

    def _activate(self, x):
        if self.activation is None or self.activation is activations.linear:
            return x
        return self.activation(x)

    def compute_output_shape(self, input_shape):
        return EinsumSpec(self.equation, self.bias_axes, tuple(input_shape), self.partial_output_shape).output_shape

    # --- LoRA ----------------------------------------------------------------------------------------
    def enable_lora(self, rank, lora_alpha=None, a_initializer="he_uniform", b_initializer="zeros"):
        """Freeze the kernel and learn a low-rank update `(lora_alpha / rank) * lora_kernel_a @ lora_kernel_b`."""
        lora.check_can_enable(self, self.kernel_constraint)
        if self.quantization_mode == "gptq":
            raise NotImplementedError("lora is not currently supported with GPTQ quantization.")
        shape = tuple(self.original_kernel_shape) if self.quantization_mode == "int4" else tuple(self.kernel.shape)
        self.lora_kernel_a, self.lora_kernel_b = lora.add_weights(
            self, ("lora_kernel_a", "lora_kernel_b"), shape[:-1] + (rank,), (rank, shape[-1]), a_initializer,
            b_initializer, self.kernel_regularizer)
        lora.freeze(self, self.kernel, rank, lora_alpha)

    # --- saving --------------------------------------------------------------------------------------
    def _lora_weights(self):
        return self.lora_kernel_a, self.lora_kernel_b

    # --- config --------------------------------------------------------------------------------------
    def get_config(self):
        config = super().get_config()
        config.update({
            "output_shape": self.partial_output_shape,
            "equation": self.equation,
            "activation": activations.serialize(self.activation),
            "bias_axes": self.bias_axes,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
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
