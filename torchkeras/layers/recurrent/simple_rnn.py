"""`keras.layers.SimpleRNNCell` and `keras.layers.SimpleRNN`: `h' = activation(x W + b + h R)`.

Weights: `kernel (input_dim, units)`, `recurrent_kernel (units, units)`, `bias (units,)`.
"""
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


@keras_export("keras.layers.SimpleRNNCell")
class SimpleRNNCell(BaseRNNCell):
    """One fully-connected RNN step: `call(inputs, states, training)` returns `(h', new_states)`."""

    def __init__(self, units, activation="tanh", use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros", kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, seed=None,
                 **kwargs):
        super().__init__(units, activation=activation, use_bias=use_bias, kernel_initializer=kernel_initializer,
                         recurrent_initializer=recurrent_initializer, bias_initializer=bias_initializer,
                         kernel_regularizer=kernel_regularizer, recurrent_regularizer=recurrent_regularizer,
                         bias_regularizer=bias_regularizer, kernel_constraint=kernel_constraint,
                         recurrent_constraint=recurrent_constraint, bias_constraint=bias_constraint,
                         dropout=dropout, recurrent_dropout=recurrent_dropout, seed=seed, **kwargs)
        self.state_size = self.units
        self.output_size = self.units

    def build(self, input_shape):
        self._add_kernels(input_shape[-1], self.units)
        self._add_bias((self.units,))
        self.built = True

    # Keras applies SimpleRNN's masks whenever training and a mask exists (no `0 < rate < 1` check).
    def _input_masks(self, training):
        return getattr(self, "_dropout_mask", None) if training and self.dropout > 0 else None

    def _recurrent_masks(self, training):
        return getattr(self, "_recurrent_dropout_mask", None) if training and self.recurrent_dropout > 0 else None

    def fused_spec(self, training):
        if rnn_utils.is_tanh(self.activation):
            kind = "rnn_tanh"
        elif rnn_utils.is_relu(self.activation):
            kind = "rnn_relu"
        else:
            return None
        if self._recurrent_masks(training) is not None:
            return None
        return self._fused_spec(kind, self._input_masks(training))

    def step(self, projected, states, training=False):
        h_tm1 = states[0] if isinstance(states, (list, tuple)) else states
        masks = self._recurrent_masks(training)
        if masks is not None:
            h_tm1 = masked_inputs(h_tm1, masks, 0)
        recurrent = rnn_utils.weight(self.recurrent_kernel, self._compute_dtype())
        output = self.activation(projected + h_tm1 @ recurrent)
        return output, [output]

    def call(self, sequence, states, training=False):
        prev_output = states[0] if isinstance(states, (list, tuple)) else states
        self.get_dropout_mask(sequence)
        self.get_recurrent_dropout_mask(prev_output)
        output, _ = self.step(self.project_inputs(sequence, training), [prev_output], training)
        return output, ([output] if isinstance(states, (list, tuple)) else output)

    def get_config(self):
        config = super().get_config()
        config.update({
            "units": self.units,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            **initializers_config(self),
            **penalties_config(self),
            "seed": self.seed,
        })
        return config


@keras_export("keras.layers.SimpleRNN")
@rnn_utils.delegate_to_cell(
    "units", "activation", "use_bias", "kernel_initializer", "recurrent_initializer", "bias_initializer",
    "kernel_regularizer", "recurrent_regularizer", "bias_regularizer", "kernel_constraint", "recurrent_constraint",
    "bias_constraint", "dropout", "recurrent_dropout")
class SimpleRNN(RNN):
    """Fully-connected RNN whose output is fed back as the next input's state.

    With `activation` tanh or relu, no recurrent dropout while training and `unroll=False`, it runs torch's
    fused RNN kernel; otherwise a per-step loop.
    """

    def __init__(self, units=None, activation="tanh", use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros", kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, return_sequences=False, return_state=False, go_backwards=False,
                 stateful=False, unroll=False, seed=None, **kwargs):
        cell_args = dict(
            units=units, activation=activation, use_bias=use_bias, kernel_initializer=kernel_initializer,
            recurrent_initializer=recurrent_initializer, bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer, recurrent_regularizer=recurrent_regularizer,
            bias_regularizer=bias_regularizer, kernel_constraint=kernel_constraint,
            recurrent_constraint=recurrent_constraint, bias_constraint=bias_constraint, dropout=dropout,
            recurrent_dropout=recurrent_dropout, seed=seed)
        cell_args.update(rnn_utils.pop_keras1_args("SimpleRNN", kwargs))
        cell_args.pop("recurrent_activation", None)
        if cell_args["units"] is None:
            raise rnn_utils.missing_units("SimpleRNN")
        cell = SimpleRNNCell(**cell_args, dtype=kwargs.get("dtype"), trainable=kwargs.get("trainable", True),
                             name="simple_rnn_cell")
        super().__init__(cell, return_sequences=return_sequences, return_state=return_state,
                         go_backwards=go_backwards, stateful=stateful, unroll=unroll,
                         activity_regularizer=activity_regularizer, **kwargs)
        self.input_spec = InputSpec(ndim=3)

    def get_config(self):
        config = super().get_config()
        del config["cell"]
        config.update({
            "units": self.units,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            **initializers_config(self),
            **penalties_config(self, activity=True),
        })
        return config

    @classmethod
    def from_config(cls, config):
        return Layer.from_config.__func__(cls, config)
