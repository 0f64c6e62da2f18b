"""`keras.layers.StackedRNNCells`: several cells that behave as one (each feeds the next at every step)."""
import torch

from torchkeras.api_export import keras_export
from torchkeras.layers.layer import Layer
from torchkeras.layers.recurrent import rnn_utils
from torchkeras.saving import serialization_lib
from torchkeras.utils import tree


@keras_export("keras.layers.StackedRNNCells")
class StackedRNNCells(Layer):
    """Wraps a list of RNN cells so that `RNN(StackedRNNCells(cells))` runs them as a stack.

    The states are one entry per cell, in order; the output is the last cell's output.
    """

    def __init__(self, cells, **kwargs):
        super().__init__(**kwargs)
        for cell in cells:
            if "call" not in dir(cell):
                raise ValueError(f"All cells must have a `call` method. Received cell without a `call` method: {cell}")
            if "state_size" not in dir(cell):
                raise ValueError(
                    f"All cells must have a `state_size` attribute. Received cell without a `state_size`: {cell}")
        self.cells = list(cells)

    @property
    def state_size(self):
        return [c.state_size for c in self.cells]

    @property
    def output_size(self):
        last = self.cells[-1]
        if getattr(last, "output_size", None) is not None:
            return last.output_size
        if isinstance(last.state_size, (list, tuple)):
            return last.state_size[0]
        return last.state_size

    def get_initial_state(self, batch_size=None):
        from torchkeras.backend.device import get_device

        dtype = rnn_utils.compute_torch_dtype(self)
        states = []
        for cell in self.cells:
            fn = getattr(cell, "get_initial_state", None)
            if fn is not None:
                states.append(fn(batch_size=batch_size))
            elif isinstance(cell.state_size, int):
                states.append(torch.zeros((batch_size, cell.state_size), dtype=dtype, device=get_device()))
            else:
                states.append([torch.zeros((batch_size, d), dtype=dtype, device=get_device())
                               for d in cell.state_size])
        return states

    def call(self, inputs, states, training=False, **kwargs):
        new_states = []
        for cell, cell_states in zip(self.cells, states):
            state_is_list = tree.is_nested(cell_states)
            cell_states = list(cell_states) if state_is_list else [cell_states]
            call = cell.call
            cell_kwargs = dict(kwargs)
            if rnn_utils.call_accepts(call, "training"):
                cell_kwargs["training"] = training
            inputs, cell_states = call(inputs, cell_states, **cell_kwargs)
            if not tree.is_nested(cell_states):
                cell_states = [cell_states]
            if len(cell_states) == 1 and not state_is_list:
                cell_states = cell_states[0]
            new_states.append(cell_states)
        if len(new_states) == 1:
            new_states = new_states[0]
        return inputs, new_states

    def build(self, input_shape):
        for cell in self.cells:
            rnn_utils.build_sublayer(cell, input_shape, parent=self)
            if getattr(cell, "output_size", None) is not None:
                output_dim = cell.output_size
            elif isinstance(cell.state_size, (list, tuple)):
                output_dim = cell.state_size[0]
            else:
                output_dim = cell.state_size
            batch_size = tree.flatten(input_shape)[0]
            input_shape = (batch_size, output_dim)
        self.built = True

    def get_config(self):
        config = super().get_config()
        config["cells"] = [serialization_lib.serialize_keras_object(cell) for cell in self.cells]
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        cells = [serialization_lib.deserialize_keras_object(c, custom_objects=custom_objects)
                 for c in config.pop("cells")]
        return cls(cells, **config)
