"""Keras 2's `CuDNNLSTM` and `CuDNNGRU`, mapped onto `LSTM` and `GRU`, and the cuDNN weight conversion.

Keras 2 ran these layers only on cuDNN. Their math is `LSTM` (tanh, sigmoid gates, `unit_forget_bias`) and
`GRU(reset_after=True)` with sigmoid gates; torchkeras runs them as those layers (torch's fused kernels, cuDNN
on GPU), with Keras's weight layout. What differs is how Keras 2 *stored* their weights: per gate, the input
kernel block holds the row-major memory of cuDNN's `(units, input_dim)` matrix, each recurrent block is
transposed, and the bias keeps cuDNN's two halves (input and recurrent biases: `(8 * units,)` for LSTM,
`(6 * units,)` for GRU). `from_cudnn_weights` converts such arrays, as Keras 2's `.h5` loader did, and
`convert_legacy_rnn_weights` is the per-layer hook of the legacy `.h5` weight loader.
"""
import numpy as np

from torchkeras.api_export import keras_export
from torchkeras.layers.recurrent.bidirectional import Bidirectional
from torchkeras.layers.recurrent.gru import GRU
from torchkeras.layers.recurrent.lstm import LSTM
from torchkeras.utils.keras2_paths import warn_once


def _per_gate(matrix, n_gates, fn):
    return np.concatenate([fn(block) for block in np.split(np.asarray(matrix), n_gates, axis=1)], axis=1)


def from_cudnn_weights(weights, n_gates):
    """`[kernel, recurrent_kernel, bias]` as a Keras 2 cuDNN layer stored them -> Keras's LSTM (`n_gates=4`)
    or GRU(reset_after=True) (`n_gates=3`) layout."""
    kernel, recurrent, bias = weights
    kernel = _per_gate(kernel, n_gates, lambda k: k.T.reshape(k.shape, order="F"))
    recurrent = _per_gate(recurrent, n_gates, lambda k: k.T)
    bias = np.asarray(bias)
    bias = np.sum(np.split(bias, 2), axis=0) if n_gates == 4 else bias.reshape((2, -1))
    return [kernel, recurrent, bias]


def to_cudnn_weights(weights, n_gates):
    """The inverse of `from_cudnn_weights` (the LSTM bias is split evenly between cuDNN's two halves)."""
    kernel, recurrent, bias = weights
    kernel = _per_gate(kernel, n_gates, lambda k: k.T.reshape(k.shape, order="C"))
    recurrent = _per_gate(recurrent, n_gates, lambda k: k.T)
    bias = np.tile(0.5 * np.asarray(bias), 2) if n_gates == 4 else np.asarray(bias).reshape(-1)
    return [kernel, recurrent, bias]


def _cudnn_source(layer, weights):
    """The number of gates if `weights` are in Keras 2's cuDNN layout for `layer` (an LSTM or GRU), else None."""
    if len(weights) != 3:
        return None
    units = np.shape(weights[1])[0]
    bias_shape = tuple(np.shape(weights[2]))
    if isinstance(layer, LSTM) and bias_shape == (8 * units,):
        return 4
    if isinstance(layer, GRU) and bias_shape == (6 * units,):
        if not layer.reset_after:
            raise ValueError("CuDNNGRU weights are not compatible with GRU(reset_after=False): the cuDNN GRU applies "
                             "the reset gate after the recurrent projection. Use GRU(reset_after=True).")
        return 3
    return None


def convert_legacy_rnn_weights(layer, weights):
    """Keras 2's `.h5` loader step for recurrent layers: cuDNN-layout weights of an LSTM/GRU (or of each half
    of a `Bidirectional` around one) become Keras's layout; anything else is returned unchanged."""
    weights = list(weights)
    if isinstance(layer, Bidirectional) and len(weights) % 2 == 0:
        half = len(weights) // 2
        return (convert_legacy_rnn_weights(layer.forward_layer, weights[:half])
                + convert_legacy_rnn_weights(layer.backward_layer, weights[half:]))
    if isinstance(layer, (LSTM, GRU)):
        n_gates = _cudnn_source(layer, weights)
        if n_gates is not None:
            return from_cudnn_weights(weights, n_gates)
    return weights


_COMMON = ("kernel_initializer", "recurrent_initializer", "bias_initializer", "kernel_regularizer",
           "recurrent_regularizer", "bias_regularizer", "activity_regularizer", "kernel_constraint",
           "recurrent_constraint", "bias_constraint", "return_sequences", "return_state", "go_backwards", "stateful")


def _keras2_config(layer, config, extra=()):
    keep = ("name", "trainable", "dtype", "batch_input_shape", "units") + _COMMON + tuple(extra)
    return {k: v for k, v in config.items() if k in keep}


@keras_export("keras.layers.CuDNNLSTM")
class CuDNNLSTM(LSTM):
    """Keras 2's cuDNN LSTM: an `LSTM` with tanh/sigmoid activations, no dropout and no unrolling.

    `set_weights` also takes the arrays of a Keras 2 CuDNNLSTM (`bias` of shape `(8 * units,)`); legacy
    `.h5` files with such weights load into this layer or into a plain `LSTM`.
    """

    def __init__(self, units, kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", unit_forget_bias=True, kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, return_sequences=False, return_state=False, go_backwards=False, stateful=False,
                 **kwargs):
        warn_once("keras.layers.CuDNNLSTM", "keras.layers.LSTM (it uses cuDNN when it can)", stacklevel=3,
                  what="a Keras 2 layer that Keras 3 removed")
        for ignored in ("activation", "recurrent_activation", "use_bias", "dropout", "recurrent_dropout", "unroll",
                        "implementation", "time_major", "use_cudnn"):
            kwargs.pop(ignored, None)
        super().__init__(units, kernel_initializer=kernel_initializer, recurrent_initializer=recurrent_initializer,
                         bias_initializer=bias_initializer, unit_forget_bias=unit_forget_bias,
                         kernel_regularizer=kernel_regularizer, recurrent_regularizer=recurrent_regularizer,
                         bias_regularizer=bias_regularizer, activity_regularizer=activity_regularizer,
                         kernel_constraint=kernel_constraint, recurrent_constraint=recurrent_constraint,
                         bias_constraint=bias_constraint, return_sequences=return_sequences,
                         return_state=return_state, go_backwards=go_backwards, stateful=stateful, **kwargs)

    def set_weights(self, weights):
        weights = list(weights)
        if _cudnn_source(self, weights):
            weights = from_cudnn_weights(weights, 4)
        super().set_weights(weights)

    def get_config(self):
        return _keras2_config(self, super().get_config(), extra=("unit_forget_bias",))


@keras_export("keras.layers.CuDNNGRU")
class CuDNNGRU(GRU):
    """Keras 2's cuDNN GRU: a `GRU(reset_after=True)` with tanh/sigmoid activations, no dropout, no unrolling.

    `set_weights` also takes the arrays of a Keras 2 CuDNNGRU (`bias` of shape `(6 * units,)`); legacy `.h5`
    files with such weights load into this layer or into a `GRU(reset_after=True)`.
    """

    def __init__(self, units, kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, recurrent_constraint=None, bias_constraint=None,
                 return_sequences=False, return_state=False, go_backwards=False, stateful=False, **kwargs):
        warn_once("keras.layers.CuDNNGRU", "keras.layers.GRU (it uses cuDNN when it can)", stacklevel=3,
                  what="a Keras 2 layer that Keras 3 removed")
        for ignored in ("activation", "recurrent_activation", "use_bias", "dropout", "recurrent_dropout", "unroll",
                        "implementation", "time_major", "use_cudnn", "reset_after"):
            kwargs.pop(ignored, None)
        super().__init__(units, kernel_initializer=kernel_initializer, recurrent_initializer=recurrent_initializer,
                         bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
                         recurrent_regularizer=recurrent_regularizer, bias_regularizer=bias_regularizer,
                         activity_regularizer=activity_regularizer, kernel_constraint=kernel_constraint,
                         recurrent_constraint=recurrent_constraint, bias_constraint=bias_constraint,
                         return_sequences=return_sequences, return_state=return_state, go_backwards=go_backwards,
                         stateful=stateful, reset_after=True, **kwargs)

    def set_weights(self, weights):
        weights = list(weights)
        if _cudnn_source(self, weights):
            weights = from_cudnn_weights(weights, 3)
        super().set_weights(weights)

    def get_config(self):
        return _keras2_config(self, super().get_config())
