"""`keras.layers.RNN`: runs a cell (or a stack of cells) over the time axis of a `(batch, time, ...)` input."""
import numpy as np
import torch

from torchkeras.api_export import keras_export
from torchkeras.backend import symbolic
from torchkeras.layers.layer import Layer
from torchkeras.layers.recurrent import fused
from torchkeras.layers.recurrent import rnn_loop
from torchkeras.layers.recurrent import rnn_utils
from torchkeras.layers.recurrent.base_cell import BaseRNNCell
from torchkeras.layers.recurrent.dropout_rnn_cell import draw_dropout_masks
from torchkeras.layers.recurrent.dropout_rnn_cell import reset_dropout_masks
from torchkeras.layers.recurrent.stacked_rnn_cells import StackedRNNCells
from torchkeras.layers.recurrent.stateful import StatefulRNNMixin
from torchkeras.saving import serialization_lib
from torchkeras.utils import tree


def legacy_rnn_kwargs(kwargs):
    """Keras 2 arguments of recurrent layers: `time_major` (must be False), `input_dim`/`input_length`."""
    if kwargs.pop("time_major", False):
        raise ValueError(
            "`time_major=True` is not supported (it is not a Keras 3 argument). Transpose your inputs to "
            "`(batch, timesteps, features)` and use `time_major=False`."
        )
    if "input_dim" in kwargs and "input_shape" not in kwargs and "batch_input_shape" not in kwargs:
        input_dim = kwargs.pop("input_dim")
        kwargs["input_shape"] = (kwargs.pop("input_length", None), input_dim)
    elif "input_length" in kwargs and "input_shape" not in kwargs and "batch_input_shape" not in kwargs:
        kwargs.pop("input_length")
    return kwargs


@keras_export("keras.layers.RNN")
class RNN(StatefulRNNMixin, Layer):
    """Base class for recurrent layers: `RNN(cell)` runs `cell` over the time axis.

    A cell has `state_size` (an int or a list of ints, one per state), `call(inputs, states)` returning
    `(output, new_states)`, and optionally `output_size` and `get_initial_state(batch_size)`. A list of cells
    is stacked (`StackedRNNCells`).

    Call arguments: `sequences (batch, timesteps, ...)`, `initial_state` (a list of tensors), `mask`
    (`(batch, timesteps)` booleans, True = use the step), `training`.
    """

    def __init__(self, cell, return_sequences=False, return_state=False, go_backwards=False, stateful=False,
                 unroll=False, zero_output_for_mask=False, **kwargs):
        kwargs = legacy_rnn_kwargs(kwargs)
        if isinstance(cell, (list, tuple)):
            cell = StackedRNNCells(cell)
        if "call" not in dir(cell):
            raise ValueError(f"Argument `cell` should have a `call` method. Received: cell={cell}")
        if "state_size" not in dir(cell):
            raise ValueError(
                "The RNN cell should have a `state_size` attribute (single integer or list of integers, one "
                f"integer per RNN state). Received: cell={cell}"
            )
        super().__init__(**kwargs)
        self.zero_output_for_mask = zero_output_for_mask
        self.cell = cell
        self.return_sequences = return_sequences
        self.return_state = return_state
        self.go_backwards = go_backwards
        self.stateful = stateful
        self.unroll = unroll
        self.supports_masking = True
        self.input_spec = None
        self.states = None
        self._expected_batch_size = None
        state_size = getattr(self.cell, "state_size", None)
        if state_size is None:
            raise ValueError("state_size must be specified as property on the RNN cell.")
        if not isinstance(state_size, (list, tuple, int)):
            raise ValueError("state_size must be an integer, or a list/tuple of integers (one for each state tensor).")
        if isinstance(state_size, int):
            self.state_size = [state_size]
            self.single_state = True
        else:
            self.state_size = list(state_size)
            self.single_state = False

    # --- shapes ------------------------------------------------------------------------------------------
    def compute_output_shape(self, sequences_shape, initial_state_shape=None):
        if sequences_shape and isinstance(sequences_shape[0], (list, tuple)):
            sequences_shape = sequences_shape[0]
        batch_size = sequences_shape[0]
        length = sequences_shape[1]
        states_shape = []
        for state_size in self.state_size:
            if isinstance(state_size, int):
                states_shape.append((batch_size, state_size))
            elif isinstance(state_size, (list, tuple)):
                states_shape.append([(batch_size, s) for s in state_size])
        output_size = getattr(self.cell, "output_size", None)
        if output_size is None:
            output_size = self.state_size[0]
            if isinstance(output_size, (list, tuple)):
                output_size = output_size[0]
        if not isinstance(output_size, int):
            raise ValueError("output_size must be an integer.")
        if self.return_sequences:
            output_shape = (batch_size, length, output_size)
        else:
            output_shape = (batch_size, output_size)
        if self.return_state:
            return (output_shape, *states_shape)
        return output_shape

    def compute_mask(self, inputs, mask=None):
        if mask is not None:
            mask = tree.flatten(mask)[0] if tree.is_nested(mask) else mask
        output_mask = mask if self.return_sequences else None
        if self.return_state:
            return [output_mask] + [None for _ in self.state_size]
        return output_mask

    # --- building ----------------------------------------------------------------------------------------
    def build(self, sequences_shape=None, initial_state_shape=None):
        if sequences_shape and isinstance(sequences_shape[0], (list, tuple)):
            sequences_shape = sequences_shape[0]  # Keras 2: `layer([x, h0, c0])`
        sequences_shape = tuple(sequences_shape)
        if len(sequences_shape) < 3:
            raise ValueError(
                f"Input 0 of layer \"{self.name}\" is incompatible with the layer: expected ndim=3, found "
                f"ndim={len(sequences_shape)}. Full shape received: {sequences_shape}"
            )
        if self.unroll and sequences_shape[1] is None:
            raise ValueError(
                "Cannot unroll a RNN if the time dimension is undefined. \n- If using a Sequential model, "
                "specify the time dimension by passing an `Input()` as your first layer.\n- If using the "
                "functional API, specify the time dimension by passing a `shape` or `batch_shape` argument "
                "to your `Input()`."
            )
        step_input_shape = (sequences_shape[0],) + tuple(sequences_shape[2:])
        rnn_utils.build_sublayer(self.cell, step_input_shape, parent=self)
        if self.stateful and sequences_shape[0] is not None:
            if self.states is not None:
                self.reset_state()
            else:
                self._create_state_variables(sequences_shape[0])
        self.built = True

    # --- states ------------------------------------------------------------------------------------------
    def get_initial_state(self, batch_size):
        """Zero states of shape `(batch_size, size)` for every state of the cell (or the cell's own)."""
        fn = getattr(self.cell, "get_initial_state", None)
        if fn is None:
            from torchkeras.backend.device import get_device

            dtype = rnn_utils.compute_torch_dtype(self.cell) if isinstance(self.cell, Layer) else \
                rnn_utils.compute_torch_dtype(self)
            return [torch.zeros((batch_size, d), dtype=dtype, device=get_device()) for d in self.state_size]
        init_state = fn(batch_size=batch_size)
        if not tree.is_nested(init_state):
            init_state = [init_state]
        return list(init_state)

    def _zero_states(self, batch_size, dtype, device):
        """Zero initial states of a built-in cell, cached per batch size, dtype and device (never modified)."""
        key = (batch_size, dtype, device)
        cache = self.__dict__.setdefault("_zero_state_cache", {})
        states = cache.get(key)
        if states is None:
            if symbolic.in_symbolic_scope() or torch.is_inference_mode_enabled():
                return [torch.zeros((batch_size, d), dtype=dtype, device=device) for d in self.state_size]
            if len(cache) > 8:
                cache.clear()
            states = [torch.zeros((batch_size, d), dtype=dtype, device=device) for d in self.state_size]
            cache[key] = states
        return list(states)

    # --- calling -----------------------------------------------------------------------------------------
    def call(self, sequences, initial_state=None, mask=None, training=False):
        if isinstance(sequences, (list, tuple)):  # Keras 2: `layer([x, h0, c0])`
            if initial_state is None and len(sequences) > 1:
                initial_state = list(sequences[1:])
            sequences = sequences[0]
        if mask is not None and tree.is_nested(mask):
            mask = tree.flatten(mask)[0]
        dtype = rnn_utils.compute_torch_dtype(self)
        sequences = rnn_utils.cast_floating(sequences, dtype)
        batch_size = sequences.shape[0]
        if initial_state is None:
            if self.stateful:
                initial_state = self._stateful_initial_state(sequences)
            elif isinstance(self.cell, BaseRNNCell) and type(self.cell).get_initial_state is \
                    BaseRNNCell.get_initial_state:
                initial_state = self._zero_states(batch_size, dtype, sequences.device)
            else:
                initial_state = self.get_initial_state(batch_size)
        elif self.stateful and self._expected_batch_size is not None and \
                batch_size != self._expected_batch_size:
            raise ValueError(
                "If an RNN is stateful, the batch size of the input sequences must be the same as the batch size "
                f"of the initial state. \n- Expected batch size: {self._expected_batch_size}\n- Received batch "
                f"size: {batch_size}"
            )
        if not tree.is_nested(initial_state):
            initial_state = [initial_state]
        if not all(isinstance(s, torch.Tensor) and s.dtype == dtype and s.device == sequences.device
                   for s in initial_state):
            initial_state = tree.map_structure(
                lambda s: _as_state_tensor(s, dtype, sequences.device), list(initial_state))
        draw_dropout_masks(self.cell, sequences[:, 0], initial_state)
        try:
            last_output, outputs, states = self.inner_loop(sequences, initial_state, mask, training)
        finally:
            reset_dropout_masks(self.cell)
        if self.stateful:
            self._store_states(states)
        output = outputs if self.return_sequences else last_output
        if self.return_state:
            return (output, *states)
        return output

    def _fused_plan(self, training):
        """The fused-kernel specs of the cell(s), or None when the per-step path is needed.

        Under `torch.compile` the fused kernel runs outside the graph (AOTAutograd cannot save its optional
        outputs for the backward pass; unrolling the sequence instead was 1.6x slower on CPU than eager)."""
        if self.unroll or getattr(self, "use_cudnn", "auto") is False:
            return None
        cells = self.cell.cells if isinstance(self.cell, StackedRNNCells) else [self.cell]
        specs = []
        for cell in cells:
            fn = getattr(cell, "fused_spec", None)
            spec = fn(training) if fn is not None else None
            if spec is None:
                return None
            specs.append(spec)
        return specs

    def inner_loop(self, sequences, initial_state, mask, training=False):
        """Run the cell over the sequence: `(last_output, outputs or None, final_states)`."""
        need_states = self.return_state or self.stateful
        specs = self._fused_plan(training)
        if specs is None and getattr(self, "use_cudnn", "auto") is True:
            raise ValueError(
                "use_cudnn=True was specified, but cuDNN is not supported for this layer configuration with this "
                "backend. Pass use_cudnn='auto' to fallback to a non-cuDNN implementation."
            )
        if specs is not None:
            stacked = isinstance(self.cell, StackedRNNCells)
            per_cell = [tree.flatten(s) for s in initial_state] if stacked else [tree.flatten(initial_state)]
            run = fused.outside_graph(fused.run_sequence) if torch.compiler.is_compiling() else fused.run_sequence
            last, outputs, finals = run(specs, sequences, per_cell, mask, self.go_backwards, self.return_sequences,
                                        self.zero_output_for_mask, need_states)
            if finals is None:
                return last, outputs, initial_state
            flat = [s for cell_states in finals for s in cell_states]
            return last, outputs, tree.pack_sequence_as(initial_state, flat)
        inputs, step_fn = self._step_function(sequences, training)
        return rnn_loop.step_loop(step_fn, inputs, initial_state, mask=mask, go_backwards=self.go_backwards,
                                  return_sequences=self.return_sequences,
                                  zero_output_for_mask=self.zero_output_for_mask)

    def _step_function(self, sequences, training):
        cell = self.cell
        project = getattr(cell, "project_inputs", None)
        if project is not None:
            projected = project(sequences, training)
            return projected, lambda x_t, states: cell.step(x_t, states, training)
        call = cell.call
        kwargs = {"training": training} if rnn_utils.call_accepts(call, "training") else {}
        return sequences, lambda x_t, states: call(x_t, tuple(states), **kwargs)

    # --- config ------------------------------------------------------------------------------------------
    def get_config(self):
        config = super().get_config()
        config.update({
            "return_sequences": self.return_sequences,
            "return_state": self.return_state,
            "go_backwards": self.go_backwards,
            "stateful": self.stateful,
            "unroll": self.unroll,
            "zero_output_for_mask": self.zero_output_for_mask,
            "cell": serialization_lib.serialize_keras_object(self.cell),
        })
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        cell = serialization_lib.deserialize_keras_object(config.pop("cell"), custom_objects=custom_objects)
        config.pop("time_major", None)
        return cls(cell, **config)


def _as_state_tensor(s, dtype, device):
    if not isinstance(s, torch.Tensor):
        s = torch.as_tensor(np.asarray(s))
    if s.dtype != dtype:
        s = s.to(dtype=dtype)
    return s.to(device) if s.device != device else s
