"""`keras.utils.get_source_inputs`: the input tensors a symbolic tensor is computed from."""
from torchkeras.api_export import keras_export


@keras_export("keras.utils.get_source_inputs")
def get_source_inputs(tensor):
    """Return the list of input tensors necessary to compute `tensor` (at least one element).

    A tensor without Keras history (not produced by `keras.Input` or by a layer or op called on one) is
    returned as it is.
    """
    history = getattr(tensor, "_keras_history", None)
    if history is None:
        return tensor
    operation, node_index, _ = history
    if not operation or not operation._inbound_nodes:
        return [tensor]
    node = operation._inbound_nodes[node_index]
    if node.is_input:
        return list(node.outputs)  # reached an input node: stop
    sources = []
    for parent in node.input_tensors:
        found = get_source_inputs(parent)
        for x in found if isinstance(found, list) else [found]:
            if all(x is not seen for seen in sources):
                sources.append(x)
    return sources
