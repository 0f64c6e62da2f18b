"""A `Node` records one call of an operation (layer or op) on symbolic tensors."""
import collections

from torchkeras.backend.keras_tensor import KerasTensor
from torchkeras.utils import tree

KerasHistory = collections.namedtuple("KerasHistory", ["operation", "node_index", "tensor_index"])


class Node:
    """`operation(*call_args, **call_kwargs) -> outputs`, with KerasTensors somewhere in the arguments."""

    def __init__(self, operation, call_args=None, call_kwargs=None, outputs=None):
        self.operation = operation
        self.call_args = tuple(call_args or ())
        self.call_kwargs = dict(call_kwargs or {})
        self.outputs = [] if outputs is None else tree.flatten(outputs)
        self.output_structure = outputs
        self.input_tensors = [x for x in tree.flatten((self.call_args, self.call_kwargs)) if isinstance(x, KerasTensor)]
        self.is_input = not self.input_tensors
        record = all(x.record_history for x in self.input_tensors)
        if record:
            operation._inbound_nodes.append(self)
            for kt in self.input_tensors:
                if kt._keras_history is not None:
                    kt._keras_history.operation._outbound_nodes.append(self)
        node_index = len(operation._inbound_nodes) - 1
        for i, t in enumerate(self.outputs):
            if isinstance(t, KerasTensor):
                t._keras_history = KerasHistory(operation, node_index, i)

    @property
    def parent_nodes(self):
        parents = []
        for kt in self.input_tensors:
            op, node_index, _ = kt._keras_history
            if op is not None:
                parents.append(op._inbound_nodes[node_index])
        return parents

    def __repr__(self):
        return f"<Node operation={self.operation.name}, outputs={len(self.outputs)}>"
