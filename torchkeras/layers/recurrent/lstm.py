"""`keras.layers.LSTMCell` and `keras.layers.LSTM` (Hochreiter 1997), Keras's weight layout and gate order.

Weights: `kernel (input_dim, 4 * units)`, `recurrent_kernel (units, 4 * units)`, `bias (4 * units,)`; the gate
blocks are i, f, c, o (torch's i, f, g, o). With `z = x W + h R + b`: `i, f, o = σ(z_i), σ(z_f), σ(z_o)`,
`c' = f * c + i * tanh(z_c)`, `h' = o * tanh(c')`.
"""
import torch

from torchkeras import activations
from torchkeras.api_export import keras_export
from torchkeras.layers.input_spec import InputSpec
from torchkeras.layers.layer import Layer
from torchkeras.layers.recurrent import rnn_utils
from torchkeras.layers.recurrent.base_cell import BaseRNNCell
from torchkeras.layers.recurrent.base_cell import masked_inputs
from torchkeras.layers.recurrent.rnn import RNN
from torchkeras.layers.recurrent.weights_config import initializers_config
from torchkeras.layers.recurrent.weights_config import penalties_config


@keras_export("keras.layers.LSTMCell")
class LSTMCell(BaseRNNCell):
    """One LSTM step: `call(inputs, [h, c], training)` returns `(h', [h', c'])`.

    `unit_forget_bias=True` starts the forget-gate bias at 1. `dropout`/`recurrent_dropout` masks are drawn
    once per sequence (one per gate when `recurrent_dropout > 0`, as in Keras's implementation 1).
    """

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias=True, kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, seed=None, **kwargs):
        implementation = kwargs.pop("implementation", 2)
        super().__init__(units, activation=activation, use_bias=use_bias, kernel_initializer=kernel_initializer,
                         recurrent_initializer=recurrent_initializer, bias_initializer=bias_initializer,
                         kernel_regularizer=kernel_regularizer, recurrent_regularizer=recurrent_regularizer,
                         bias_regularizer=bias_regularizer, kernel_constraint=kernel_constraint,
                         recurrent_constraint=recurrent_constraint, bias_constraint=bias_constraint,
                         dropout=dropout, recurrent_dropout=recurrent_dropout, seed=seed, **kwargs)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.unit_forget_bias = unit_forget_bias
        self._set_implementation(implementation, 4)
        self.state_size = [self.units, self.units]
        self.output_size = self.units

    def build(self, input_shape):
        self._add_kernels(input_shape[-1], 4 * self.units)
        initializer = self._forget_bias_initializer if self.unit_forget_bias else None
        self._add_bias((4 * self.units,), initializer)
        self.built = True

    def _forget_bias_initializer(self, shape, dtype=None):
        return rnn_utils.forget_gate_bias(self.bias_initializer, self.units, dtype)

    # --- sequence-level paths ------------------------------------------------------------------------------
    def fused_spec(self, training):
        if not self._gated_fused_ok(training):
            return None
        return self._fused_spec("lstm", self._input_masks(training))

    def step(self, projected, states, training=False):
        """One step from the projected inputs: `(h', [h', c'])`."""
        h_tm1, c_tm1 = states[0], states[1]
        recurrent = rnn_utils.weight(self.recurrent_kernel, self._compute_dtype())
        masks = self._recurrent_masks(training)
        if masks is None:
            z = torch.addmm(projected, h_tm1, recurrent) if projected.dim() == 2 else projected + h_tm1 @ recurrent
        else:
            u = self.units
            z = projected + torch.cat([masked_inputs(h_tm1, masks, k) @ recurrent[:, k * u:(k + 1) * u]
                                       for k in range(4)], dim=-1)
        z_i, z_f, z_c, z_o = z.chunk(4, dim=-1)
        i = self.recurrent_activation(z_i)
        f = self.recurrent_activation(z_f)
        c = f * c_tm1 + i * self.activation(z_c)
        o = self.recurrent_activation(z_o)
        h = o * self.activation(c)
        return h, [h, c]

    def call(self, inputs, states, training=False):
        h_tm1, c_tm1 = states[0], states[1]
        if training and 0.0 < self.dropout < 1.0:
            self.get_dropout_mask(inputs)
        if training and 0.0 < self.recurrent_dropout < 1.0:
            self.get_recurrent_dropout_mask(h_tm1)
        return self.step(self.project_inputs(inputs, training), [h_tm1, c_tm1], training)

    def get_config(self):
        config = super().get_config()
        config.update({
            "units": self.units,
            "activation": activations.serialize(self.activation),
            "recurrent_activation": activations.serialize(self.recurrent_activation),
            "use_bias": self.use_bias,
            "unit_forget_bias": self.unit_forget_bias,
            **initializers_config(self),
            **penalties_config(self),
            "seed": self.seed,
        })
        return config


@keras_export("keras.layers.LSTM")
@rnn_utils.delegate_to_cell(
    "units", "activation", "recurrent_activation", "use_bias", "unit_forget_bias", "kernel_initializer",
    "recurrent_initializer", "bias_initializer", "kernel_regularizer", "recurrent_regularizer", "bias_regularizer",
    "kernel_constraint", "recurrent_constraint", "bias_constraint", "dropout", "recurrent_dropout")
class LSTM(RNN):
    """Long Short-Term Memory layer (Hochreiter 1997) over `(batch, timesteps, features)` inputs.

    With the default activations (tanh/sigmoid), no recurrent dropout while training and `unroll=False`, it runs
    torch's fused LSTM kernel (cuDNN on GPU), masks included; otherwise a per-step loop with the same math.
    """

    def __init__(self, units=None, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias=True, kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, recurrent_constraint=None, bias_constraint=None,
                 dropout=0.0, recurrent_dropout=0.0, seed=None, return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, unroll=False, use_cudnn="auto", **kwargs):
        cell_args = dict(
            units=units, activation=activation, recurrent_activation=recurrent_activation, use_bias=use_bias,
            kernel_initializer=kernel_initializer, recurrent_initializer=recurrent_initializer,
            bias_initializer=bias_initializer, unit_forget_bias=unit_forget_bias,
            kernel_regularizer=kernel_regularizer, recurrent_regularizer=recurrent_regularizer,
            bias_regularizer=bias_regularizer, kernel_constraint=kernel_constraint,
            recurrent_constraint=recurrent_constraint, bias_constraint=bias_constraint, dropout=dropout,
            recurrent_dropout=recurrent_dropout, seed=seed)
        cell_args.update(rnn_utils.pop_keras1_args("LSTM", kwargs))
        if cell_args["units"] is None:
            raise rnn_utils.missing_units("LSTM")
        cell = LSTMCell(**cell_args, dtype=kwargs.get("dtype"), trainable=kwargs.get("trainable", True),
                        name="lstm_cell", implementation=kwargs.pop("implementation", 2))
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
            "unit_forget_bias": self.unit_forget_bias,
            **penalties_config(self, activity=True),
            "seed": self.cell.seed,
        })
        return config

    @classmethod
    def from_config(cls, config):
        return Layer.from_config.__func__(cls, config)
