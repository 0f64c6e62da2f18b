"""`keras.layers.GRUCell` and `keras.layers.GRU` (Cho et al. 2014), Keras's weight layout and gate order.

Weights: `kernel (input_dim, 3 * units)`, `recurrent_kernel (units, 3 * units)`, gate blocks z, r, h; `bias` is
`(2, 3 * units)` (input bias, recurrent bias) with `reset_after=True` (the default), `(3 * units,)` otherwise.
`h' = z * h + (1 - z) * ĥ`. With `reset_after=True` the reset gate multiplies the recurrent projection
(`ĥ = tanh(x W_h + b_h + r * (h R_h + b'_h))`, torch's GRU once the blocks are reordered r, z, n); with
`reset_after=False` it multiplies the state before the projection (`ĥ = tanh(x W_h + b_h + (r * h) R_h)`).
"""
import torch

from torchkeras import activations
from torchkeras.api_export import keras_export
from torchkeras.layers.input_spec import InputSpec
from torchkeras.layers.layer import Layer
from torchkeras.layers.recurrent import rnn_utils
from torchkeras.layers.recurrent.base_cell import BaseRNNCell
from torchkeras.layers.recurrent.base_cell import masked_inputs
from torchkeras.layers.recurrent.fused import FusedSpec
from torchkeras.layers.recurrent.rnn import RNN
from torchkeras.layers.recurrent.weights_config import initializers_config
from torchkeras.layers.recurrent.weights_config import penalties_config


def _zrh_to_rzn(w, units, dim):
    """Reorder Keras's gate blocks z, r, h into torch's r, z, n along `dim`."""
    z, r, h = w.split(units, dim=dim)
    return torch.cat([r, z, h], dim=dim)


@keras_export("keras.layers.GRUCell")
class GRUCell(BaseRNNCell):
    """One GRU step: `call(inputs, states, training)` returns `(h', new_states)`."""

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal", bias_initializer="zeros",
                 kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0, recurrent_dropout=0.0,
                 reset_after=True, seed=None, **kwargs):
        implementation = kwargs.pop("implementation", 2)
        super().__init__(units, activation=activation, use_bias=use_bias, kernel_initializer=kernel_initializer,
                         recurrent_initializer=recurrent_initializer, bias_initializer=bias_initializer,
                         kernel_regularizer=kernel_regularizer, recurrent_regularizer=recurrent_regularizer,
                         bias_regularizer=bias_regularizer, kernel_constraint=kernel_constraint,
                         recurrent_constraint=recurrent_constraint, bias_constraint=bias_constraint,
                         dropout=dropout, recurrent_dropout=recurrent_dropout, seed=seed, **kwargs)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.reset_after = reset_after
        self._set_implementation(implementation, 3)
        self.state_size = self.units
        self.output_size = self.units

    def build(self, input_shape):
        self._add_kernels(input_shape[-1], 3 * self.units)
        self._add_bias((2, 3 * self.units) if self.reset_after else (3 * self.units,))
        self.built = True

    def _biases(self, dtype):
        """(input bias, recurrent bias or None), each `(3 * units,)`, or (None, None) without bias."""
        if self.bias is None:
            return None, None
        bias = rnn_utils.weight(self.bias, dtype)
        if self.reset_after:
            return bias[0], bias[1]
        return bias, None

    # --- sequence-level paths ------------------------------------------------------------------------------
    def fused_spec(self, training):
        if not (self.reset_after and self._gated_fused_ok(training)):
            return None
        input_mask = self._input_masks(training)
        dtype = self._compute_dtype()
        u = self.units
        kernel = _zrh_to_rzn(rnn_utils.weight(self.kernel, dtype), u, 1).t()
        recurrent = _zrh_to_rzn(rnn_utils.weight(self.recurrent_kernel, dtype), u, 1).t()
        if self.bias is None:
            return FusedSpec("gru", [kernel, recurrent], False, u, input_mask)
        input_bias, recurrent_bias = self._biases(dtype)
        return FusedSpec("gru", [kernel, recurrent, _zrh_to_rzn(input_bias, u, 0), _zrh_to_rzn(recurrent_bias, u, 0)],
                         True, u, input_mask)

    def _input_bias(self, dtype):
        return self._biases(dtype)[0]

    def step(self, projected, states, training=False):
        h_tm1 = states[0] if isinstance(states, (list, tuple)) else states
        dtype = self._compute_dtype()
        recurrent = rnn_utils.weight(self.recurrent_kernel, dtype)
        _, recurrent_bias = self._biases(dtype)
        u = self.units
        masks = self._recurrent_masks(training)
        x_z, x_r, x_h = projected.split(u, dim=-1)
        if masks is None:
            h_z = h_r = h_h = h_tm1
        else:
            h_z, h_r, h_h = (masked_inputs(h_tm1, masks, k) for k in range(3))
        if self.reset_after:
            if masks is None:
                inner = h_tm1 @ recurrent
            else:
                inner = torch.cat([h_z @ recurrent[:, :u], h_r @ recurrent[:, u:2 * u], h_h @ recurrent[:, 2 * u:]],
                                  dim=-1)
            if recurrent_bias is not None:
                inner = inner + recurrent_bias
            r_z, r_r, r_h = inner.split(u, dim=-1)
            z = self.recurrent_activation(x_z + r_z)
            r = self.recurrent_activation(x_r + r_r)
            candidate = self.activation(x_h + r * r_h)
        else:
            if masks is None:
                inner = h_tm1 @ recurrent[:, :2 * u]
                r_z, r_r = inner.split(u, dim=-1)
            else:
                r_z, r_r = h_z @ recurrent[:, :u], h_r @ recurrent[:, u:2 * u]
            z = self.recurrent_activation(x_z + r_z)
            r = self.recurrent_activation(x_r + r_r)
            candidate = self.activation(x_h + (r * h_h) @ recurrent[:, 2 * u:])
        h = z * h_tm1 + (1 - z) * candidate
        return h, [h]

    def call(self, inputs, states, training=False):
        h_tm1 = states[0] if isinstance(states, (list, tuple)) else states
        if training and 0.0 < self.dropout < 1.0:
            self.get_dropout_mask(inputs)
        if training and 0.0 < self.recurrent_dropout < 1.0:
            self.get_recurrent_dropout_mask(h_tm1)
        h, _ = self.step(self.project_inputs(inputs, training), [h_tm1], training)
        return h, ([h] if isinstance(states, (list, tuple)) else h)

    def get_config(self):
        config = super().get_config()
        config.update({
            "units": self.units,
            "activation": activations.serialize(self.activation),
            "recurrent_activation": activations.serialize(self.recurrent_activation),
            "use_bias": self.use_bias,
            **initializers_config(self),
            **penalties_config(self),
            "reset_after": self.reset_after,
            "seed": self.seed,
        })
        return config


@keras_export("keras.layers.GRU")
@rnn_utils.delegate_to_cell(
    "units", "activation", "recurrent_activation", "use_bias", "kernel_initializer", "recurrent_initializer",
    "bias_initializer", "kernel_regularizer", "recurrent_regularizer", "bias_regularizer", "kernel_constraint",
    "recurrent_constraint", "bias_constraint", "dropout", "recurrent_dropout", "reset_after")
class GRU(RNN):
    """Gated Recurrent Unit layer (Cho et al. 2014) over `(batch, timesteps, features)` inputs.

    With `reset_after=True`, the default activations, no recurrent dropout while training and `unroll=False`,
    it runs torch's fused GRU kernel (cuDNN on GPU), masks included; otherwise a per-step loop.
    """

    def __init__(self, units=None, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal", bias_initializer="zeros",
                 kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, recurrent_constraint=None, bias_constraint=None,
                 dropout=0.0, recurrent_dropout=0.0, seed=None, return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, unroll=False, reset_after=True, use_cudnn="auto", **kwargs):
        cell_args = dict(
            units=units, activation=activation, recurrent_activation=recurrent_activation, use_bias=use_bias,
            kernel_initializer=kernel_initializer, recurrent_initializer=recurrent_initializer,
            bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
            recurrent_regularizer=recurrent_regularizer, bias_regularizer=bias_regularizer,
            kernel_constraint=kernel_constraint, recurrent_constraint=recurrent_constraint,
            bias_constraint=bias_constraint, dropout=dropout, recurrent_dropout=recurrent_dropout,
            reset_after=reset_after, seed=seed)
        cell_args.update(rnn_utils.pop_keras1_args("GRU", kwargs))
        if cell_args["units"] is None:
            raise rnn_utils.missing_units("GRU")
        cell = GRUCell(**cell_args, dtype=kwargs.get("dtype"), trainable=kwargs.get("trainable", True),
                       name="gru_cell", implementation=kwargs.pop("implementation", 2))
        super().__init__(cell, return_sequences=return_sequences, return_state=return_state,
                         go_backwards=go_backwards, stateful=stateful, unroll=unroll,
                         activity_regularizer=activity_regularizer, **kwargs)
        self.input_spec = InputSpec(ndim=3)
        self.use_cudnn = rnn_utils.check_use_cudnn(use_cudnn)

    def get_config(self):
        config = super().get_config()
        del config["cell"]
        config.update({
            "units": self.units,
            "activation": activations.serialize(self.activation),
            "recurrent_activation": activations.serialize(self.recurrent_activation),
            "use_bias": self.use_bias,
            **initializers_config(self),
            **penalties_config(self, activity=True),
            "reset_after": self.reset_after,
            "seed": self.cell.seed,
        })
        return config

    @classmethod
    def from_config(cls, config):
        return Layer.from_config.__func__(cls, config)
