"""Functional models: `keras.Model(inputs, outputs)` over a graph of layer calls."""
from torchkeras.api_export import keras_export
from torchkeras.backend.keras_tensor import KerasTensor
from torchkeras.layers.core.input_layer import InputLayer
from torchkeras.layers.layer import Layer
from torchkeras.models.graph_plan import GraphPlan
from torchkeras.models.model import Model
from torchkeras.ops import function as function_lib
from torchkeras.utils import tree


def init_graph(model, inputs, outputs):
    """Turn `model` into a graph network from `inputs` to `outputs` (KerasTensors, lists or dicts)."""
    if isinstance(inputs, dict):
        for k, v in inputs.items():
            if not isinstance(v, KerasTensor):
                raise ValueError(f"All `inputs` values must be KerasTensors. Received: inputs={inputs} "
                                 f"including invalid value {v} of type {type(v)}")
    for x in tree.flatten(inputs):
        if not isinstance(x, KerasTensor):
            raise ValueError(
                "All `inputs` values must be KerasTensors (the result of `keras.Input(...)` or of a layer "
                f"called on one). Received: inputs={inputs} including invalid value {x} of type {type(x)}"
            )
    for x in tree.flatten(outputs):
        if not isinstance(x, KerasTensor):
            raise ValueError(
                "All `outputs` values must be KerasTensors (the result of calling layers on `keras.Input` "
                f"tensors). Received: outputs={outputs} including invalid value {x} of type {type(x)}"
            )
    if isinstance(inputs, tuple):
        inputs = list(inputs)
    if isinstance(outputs, tuple):
        outputs = list(outputs)
    if isinstance(inputs, list) and len(inputs) == 1 and isinstance(inputs[0], KerasTensor):
        model._single_input_in_list = True
    model.__dict__["_inputs_struct"] = inputs
    model.__dict__["_outputs_struct"] = outputs
    model.__dict__["inputs"] = tree.flatten(inputs)
    model.__dict__["outputs"] = tree.flatten(outputs)
    nodes_by_depth, operations = function_lib.map_graph(model.inputs, model.outputs)
    model.__dict__["_nodes_by_depth"] = nodes_by_depth
    model.__dict__["_operations"] = operations
    names = {}
    for op in operations:
        names[op.name] = names.get(op.name, 0) + 1
    for name, count in names.items():
        if count > 1:
            raise ValueError(
                f'The name "{name}" is used {count} times in the model. All operation names should be unique.'
            )
    for op in operations:
        if isinstance(op, Layer) and not isinstance(op, InputLayer):
            model._modules[op.name] = op
    model._graph_plan = GraphPlan(model.inputs, outputs, nodes_by_depth)
    model.__dict__["_symbolic_side_outputs"] = []
    model.built = True
    for op in operations:  # symbolic losses/metrics that layers were given during construction (Keras 2):
        pending = op.__dict__.get("_pending_symbolic") if isinstance(op, Layer) else None
        for entry in list(pending or ()):  # the first model that computes them takes them (counted once)
            if is_connected(model, entry[0]):
                pending.remove(entry)
                _add_side_output(model, entry[0], "add_loss", entry[1])
    from torchkeras.layers.layer import bump_structure_version

    bump_structure_version()
    input_layer_names = [t._keras_history[0].name for t in model.inputs]
    model.__dict__["_input_names"] = input_layer_names


@keras_export("keras.src.models.functional.Functional", "keras.models.Functional")
class Functional(Model):
    """A model defined by a graph of layers from `inputs` to `outputs`."""

    _keras_registered_name = ("keras.src.models.functional", "Functional")

    def __new__(cls, *args, **kwargs):
        return Layer.__new__(cls, *args, **kwargs)

    def __init__(self, inputs, outputs, name=None, **kwargs):
        Model.__init__(self, inputs=inputs, outputs=outputs, name=name, **kwargs)

    def get_config(self):
        from torchkeras.models import functional_config

        return functional_config.functional_get_config(self)

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from torchkeras.models import functional_config

        return functional_config.functional_from_config(cls, config, custom_objects)


# --- Keras 2's symbolic losses and metrics (`model.add_loss(tensor)`, `model.add_metric(tensor, name)`) ----------

def add_symbolic_loss(model, tensor):
    """Make `tensor`, computed from the model's inputs, a loss of the model: evaluated on every call from the
    same input values (it joins the graph plan) and added to `model.losses`."""
    _add_side_output(model, tensor, "add_loss", lambda value: model._losses.append(value))


def add_symbolic_metric(model, tensor, metric):
    """Make `tensor`, computed from the model's inputs, update `metric` on every call of the model."""
    _add_side_output(model, tensor, "add_metric", metric.update_state)


def _add_side_output(model, tensor, what, callback):
    if getattr(model, "_graph_plan", None) is None or not getattr(model, "inputs", None):
        raise ValueError(
            f"`{what}` of a symbolic tensor needs a functional model (`keras.Model(inputs, outputs)`) whose "
            f"inputs the tensor is computed from. Received: {tensor} on {type(model).__name__} "
            f"'{model.name}'. Compute the value inside `call()` (or `train_step`) instead."
        )
    _check_connected(model, tensor, what)
    model._symbolic_side_outputs.append((tensor, callback))
    side = model._symbolic_side_outputs
    nodes_by_depth, operations = function_lib.map_graph(model.inputs, model.outputs + [t for t, _ in side])
    model._graph_plan = GraphPlan(model.inputs, model._outputs_struct, nodes_by_depth, side_outputs=side)
    known = {id(layer) for layer in model._flatten_layers()}
    for op in operations:  # layers used only by the loss (their weights train too)
        if isinstance(op, Layer) and not isinstance(op, InputLayer) and id(op) not in known:
            model._modules[op.name] = op
    from torchkeras.layers.layer import bump_structure_version

    bump_structure_version()


def is_connected(model, tensor):
    try:
        _check_connected(model, tensor, "add_loss")
    except ValueError:
        return False
    return True


def _check_connected(model, tensor, what):
    """Every input that `tensor` depends on must be one of the model's inputs (Keras's "graph disconnected")."""
    inputs = {id(t) for t in model.inputs}
    seen, stack = set(), [tensor]
    while stack:
        t = stack.pop()
        if id(t) in seen or id(t) in inputs:
            continue
        seen.add(id(t))
        if t._keras_history is None:
            raise ValueError(f"`{what}`: the tensor {t} has no history (it was not produced by a layer or op).")
        op, index, _ = t._keras_history
        if isinstance(op, InputLayer):
            raise ValueError(
                f"Graph disconnected: the tensor passed to `model.{what}()` depends on the input '{op.name}', "
                f"which is not an input of model '{model.name}' (inputs: {[x.name for x in model.inputs]}). "
                "A symbolic loss or metric must be computed from the model's own inputs and layers."
            )
        stack.extend(op._inbound_nodes[index].input_tensors)
