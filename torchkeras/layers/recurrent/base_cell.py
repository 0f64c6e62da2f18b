"""The shared part of the built-in cells (SimpleRNNCell, LSTMCell, GRUCell): arguments, config, step API.

A built-in cell computes one timestep in `call(inputs, states, training)` like any Keras cell. For whole
sequences the RNN layer uses two faster entry points instead:

- `fused_spec(training)`: the cell's weights as torch's fused kernel expects them (`torch._VF.lstm`/`gru`/
  `rnn_tanh`), or None when the configuration needs the per-step path;
- `project_inputs(x, training)` then `step(xp_t, states, training)`: the input projection of every timestep in
  one matmul, then only the recurrent part per step.
"""
import torch
import torch.nn.functional as F

from torchkeras import activations, constraints, initializers, regularizers
from torchkeras import random as keras_random
from torchkeras.backend import symbolic
from torchkeras.layers.layer import Layer
from torchkeras.layers.recurrent import rnn_utils
from torchkeras.layers.recurrent.dropout_rnn_cell import DropoutRNNCell
from torchkeras.layers.recurrent.dropout_rnn_cell import clip_rate
from torchkeras.layers.recurrent.fused import FusedSpec
from torchkeras.layers.weight_layout import store_transposed


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
        store_transposed(self.kernel)  # torch's fused kernels take `kernel.t()`: now without a copy
        store_transposed(self.recurrent_kernel)

    def _add_bias(self, shape, initializer=None):
        if not self.use_bias:
            self.bias = None
            return
        self.bias = self.add_weight(shape=shape, name="bias", initializer=initializer or self.bias_initializer,
                                    regularizer=self.bias_regularizer, constraint=self.bias_constraint)

    def _set_implementation(self, implementation, gates):
        """Keras's `implementation` of a gated cell: 1 (forced by recurrent dropout) draws a dropout mask per gate."""
        self.implementation = 1 if self.recurrent_dropout != 0.0 else implementation
        if self.implementation == 1:
            self.dropout_mask_count = gates

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

    # --- sequence-level paths ------------------------------------------------------------------------------
    def _gated_fused_ok(self, training):
        """Whether a gated cell (LSTM, GRU) can run torch's fused kernel: tanh and sigmoid activations and,
        while training, neither recurrent dropout nor per-gate input dropout masks."""
        if not (rnn_utils.is_tanh(self.activation) and rnn_utils.is_sigmoid(self.recurrent_activation)):
            return False
        if training and 0.0 < self.recurrent_dropout < 1.0:
            return False
        return not (training and 0.0 < self.dropout < 1.0 and getattr(self, "dropout_mask_count", None) is not None)

    def _fused_spec(self, kind, input_mask):
        """The weights for torch's fused `kind` kernel, whose gate order is Keras's (SimpleRNN, LSTM)."""
        dtype = self._compute_dtype()
        kernel = rnn_utils.weight(self.kernel, dtype).t()
        recurrent = rnn_utils.weight(self.recurrent_kernel, dtype).t()
        if self.bias is None:
            return FusedSpec(kind, [kernel, recurrent], False, self.units, input_mask)
        bias = rnn_utils.weight(self.bias, dtype)
        return FusedSpec(kind, [kernel, recurrent, bias, self._zeros(bias.shape[0], bias)], True, self.units,
                         input_mask)

    def _input_bias(self, dtype):
        return None if self.bias is None else rnn_utils.weight(self.bias, dtype)

    def project_inputs(self, inputs, training=False):
        """`inputs @ kernel + bias` for every timestep at once (with the input dropout masks)."""
        dtype = self._compute_dtype()
        kernel = rnn_utils.weight(self.kernel, dtype)
        bias = self._input_bias(dtype)
        masks = self._input_masks(training)
        if masks is None:
            return F.linear(inputs, kernel.t(), bias)
        if not isinstance(masks, (list, tuple)):
            return F.linear(masked_inputs(inputs, masks, 0), kernel.t(), bias)
        u = self.units
        return torch.cat([
            F.linear(masked_inputs(inputs, masks, k), kernel[:, k * u:(k + 1) * u].t(),
                     None if bias is None else bias[k * u:(k + 1) * u])
            for k in range(kernel.shape[1] // u)], dim=-1)

    # --- Keras API ----------------------------------------------------------------------------------------
    def get_initial_state(self, batch_size=None):
        from torchkeras.backend.device import get_device

        sizes = self.state_size if isinstance(self.state_size, (list, tuple)) else [self.state_size]
        dtype = self._compute_dtype()
        return [torch.zeros((batch_size, d), dtype=dtype, device=get_device()) for d in sizes]

    def compute_output_shape(self, inputs_shape, states_shape=None):
        return tuple(inputs_shape[:-1]) + (self.units,)


def masked_inputs(x, masks, k):
    """`x` times the k-th dropout mask (masks are `(batch, features)`; x may carry a time axis)."""
    m = masks[k] if isinstance(masks, (list, tuple)) else masks
    if x.dim() == 3 and m.dim() == 2:
        m = m.unsqueeze(1)
    return x * m
