"""The shared part of the built-in cells (SimpleRNNCell, LSTMCell, GRUCell): arguments, config, step API.

A built-in cell computes one timestep in `call(inputs, states, training)` like any Keras cell. For whole
sequences the RNN layer uses two faster entry points instead:

- `fused_spec(training)`: the cell's weights as torch's fused kernel expects them (`torch._VF.lstm`/`gru`/
  `rnn_tanh`), or None when the configuration needs the per-step path;
- `project_inputs(x, training)` then `step(xp_t, states, training)`: the input projection of every timestep in
  one matmul, then only the recurrent part per step.
"""
import torch

from torchkeras import activations, constraints, initializers, regularizers
from torchkeras import random as keras_random
from torchkeras.backend import symbolic
from torchkeras.layers.layer import Layer
from torchkeras.layers.recurrent import rnn_utils
from torchkeras.layers.recurrent.dropout_rnn_cell import DropoutRNNCell
from torchkeras.layers.recurrent.dropout_rnn_cell import clip_rate


def check_units(units):
    if isinstance(units, bool) or not isinstance(units, int):
        try:
            if int(units) != units:
                raise ValueError
            units = int(units)
        except (TypeError, ValueError):
            raise ValueError(
                "Received an invalid value for argument `units`, expected a positive integer, "
                f"got {units}."
            ) from None
    if units <= 0:
        raise ValueError(
            f"Received an invalid value for argument `units`, expected a positive integer, got {units}."
        )
    return units


class BaseRNNCell(Layer, DropoutRNNCell):
    """Arguments and config shared by the built-in cells."""

    def __init__(self, units, activation="tanh", use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros", kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, seed=None,
                 **kwargs):
        units = check_units(units)
        super().__init__(**kwargs)
        self.units = units
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = regularizers.get(recurrent_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.recurrent_constraint = constraints.get(recurrent_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.dropout = clip_rate(dropout)
        self.recurrent_dropout = clip_rate(recurrent_dropout)
        self.seed = seed
        self.seed_generator = keras_random.SeedGenerator(seed=seed)
        self._zero_bias_cache = {}

    # --- weights -----------------------------------------------------------------------------------------
    def _add_kernels(self, input_dim, width):
        self.kernel = self.add_weight(shape=(input_dim, width), name="kernel", initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer, constraint=self.kernel_constraint)
        self.recurrent_kernel = self.add_weight(
            shape=(self.units, width), name="recurrent_kernel", initializer=self.recurrent_initializer,
            regularizer=self.recurrent_regularizer, constraint=self.recurrent_constraint)

    def _add_bias(self, shape, initializer=None):
        if not self.use_bias:
            self.bias = None
            return
        self.bias = self.add_weight(shape=shape, name="bias", initializer=initializer or self.bias_initializer,
                                    regularizer=self.bias_regularizer, constraint=self.bias_constraint)

    def _compute_dtype(self):
        return rnn_utils.compute_torch_dtype(self)

    def _zeros(self, n, like):
        """A cached zero vector (torch's second bias, which Keras doesn't have)."""
        key = (n, like.device, like.dtype)
        z = self._zero_bias_cache.get(key)
        if z is None:
            z = torch.zeros(n, device=like.device, dtype=like.dtype)
            if not (torch.is_inference_mode_enabled() or symbolic.in_symbolic_scope()):
                self._zero_bias_cache[key] = z
        return z

    # --- dropout ------------------------------------------------------------------------------------------
    def _input_masks(self, training):
        """The cached input dropout mask(s) when they apply (training, 0 < dropout < 1), else None."""
        if training and 0.0 < self.dropout < 1.0:
            return getattr(self, "_dropout_mask", None)
        return None

    def _recurrent_masks(self, training):
        if training and 0.0 < self.recurrent_dropout < 1.0:
            return getattr(self, "_recurrent_dropout_mask", None)
        return None

    def prepare_dropout_masks(self, step_input, state):
        """Draw this sequence's masks, in Keras's order (input, then recurrent), whether or not training."""
        self.get_dropout_mask(step_input)
        self.get_recurrent_dropout_mask(state)

    def reset_dropout_masks(self):
        self.reset_dropout_mask()
        self.reset_recurrent_dropout_mask()

    # --- Keras API ----------------------------------------------------------------------------------------
    def get_initial_state(self, batch_size=None):
        from torchkeras.backend.device import get_device

        sizes = self.state_size if isinstance(self.state_size, (list, tuple)) else [self.state_size]
        dtype = self._compute_dtype()
        return [torch.zeros((batch_size, d), dtype=dtype, device=get_device()) for d in sizes]

    def compute_output_shape(self, inputs_shape, states_shape=None):
        return tuple(inputs_shape[:-1]) + (self.units,)

    def _base_config(self):
        return {
            "units": self.units,
            "activation": activations.serialize(self.activation),
        }

    def _weights_config(self):
        return {
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "recurrent_initializer": initializers.serialize(self.recurrent_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
        }

    def _penalties_config(self):
        return {
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "recurrent_regularizer": regularizers.serialize(self.recurrent_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "recurrent_constraint": constraints.serialize(self.recurrent_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
            "dropout": self.dropout,
            "recurrent_dropout": self.recurrent_dropout,
        }


def masked_inputs(x, masks, k):
    """`x` times the k-th dropout mask (masks are `(batch, features)`; x may carry a time axis)."""
    m = masks[k] if isinstance(masks, (list, tuple)) else masks
    if x.dim() == 3 and m.dim() == 2:
        m = m.unsqueeze(1)
    return x * m
