"""`keras.layers.Dense`: `activation(dot(inputs, kernel) + bias)`."""
import numbers

import torch.nn.functional as F

from torchkeras import activations, constraints, initializers, regularizers
from torchkeras.api_export import keras_export
from torchkeras.layers.input_spec import InputSpec
from torchkeras.layers.layer import Layer
from torchkeras.layers.weight_layout import store_transposed
from torchkeras.utils import legacy_args

_KERAS1 = {"output_dim": "units", "init": "kernel_initializer", "W_regularizer": "kernel_regularizer",
           "b_regularizer": "bias_regularizer", "W_constraint": "kernel_constraint",
           "b_constraint": "bias_constraint", "bias": "use_bias"}


@keras_export("keras.layers.Dense")
class Dense(Layer):
    """A densely-connected layer: `output = activation(dot(input, kernel) + bias)`.

    The kernel has shape `(input_dim, units)` (Keras layout) and applies to the last axis of inputs of any rank.
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
        self.lora_alpha = lora_alpha
        self.quantization_config = quantization_config
        self.input_spec = InputSpec(min_ndim=2)
        self.supports_masking = True

    def build(self, input_shape):
        input_dim = input_shape[-1]
        if input_dim is None:
            raise ValueError(
                f"The last dimension of the inputs to a Dense layer should be defined. Found None. "
                f"Full input shape received: {tuple(input_shape)}"
            )
        self.kernel = self.add_weight(name="kernel", shape=(input_dim, self.units),
                                      initializer=self.kernel_initializer, regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        if self.use_bias:
            self.bias = self.add_weight(name="bias", shape=(self.units,), initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer, constraint=self.bias_constraint)
        else:
            self.bias = None
        store_transposed(self.kernel)
        self.input_spec = InputSpec(min_ndim=2, axes={-1: input_dim})
        self.built = True

    def call(self, inputs, training=None):
        x = F.linear(inputs, self.kernel.t(), self.bias)
        if self.activation is not activations.linear:
            x = self.activation(x)
        return x

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.units,)

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
            "quantization_config": None,
        })
        if self.lora_rank:
            config["lora_rank"] = self.lora_rank
            config["lora_alpha"] = self.lora_alpha
        return config

