"""Stateful recurrent layers: the last states of a batch become the initial states of the next one.

The states are non-trainable `keras.Variable`s of shape `(batch_size, ...)` (not part of `layer.weights`),
created when the batch size is known (from `batch_input_shape`/`batch_size`, or the first batch), updated
after every call, and reset with `reset_state()` / `reset_states()`.
"""
import torch

from torchkeras.backend import naming
from torchkeras.backend import symbolic
from torchkeras.backend.variables import Variable
from torchkeras.utils import tree


class StatefulRNNMixin:
    """State handling for `RNN` (which provides `states`, `stateful`, `get_initial_state` and `name`)."""

    def _create_state_variables(self, batch_size, device=None):
        with naming.name_scope(self.name, caller=self), symbolic.escape_fake():
            values = self.get_initial_state(batch_size)
            self.states = tree.map_structure(
                lambda v: Variable(v if device is None else v.to(device), trainable=False,
                                   dtype=self.variable_dtype, name="rnn_state"),
                values)
        self._expected_batch_size = int(batch_size)

    def reset_states(self, states=None):
        """Keras 2 alias of `reset_state`."""
        self.reset_state(states)

    def reset_state(self, states=None):
        """Reset a stateful layer's states to zeros, or to the given `states` (arrays, one per state)."""
        if self.states is None:
            if states is None or not self.stateful:
                return
            first = tree.flatten(states)[0]
            self._create_state_variables(int(first.shape[0]))
        flat = tree.flatten(self.states)
        if states is None:
            for v in flat:
                v.assign(torch.zeros_like(v))
            return
        values = tree.flatten(states) if tree.is_nested(states) else [states]
        if len(values) != len(flat):
            raise ValueError(
                f"Layer {self.name} expects {len(flat)} state(s), but it received {len(values)} state value(s). "
                f"Input received: {states}"
            )
        for index, (v, value) in enumerate(zip(flat, values)):
            value = value if isinstance(value, torch.Tensor) else torch.as_tensor(value)
            if tuple(value.shape) != tuple(v.shape):
                raise ValueError(
                    f"State {index} of layer {self.name} is incompatible with the layer: "
                    f"expected shape={tuple(v.shape)}, found shape={tuple(value.shape)}"
                )
            v.assign(value.to(device=v.device, dtype=v.dtype))

    def _stateful_initial_state(self, sequences):
        batch_size = sequences.shape[0]
        if self.states is None:
            if symbolic.in_symbolic_scope():
                return self.get_initial_state(batch_size)
            self._create_state_variables(batch_size, device=sequences.device)
        elif self._expected_batch_size is not None and batch_size != self._expected_batch_size:
            raise ValueError(
                "If an RNN is stateful, the batch size of the input sequences must be the same as the batch size "
                f"of the initial state. \n- Expected batch size: {self._expected_batch_size}\n- Received batch "
                f"size: {batch_size}"
            )
        flat = tree.flatten(self.states)
        for v in flat:
            if v.device != sequences.device:
                v.data = v.data.to(sequences.device)
        # A copy: the variables are updated in place after the call, and autograd must not see that.
        return tree.map_structure(lambda v: v.detach().clone(), self.states)

    def _store_states(self, new_states):
        if symbolic.in_symbolic_scope() or self.states is None:
            return
        with torch.no_grad():
            for v, s in zip(tree.flatten(self.states), tree.flatten(new_states)):
                v.copy_(s.detach())
