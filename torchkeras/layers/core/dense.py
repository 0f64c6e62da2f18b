"""`keras.layers.Dense`: `activation(dot(inputs, kernel) + bias)`."""
import numbers

import torch
import torch.nn.functional as F

from torchkeras import activations, constraints, initializers, regularizers
from torchkeras.api_export import keras_export
from torchkeras.layers.core import lora
from torchkeras.layers.core import own_variables
from torchkeras.layers.core.dense_quantization import DenseQuantization
from torchkeras.layers.core.quantization_args import check_quantization_config
from torchkeras.layers.core.quantization_args import deserialize_quantization_config
from torchkeras.layers.core.quantization_args import serialize_quantization_config
from torchkeras.layers.input_spec import InputSpec
from torchkeras.layers.layer import Layer
from torchkeras.layers.weight_layout import store_transposed
from torchkeras.utils import legacy_args

_KERAS1 = {"output_dim": "units", "init": "kernel_initializer", "W_regularizer": "kernel_regularizer",
           "b_regularizer": "bias_regularizer", "W_constraint": "kernel_constraint",
           "b_constraint": "bias_constraint", "bias": "use_bias"}


@keras_export("keras.layers.Dense")
class Dense(own_variables.MergedLoraVariables, DenseQuantization, Layer):
    """A densely-connected layer: `output = activation(dot(input, kernel) + bias)`.

    The kernel has shape `(input_dim, units)` (Keras layout) and applies to the last axis of inputs of any rank.
    `lora_rank` (or `enable_lora(rank)`) freezes the kernel and learns a low-rank update scaled by
    `lora_alpha / lora_rank`. `quantize("int8" | "int4" | "float8")` quantizes the kernel.
    """

    def __init__(self, units=None, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None, lora_rank=None,
                 lora_alpha=None, quantization_config=None, **kwargs):
        if units is None and "output_dim" not in kwargs:
            raise TypeError("Dense.__init__() missing 1 required positional argument: 'units'")
        explicit = {"units": units, "kernel_initializer": kernel_initializer, "use_bias": use_bias}
        legacy = legacy_args.translate("Dense", {k: kwargs.pop(k) for k in list(kwargs) if k in _KERAS1}, _KERAS1)
        units = legacy.pop("units", units)
        kernel_initializer = legacy.pop("kernel_initializer", explicit["kernel_initializer"])
        use_bias = legacy.pop("use_bias", use_bias)
        kernel_regularizer = legacy.pop("kernel_regularizer", kernel_regularizer)
        bias_regularizer = legacy.pop("bias_regularizer", bias_regularizer)
        kernel_constraint = legacy.pop("kernel_constraint", kernel_constraint)
        bias_constraint = legacy.pop("bias_constraint", bias_constraint)
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        if isinstance(units, numbers.Integral) and not isinstance(units, bool):
            units = int(units)
        if not isinstance(units, int) or isinstance(units, bool) or units <= 0:
            raise ValueError(
                f"Received an invalid value for `units`, expected a positive integer. Received: units={units}"
            )
        self.units = units
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.lora_rank = lora_rank
        self.lora_alpha = lora_alpha if lora_alpha is not None else lora_rank
        self.lora_enabled = False
        self.quantization_config = check_quantization_config(self, quantization_config)
        self.input_spec = InputSpec(min_ndim=2)
        self.supports_masking = True

    def build(self, input_shape):
        input_dim = input_shape[-1]
        if input_dim is None:
            raise ValueError(
                f"The last dimension of the inputs to a Dense layer should be defined. Found None. "
                f"Full input shape received: {tuple(input_shape)}"
            )
        kernel_shape = (input_dim, self.units)
        mode = self.quantization_mode
        if mode:
            self.quantized_build(kernel_shape, mode=mode, config=self.quantization_config)
        if mode not in ("int8", "int4", "gptq", "awq"):
            self.kernel = self.add_weight(name="kernel", shape=kernel_shape, initializer=self.kernel_initializer,
                                          regularizer=self.kernel_regularizer, constraint=self.kernel_constraint)
            store_transposed(self.kernel)
        if self.use_bias:
            self.bias = self.add_weight(name="bias", shape=(self.units,), initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer, constraint=self.bias_constraint)
        else:
            self.bias = None
        self.input_spec = InputSpec(min_ndim=2, axes={-1: input_dim})
        self.built = True
        if self.lora_rank:
            self.enable_lora(self.lora_rank, lora_alpha=self.lora_alpha)

    @property
    def _kernel(self):
        """The kernel variable (Keras's private name for it)."""
        return self.kernel

    def call(self, inputs, training=None):
        if self._dtype_policy._quantization_mode is not None:
            return self.quantized_call(inputs, training=training)
        kernel = self.kernel
        if self.lora_enabled:
            kernel = lora.merged(self, kernel, self.lora_kernel_a, self.lora_kernel_b)
        bias = self.bias
        if bias is not None and inputs.dim() == 2:
            # One `addmm` on Keras's (in, out) kernel: the same product as `F.linear`, without its two transposes
            # in the autograd graph.
            x = torch.addmm(bias, inputs, kernel)
        else:
            x = F.linear(inputs, kernel.t(), bias)
        activation = self.activation
        return x if activation is activations.linear else activation(x)

    def _finish(self, x, with_bias=True):
        """Add the bias (unless already added) and apply the activation."""
        if with_bias and self.bias is not None:
            x = x + self.bias
        if self.activation is not activations.linear:
            x = self.activation(x)
        return x

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.units,)

    # --- LoRA ----------------------------------------------------------------------------------------
    def enable_lora(self, rank, lora_alpha=None, a_initializer="he_uniform", b_initializer="zeros"):
        """Freeze the kernel and learn `(lora_alpha / rank) * lora_kernel_a @ lora_kernel_b` in its place."""
        lora.check_can_enable(self, self.kernel_constraint)
        if self.quantization_mode == "gptq":
            raise NotImplementedError("lora is not currently supported with GPTQ quantization.")
        input_dim = self._orig_input_dim if self.quantization_mode == "int4" else self.kernel.shape[0]
        self.lora_kernel_a, self.lora_kernel_b = lora.add_weights(
            self, ("lora_kernel_a", "lora_kernel_b"), (input_dim, rank), (rank, self.units), a_initializer,
            b_initializer, self.kernel_regularizer)
        lora.freeze(self, self.kernel, rank, lora_alpha)

    # --- saving --------------------------------------------------------------------------------------
    def _lora_weights(self):
        return self.lora_kernel_a, self.lora_kernel_b

    # --- config --------------------------------------------------------------------------------------
    def get_config(self):
        config = super().get_config()
        config.update({
            "units": self.units,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
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
