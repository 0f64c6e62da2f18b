"""Keras 2's `keras.legacy.layers`: layers Keras 2 already kept only for Keras 1 code.

`MaxoutDense` and `Highway` compute what Keras 2 computed, with its weight names and shapes (so their
`.h5` weights load); `AtrousConvolution1D/2D` are `Conv1D/2D` with `dilation_rate=atrous_rate`;
`Recurrent` and `ConvRecurrent2D` name today's `RNN` and convolutional-LSTM bases.
"""
import warnings

import torch

from torchkeras import activations, constraints, initializers, regularizers
from torchkeras.api_export import keras_export
from torchkeras.layers.input_spec import InputSpec
from torchkeras.layers.layer import Layer
from torchkeras.layers.recurrent.conv_lstm import ConvLSTM as ConvRecurrent2D  # noqa: F401
from torchkeras.layers.recurrent.rnn import RNN as Recurrent  # noqa: F401
from torchkeras.utils.keras2_paths import warn_once


@keras_export("keras.legacy.layers.MaxoutDense", "keras.layers.MaxoutDense")
class MaxoutDense(Layer):
    """The element-wise maximum of `nb_feature` linear maps: `max_k (x W[k] + b[k])` (no activation).

    Weights: `W (nb_feature, input_dim, output_dim)`, `b (nb_feature, output_dim)`.
    """

    def __init__(self, output_dim, nb_feature=4, init="glorot_uniform", weights=None, W_regularizer=None,
                 b_regularizer=None, activity_regularizer=None, W_constraint=None, b_constraint=None, bias=True,
                 input_dim=None, **kwargs):
        warn_once("keras.layers.MaxoutDense", "keras.layers.Dense(nb_feature * output_dim) and a maximum over features",
                  what="a Keras 1 layer (Keras 2 kept it as a deprecated legacy layer)")
        if input_dim:
            kwargs["input_shape"] = (input_dim,)
        if weights is not None:
            kwargs["weights"] = weights
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.output_dim = output_dim
        self.nb_feature = nb_feature
        self.init = initializers.get(init)
        self.W_regularizer = regularizers.get(W_regularizer)
        self.b_regularizer = regularizers.get(b_regularizer)
        self.W_constraint = constraints.get(W_constraint)
        self.b_constraint = constraints.get(b_constraint)
        self.bias = bias
        self.input_dim = input_dim
        self.input_spec = InputSpec(ndim=2)

    def build(self, input_shape):
        input_dim = input_shape[-1]
        self.W = self.add_weight(name="W", shape=(self.nb_feature, input_dim, self.output_dim),
                                 initializer=self.init, regularizer=self.W_regularizer, constraint=self.W_constraint)
        self.b = None
        if self.bias:
            self.b = self.add_weight(name="b", shape=(self.nb_feature, self.output_dim), initializer="zeros",
                                     regularizer=self.b_regularizer, constraint=self.b_constraint)
        self.input_spec = InputSpec(ndim=2, axes={-1: input_dim})
        self.built = True

    def call(self, inputs):
        out = torch.einsum("bi,kio->bko", inputs, self.W)
        if self.b is not None:
            out = out + self.b
        return out.amax(dim=1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.output_dim)

    def get_config(self):
        config = super().get_config()
        config.update({
            "output_dim": self.output_dim, "init": initializers.serialize(self.init), "nb_feature": self.nb_feature,
            "W_regularizer": regularizers.serialize(self.W_regularizer),
            "b_regularizer": regularizers.serialize(self.b_regularizer),
            "W_constraint": constraints.serialize(self.W_constraint),
            "b_constraint": constraints.serialize(self.b_constraint), "bias": self.bias, "input_dim": self.input_dim,
        })
        return config


@keras_export("keras.legacy.layers.Highway", "keras.layers.Highway")
class Highway(Layer):
    """A highway layer: `t * activation(x W + b) + (1 - t) * x` with the transform gate
    `t = sigmoid(x W_carry + b_carry)` (`b_carry` starts at 1).

    Weights, in Keras 2's order: `W`, `W_carry`, `b`, `b_carry` (all `(input_dim, input_dim)` / `(input_dim,)`).
    """

    def __init__(self, init="glorot_uniform", activation=None, weights=None, W_regularizer=None, b_regularizer=None,
                 activity_regularizer=None, W_constraint=None, b_constraint=None, bias=True, input_dim=None,
                 **kwargs):
        warn_once("keras.layers.Highway",
                  "two Dense layers: t = sigmoid(x W_carry + b_carry), then t * f(x W + b) + (1 - t) * x",
                  what="a Keras 1 layer (Keras 2 kept it as a deprecated legacy layer)")
        if kwargs.pop("transform_bias", None) is not None:
            warnings.warn("`transform_bias` argument is deprecated and has been removed.", stacklevel=2)
        if input_dim:
            kwargs["input_shape"] = (input_dim,)
        if weights is not None:
            kwargs["weights"] = weights
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.init = initializers.get(init)
        self.activation = activations.get(activation)
        self.W_regularizer = regularizers.get(W_regularizer)
        self.b_regularizer = regularizers.get(b_regularizer)
        self.W_constraint = constraints.get(W_constraint)
        self.b_constraint = constraints.get(b_constraint)
        self.bias = bias
        self.input_dim = input_dim
        self.input_spec = InputSpec(ndim=2)

    def build(self, input_shape):
        input_dim = input_shape[-1]
        self.W = self.add_weight(name="W", shape=(input_dim, input_dim), initializer=self.init,
                                 regularizer=self.W_regularizer, constraint=self.W_constraint)
        self.W_carry = self.add_weight(name="W_carry", shape=(input_dim, input_dim), initializer=self.init)
        self.b = self.b_carry = None
        if self.bias:
            self.b = self.add_weight(name="b", shape=(input_dim,), initializer="zeros",
                                     regularizer=self.b_regularizer, constraint=self.b_constraint)
            self.b_carry = self.add_weight(name="b_carry", shape=(input_dim,), initializer="ones")
        self.input_spec = InputSpec(ndim=2, axes={-1: input_dim})
        self.built = True

    def call(self, inputs):
        gate = inputs @ self.W_carry
        out = inputs @ self.W
        if self.bias:
            gate = gate + self.b_carry
            out = out + self.b
        gate = torch.sigmoid(gate)
        return self.activation(out) * gate + (1 - gate) * inputs

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({
            "init": initializers.serialize(self.init), "activation": activations.serialize(self.activation),
            "W_regularizer": regularizers.serialize(self.W_regularizer),
            "b_regularizer": regularizers.serialize(self.b_regularizer),
            "W_constraint": constraints.serialize(self.W_constraint),
            "b_constraint": constraints.serialize(self.b_constraint), "bias": self.bias, "input_dim": self.input_dim,
        })
        return config


def _atrous(conv_name, args, kwargs):
    from torchkeras import layers

    kwargs["dilation_rate"] = kwargs.pop("atrous_rate", 1)
    warn_once(f"keras.layers.Atrous{conv_name.replace('Conv', 'Convolution')}",
              f"keras.layers.{conv_name}(..., dilation_rate=...)", stacklevel=4, what="a Keras 1 layer")
    return getattr(layers, conv_name)(*args, **kwargs)


@keras_export("keras.legacy.layers.AtrousConvolution1D", "keras.layers.AtrousConvolution1D")
def AtrousConvolution1D(*args, **kwargs):
    """`Conv1D` with `dilation_rate=atrous_rate` (Keras 1's dilated convolution)."""
    return _atrous("Conv1D", args, kwargs)


@keras_export("keras.legacy.layers.AtrousConvolution2D", "keras.layers.AtrousConvolution2D")
def AtrousConvolution2D(*args, **kwargs):
    """`Conv2D` with `dilation_rate=atrous_rate` (Keras 1's dilated convolution)."""
    return _atrous("Conv2D", args, kwargs)
