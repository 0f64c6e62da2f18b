"""`keras.Function`, and the graph mapping it shares with functional models.

`map_graph` finds which nodes lie between the inputs and the outputs, in Keras's order: operations sorted by
decreasing depth (distance from the outputs), ties broken by the order a depth-first walk from the outputs
first reaches them. That order is `model.layers`, `summary()`'s rows and the legacy HDF5 layer order.
"""
from torchkeras.api_export import keras_export
from torchkeras.backend.keras_tensor import KerasTensor
from torchkeras.ops.operation import Operation
from torchkeras.utils import tree


def _node_of(tensor):
    op, node_index, _ = tensor._keras_history
    return op._inbound_nodes[node_index]


def _walk(inputs, outputs):
    """Post-order DFS from the outputs: (nodes in finishing order, operation -> first-reach index)."""
    input_ids = {id(t) for t in inputs}
    finished = []
    finished_ids = set()
    op_index = {}
    in_progress = set()

    def visit(tensor):
        if tensor._keras_history is None:
            if id(tensor) in input_ids:
                return  # a bare `KerasTensor` given as an input: a graph entry point
            raise ValueError(
                f"Tensor {tensor} was not produced by a Keras layer or op: it has no history. Only tensors "
                "returned by `keras.Input` and by layers called on them can be used in a functional model."
            )
        node = _node_of(tensor)
        if id(node) in in_progress:
            raise ValueError("The functional graph contains a cycle.")
        if id(node) in finished_ids:
            return
        op = node.operation
        op_index.setdefault(id(op), len(op_index))
        in_progress.add(id(node))
        if id(tensor) not in input_ids:
            for parent in node.input_tensors:
                visit(parent)
        in_progress.discard(id(node))
        finished_ids.add(id(node))
        finished.append(node)

    for t in outputs:
        visit(t)
    return finished, op_index


def map_graph(inputs, outputs):
    """Return `(nodes_by_depth, operations)` for the graph from `inputs` to `outputs`.

    `nodes_by_depth` maps depth -> nodes; `operations` is the ordered list of operations.
    """
    nodes, op_index = _walk(inputs, outputs)
    input_ids = {id(t) for t in inputs}
    node_depth = {}
    op_depth = {}
    for node in reversed(nodes):
        depth = node_depth.setdefault(id(node), 0)
        op = node.operation
        prev = op_depth.get(id(op))
        if prev is not None and prev > depth:
            depth = prev
            node_depth[id(node)] = depth
        op_depth[id(op)] = depth
        is_model_input = all(id(t) in input_ids for t in node.outputs) and node.outputs
        if is_model_input:
            continue
        for parent_tensor in node.input_tensors:
            if parent_tensor._keras_history is None:
                continue  # a bare input KerasTensor: no node above it
            parent = _node_of(parent_tensor)
            node_depth[id(parent)] = max(depth + 1, node_depth.get(id(parent), 0))

    nodes_by_depth = {}
    for node in nodes:
        nodes_by_depth.setdefault(node_depth[id(node)], []).append(node)
    ops = {}
    for node in nodes:
        ops[id(node.operation)] = node.operation
    ops_by_depth = {}
    for op_id, op in ops.items():
        ops_by_depth.setdefault(op_depth[op_id], []).append(op)
    operations = []
    for depth in sorted(ops_by_depth, reverse=True):
        group = sorted(ops_by_depth[depth], key=lambda o: op_index[id(o)])
        operations.extend(group)

    # Every tensor a node needs must be computable from the inputs.
    available = set(input_ids)
    for depth in sorted(nodes_by_depth, reverse=True):
        for node in nodes_by_depth[depth]:
            if not all(id(t) in input_ids for t in node.outputs) or not node.outputs:
                for t in node.input_tensors:
                    if id(t) not in available:
                        raise ValueError(
                            f"Graph disconnected: cannot find parent for tensor {t} at layer "
                            f"'{node.operation.name}'. The following previous layers were accessed without "
                            f"issue: {[o.name for o in operations if o is not node.operation][:10]}"
                        )
            if not node.is_input:
                for t in node.outputs:
                    available.add(id(t))
    return nodes_by_depth, operations


def topological_nodes(nodes_by_depth, inputs):
    """Nodes in execution order (deepest first), skipping the input nodes."""
    input_ids = {id(t) for t in inputs}
    order = []
    for depth in sorted(nodes_by_depth, reverse=True):
        for node in nodes_by_depth[depth]:
            if node.outputs and all(id(t) in input_ids for t in node.outputs):
                continue
            if not node.outputs:
                continue
            order.append(node)
    return order


def is_keras_tensor(x):
    return isinstance(x, KerasTensor)


@keras_export("keras.Function")
class Function(Operation):
    """A computation graph of Keras operations, from `inputs` to `outputs`, that can be called again.

    Like a functional model, but stateless: it does not track variables and is not a `Layer`.

    ```python
    input_1 = keras.KerasTensor(shape=(None, 2, 3))
    input_2 = keras.KerasTensor(shape=(None, 2, 3))
    output = keras.ops.sigmoid(input_1 + input_2)
    fn = keras.Function(inputs=[input_1, input_2], outputs=output)
    output_val = fn([np.random.random((4, 2, 3)), np.random.random((4, 2, 3))])
    ```

    Args:
        inputs: a `KerasTensor` or a nested structure of `KerasTensor`s.
        outputs: a `KerasTensor` or a nested structure of `KerasTensor`s, computable from `inputs` alone.
        name: the name of the function.
    """

    def __init__(self, inputs, outputs, name=None):
        super().__init__(name=name)
        self._inputs_struct = tree.map_structure(lambda x: x, inputs)
        self._outputs_struct = tree.map_structure(lambda x: x, outputs)
        self._inputs = tree.flatten(inputs)
        self._outputs = tree.flatten(outputs)
        if not self._inputs:
            raise ValueError(f"`inputs` argument cannot be empty. Received:\ninputs={inputs}\noutputs={outputs}")
        if not self._outputs:
            raise ValueError(f"`outputs` argument cannot be empty. Received:\ninputs={inputs}\noutputs={outputs}")
        for label, tensors in (("inputs", self._inputs), ("outputs", self._outputs)):
            for x in tensors:
                if not isinstance(x, KerasTensor):
                    raise ValueError(
                        f"All `{label}` of a Function must be KerasTensors. Received: {label}={tensors} "
                        f"including invalid value {x} of type {type(x)}"
                    )
        self._nodes_by_depth, self._operations = map_graph(self._inputs, self._outputs)
        self._nodes = topological_nodes(self._nodes_by_depth, self._inputs)

    @property
    def operations(self):
        return self._operations[:]

    @property
    def inputs(self):
        """Flat list of the symbolic inputs of the Function."""
        return self._inputs

    @property
    def outputs(self):
        """Flat list of the symbolic outputs of the Function."""
        return self._outputs

    def call(self, inputs):
        """Compute the outputs for new `inputs` (same structure as the symbolic inputs)."""
        self._assert_input_compatibility(inputs)
        return self._run_through_graph(inputs, lambda op: op)

    def compute_output_spec(self, inputs):
        self._assert_input_compatibility(inputs)
        if all(tuple(x.shape) == tuple(ref.shape) for x, ref in zip(tree.flatten(inputs), self._inputs)):
            return tree.map_structure(lambda x: KerasTensor(shape=x.shape, dtype=x.dtype), self._outputs_struct)
        return self._run_through_graph(inputs, lambda op: op.compute_output_spec)

    def compute_output_shape(self, input_shape):
        flat_shapes = _flatten_shapes(input_shape)
        specs = [KerasTensor(shape=shape, dtype=ref.dtype) for shape, ref in zip(flat_shapes, self._inputs)]
        output_spec = self.compute_output_spec(tree.pack_sequence_as(self._inputs_struct, specs))
        return tree.map_structure(lambda x: x.shape, output_spec)

    def _run_through_graph(self, inputs, operation_fn):
        """Run every node in order; `operation_fn(op)` is what gets called with the node's arguments."""
        values = {id(x): y for x, y in zip(self._inputs, tree.flatten(inputs))}
        for node in self._nodes:
            args, kwargs = tree.map_structure(
                lambda x: values[id(x)] if isinstance(x, KerasTensor) else x, (node.call_args, node.call_kwargs)
            )
            outputs = operation_fn(node.operation)(*args, **kwargs)
            for x, y in zip(node.outputs, tree.flatten(outputs)):
                values[id(x)] = y
        return tree.pack_sequence_as(self._outputs_struct, [values[id(x)] for x in self._outputs])

    def _assert_input_compatibility(self, inputs):
        flat = tree.flatten(inputs)
        if len(flat) != len(self._inputs) or tree.is_nested(inputs) != tree.is_nested(self._inputs_struct):
            raise ValueError(
                "Function was called with an invalid input structure. "
                f"Expected input structure: {self._inputs_struct}\nReceived input structure: {inputs}"
            )
        for x, ref in zip(flat, self._inputs):
            shape = tuple(getattr(x, "shape", ()))
            mismatch = len(shape) != len(ref.shape) or any(
                d is not None and r is not None and int(d) != r for d, r in zip(shape, ref.shape)
            )
            if mismatch:
                raise ValueError(
                    f"{type(self).__name__} was passed incompatible inputs. For input '{ref.name}', expected "
                    f"shape {ref.shape}, but received instead a tensor with shape {shape}."
                )


def _flatten_shapes(shapes):
    """The flat list of shapes in a nested structure of shapes (a shape is a tuple of ints and None)."""
    if isinstance(shapes, (list, tuple)) and all(d is None or isinstance(d, int) for d in shapes):
        return [tuple(shapes)]
    if isinstance(shapes, dict):
        return [s for k in sorted(shapes) for s in _flatten_shapes(shapes[k])]
    return [s for item in shapes for s in _flatten_shapes(item)]
