"""Graph mapping for functional models: which nodes lie between the inputs and the outputs, in what order.

The order is Keras's: operations sorted by decreasing depth (distance from the outputs), ties broken by
the order a depth-first walk from the outputs first reaches them. That order is `model.layers`,
`summary()`'s rows and the legacy HDF5 layer order.
"""
from torchkeras.backend.keras_tensor import KerasTensor


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
