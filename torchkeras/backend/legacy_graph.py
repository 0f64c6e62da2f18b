"""Keras 2's symbolic backend on top of functional graphs: `K.function`, `K.gradients`, `K.placeholder`,
`K.learning_phase`, and symbolic `K.update`.

Keras 2 code builds expressions from KerasTensors (any layer's output, `K.placeholder()`s, `K.variable`s) and
evaluates them with `K.function(inputs, outputs)([arrays])`. Here such an expression is a functional graph
(layers and `keras.ops` nodes); `K.function` maps the graph between its inputs and outputs once and runs it
as a `GraphPlan` on every call. `K.gradients(loss, xs)` adds a node whose evaluation calls
`torch.autograd.grad` on the values computed in the same run, so gradients with respect to inputs, layer
outputs or weights work, and so do expressions built on top of them (normalizations, second derivatives).
"""
import contextlib

import numpy as np
import torch

from torchkeras.backend import phase_state
from torchkeras.backend.keras_tensor import KerasTensor
from torchkeras.ops.operation import Operation
from torchkeras.utils import tree

_LEARNING_PHASE = []


# --------------------------------------------------------------------------------------------------------
# Learning phase
# --------------------------------------------------------------------------------------------------------
def learning_phase_tensor():
    """The symbolic learning phase: a scalar bool input named `keras_learning_phase` (created once)."""
    if not _LEARNING_PHASE:
        from torchkeras.layers.core.input_layer import InputLayer

        layer = InputLayer(batch_shape=(), dtype="bool", name="keras_learning_phase")
        _LEARNING_PHASE.append(layer.output)
    return _LEARNING_PHASE[0]


def learning_phase():
    """Keras 2's learning phase: 1 (training) or 0 (inference).

    Inside a layer call it is the call's `training` flag; elsewhere, the value given to `set_learning_phase`;
    if none was set, the symbolic learning-phase tensor, which `K.function` inputs can receive (its value then
    decides `training` for the layers the function runs; it is 0 when not fed).
    """
    from torchkeras.layers.layer import current_training, in_call

    if in_call():
        training = current_training()
        if training is None:
            return phase_state.value() or 0
        return int(bool(training))
    if phase_state.value() is not None:
        return phase_state.value()
    return learning_phase_tensor()


def set_learning_phase(value):
    """Set the learning phase to 0 (inference) or 1 (training) for calls that do not pass `training=`."""
    from torchkeras.utils.keras2_paths import warn_once

    if value not in (0, 1):
        raise ValueError("Expected learning phase to be 0 or 1.")
    warn_once("keras.backend.set_learning_phase", "training=True/False when calling layers and models",
              what="deprecated since TensorFlow 2")
    phase_state.GLOBAL[0] = int(value)


@contextlib.contextmanager
def learning_phase_scope(value):
    """Context manager: the learning phase is `value` (0 or 1) inside the block."""
    if value not in (0, 1):
        raise ValueError("Expected learning phase to be 0 or 1.")
    previous = phase_state.GLOBAL[0]
    phase_state.GLOBAL[0] = int(value)
    try:
        yield value
    finally:
        phase_state.GLOBAL[0] = previous


def constant_input_value(value):
    """The value behind Keras 2's `Input(tensor=<value>)`: a tensor (a variable stays a variable, so later
    `K.set_value` calls are seen), fed by `K.function` whenever a graph needs that input."""
    if isinstance(value, torch.Tensor):
        return value
    from torchkeras import ops

    return ops.convert_to_tensor(np.asarray(value))


def _constant_inputs(tensors):
    """The `Input(tensor=<value>)` inputs that `tensors` are computed from."""
    from torchkeras.layers.core.input_layer import InputLayer

    found, seen, stack = [], set(), [t for t in tensors if isinstance(t, KerasTensor)]
    while stack:
        t = stack.pop()
        if id(t) in seen or t._keras_history is None:
            continue
        seen.add(id(t))
        op, index, _ = t._keras_history
        if isinstance(op, InputLayer):
            if getattr(op, "_constant_value", None) is not None:
                found.append(t)
            continue
        stack.extend(op._inbound_nodes[index].input_tensors)
    return found


def is_learning_phase(x):
    return bool(_LEARNING_PHASE) and x is _LEARNING_PHASE[0]


# --------------------------------------------------------------------------------------------------------
# Placeholders
# --------------------------------------------------------------------------------------------------------
def placeholder(shape=None, ndim=None, dtype=None, sparse=False, name=None, ragged=False):
    """A symbolic input of `shape` (batch dimension included; `ndim` gives an all-unknown shape)."""
    from torchkeras.backend import config
    from torchkeras.layers.core.input_layer import Input

    if sparse or ragged:
        raise ValueError("torchkeras placeholders are dense: `sparse=True` and `ragged=True` are not supported.")
    if shape is None:
        if ndim is None:
            raise ValueError("Specify either `shape` or `ndim` for a placeholder.")
        shape = (None,) * ndim
    return Input(batch_shape=tuple(shape), dtype=dtype or config.floatx(), name=name)


def is_placeholder(x):
    """Whether `x` is a placeholder (an input tensor of a graph)."""
    history = getattr(x, "_keras_history", None)
    if not isinstance(x, KerasTensor) or history is None:
        return False
    from torchkeras.layers.core.input_layer import InputLayer

    return isinstance(history[0], InputLayer)


# --------------------------------------------------------------------------------------------------------
# Graph operations of the Keras 2 backend
# --------------------------------------------------------------------------------------------------------
class Shape(Operation):
    """`K.shape(x)` on a symbolic tensor: the shape as a 1-D int32 tensor, known only when run."""

    def call(self, x):
        return torch.tensor(tuple(x.shape), dtype=torch.int32, device=x.device)

    def compute_output_spec(self, x):
        return KerasTensor((len(x.shape),), dtype="int32")


class Gradients(Operation):
    """`K.gradients(loss, xs)`: the gradients of `sum(loss)` with respect to each of `xs`, by autograd on the
    values of the same run (zeros where `loss` does not depend on an `x`)."""

    def __init__(self, name=None):
        super().__init__(name=name)
        self.create_graph = False

    def call(self, loss, targets):
        targets = list(targets)
        grads = [None] * len(targets)
        live = [i for i, t in enumerate(targets) if isinstance(t, torch.Tensor) and t.requires_grad]
        if live and isinstance(loss, torch.Tensor) and loss.requires_grad:
            found = torch.autograd.grad(loss, [targets[i] for i in live], grad_outputs=torch.ones_like(loss),
                                        retain_graph=True, create_graph=self.create_graph, allow_unused=True)
            for i, g in zip(live, found):
                grads[i] = g
        return [torch.zeros_like(t) if g is None else g for g, t in zip(grads, targets)]

    def compute_output_spec(self, loss, targets):
        from torchkeras.backend import dtypes

        return [KerasTensor(tuple(t.shape), dtype=dtypes.standardize_dtype(t.dtype)) for t in targets]


class Assign(Operation):
    """`K.update(x, new_x)` with a symbolic `new_x`: the new value, assigned to `x` by `K.function`."""

    def __init__(self, variable, name=None):
        super().__init__(name=name)
        self.variable = variable

    def call(self, new_value):
        return new_value

    def compute_output_spec(self, new_value):
        return KerasTensor(tuple(self.variable.shape), dtype=_dtype_name(self.variable))


def _dtype_name(x):
    from torchkeras.backend import dtypes

    return dtypes.standardize_dtype(x.dtype)


def symbolic_shape(x):
    return Shape()(x)


def gradients(loss, variables):
    """The gradients of `loss` (summed) with respect to `variables`, as a list.

    With a symbolic `loss` (built from KerasTensors), the gradients are symbolic too, evaluated by
    `K.function`; `variables` may be KerasTensors (inputs, layer outputs) or weights. With a real tensor
    `loss`, they are computed now by autograd (with a graph, so they can be differentiated again).
    """
    single = not isinstance(variables, (list, tuple))
    targets = [variables] if single else list(variables)
    if isinstance(loss, KerasTensor) or any(isinstance(t, KerasTensor) for t in targets):
        if not isinstance(loss, KerasTensor):
            raise ValueError("`K.gradients` of a real tensor with respect to symbolic tensors: build the loss "
                             "from the same symbolic tensors.")
        return list(Gradients()(loss, targets))
    if not isinstance(loss, torch.Tensor) or not loss.requires_grad:
        raise ValueError(
            "`K.gradients` needs a loss computed by autograd from the tensors it differentiates with respect to "
            "(inside a training step, or from symbolic tensors evaluated by `K.function`). Received a loss that "
            "does not require gradients.")
    live = [i for i, t in enumerate(targets) if isinstance(t, torch.Tensor) and t.requires_grad]
    found = torch.autograd.grad(loss, [targets[i] for i in live], grad_outputs=torch.ones_like(loss),
                                retain_graph=True, create_graph=True, allow_unused=True)
    grads = [None] * len(targets)
    for i, g in zip(live, found):
        grads[i] = g
    return [torch.zeros_like(torch.as_tensor(t)) if g is None else g for g, t in zip(grads, targets)]


def symbolic_update(x, new_x):
    if not (hasattr(x, "assign") and isinstance(x, torch.Tensor)):
        raise TypeError(f"`K.update` needs a variable to assign to (such as `K.variable(...)`). Received: {x}")
    return Assign(x)(new_x)


# --------------------------------------------------------------------------------------------------------
# K.function
# --------------------------------------------------------------------------------------------------------
def _graph_ops(inputs, outputs):
    from torchkeras.ops import function as function_lib

    nodes_by_depth, _ = function_lib.map_graph(inputs, outputs)
    return nodes_by_depth, [n for nodes in nodes_by_depth.values() for n in nodes]


def _mark_higher_order(nodes):
    """A `Gradients` node whose loss depends on another `Gradients` node's output makes that one keep its
    graph (second derivatives)."""
    gradient_nodes = [n for n in nodes if isinstance(n.operation, Gradients)]
    for node in gradient_nodes:
        node.operation.create_graph = False
    for node in gradient_nodes:
        seen = set()
        stack = list(node.input_tensors[:1])
        while stack:
            t = stack.pop()
            if id(t) in seen or t._keras_history is None:
                continue
            seen.add(id(t))
            op, index, _ = t._keras_history
            parent = op._inbound_nodes[index]
            if isinstance(op, Gradients):
                op.create_graph = True
            stack.extend(parent.input_tensors)


class Function:
    """`K.function(inputs, outputs, updates)`: evaluates `outputs` from values fed to `inputs`.

    Call it with a list (or tuple, or dict by input name) of arrays, one per input, in order. Returns NumPy
    arrays in the structure of `outputs`. Feeding `K.learning_phase()` (0 or 1) sets `training` for the
    layers it runs (default: the global learning phase, else 0). `updates` (pairs `(variable, new value)` or
    `K.update(...)` results) are assigned after each evaluation, from the values computed in it.
    """

    def __init__(self, inputs, outputs, updates=None, name=None, **kwargs):
        from torchkeras.models.graph_plan import GraphPlan

        self.name = name
        self.inputs = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
        # After `K.set_learning_phase(v)`, `K.learning_phase()` is the int `v`: such an input is a fixed phase.
        self._fixed_phase = {i: x for i, x in enumerate(self.inputs) if isinstance(x, int) and x in (0, 1)}
        for i in self._fixed_phase:
            self.inputs[i] = learning_phase_tensor()
        for x in self.inputs:
            if not isinstance(x, KerasTensor):
                raise ValueError(f"`K.function` inputs must be symbolic tensors (placeholders, `model.input`, layer "
                                 f"outputs or `K.learning_phase()`). Received: {x!r}")
        self._outputs_struct = outputs
        flat_outputs = tree.flatten(outputs)
        updates = [symbolic_update(*u) if isinstance(u, (list, tuple)) else u for u in (updates or [])]
        for u in updates:
            if not isinstance(u, KerasTensor):
                raise ValueError(f"`K.function` updates must be `(variable, new_value)` pairs or `K.update(...)` "
                                 f"results. Received: {u!r}")
        symbolic = [x for x in flat_outputs if isinstance(x, KerasTensor)] + updates
        self._flat_outputs = flat_outputs
        self._phase_index = next((i for i, x in enumerate(self.inputs) if is_learning_phase(x)), None)
        graph_inputs = list(self.inputs)
        if self._phase_index is None:
            graph_inputs.append(learning_phase_tensor())  # its default (0) feeds expressions that use it
        given = {id(x) for x in graph_inputs}
        self._constants = [t for t in _constant_inputs(symbolic) if id(t) not in given]
        graph_inputs += self._constants
        nodes_by_depth, nodes = _graph_ops(graph_inputs, symbolic)
        _mark_higher_order(nodes)
        self._needs_grad = any(isinstance(n.operation, Gradients) for n in nodes)
        self._assigns = [(u._keras_history[0].variable, i) for i, u in enumerate(symbolic)
                         if isinstance(u._keras_history[0], Assign)]
        self._graph_inputs = graph_inputs
        self._plan = GraphPlan(graph_inputs, list(symbolic), nodes_by_depth) if symbolic else None
        self._n_outputs = len(symbolic) - len(updates)

    def _feed(self, values):
        if isinstance(values, dict):
            names = [x._keras_history[0].name if x._keras_history else x.name for x in self.inputs]
            missing = [n for n in names if n not in values]
            if missing:
                raise ValueError(f"`K.function` is missing values for the inputs {missing}.")
            values = [values[n] for n in names]
        elif not isinstance(values, (list, tuple)):
            values = [values]
        if len(values) != len(self.inputs):
            raise ValueError(f"`K.function` expected {len(self.inputs)} input value(s) (one per input: "
                             f"{[x.name for x in self.inputs]}); received {len(values)}.")
        return list(values)

    def __call__(self, inputs):
        from torchkeras import ops
        from torchkeras.layers.layer import call_context

        values = self._feed(inputs)
        for i, fixed in self._fixed_phase.items():
            values[i] = fixed
        if self._phase_index is not None:
            phase = int(bool(np.asarray(values[self._phase_index])))
        else:
            phase = phase_state.value() or 0
            values.append(phase)
        values += [t._keras_history[0]._constant_value for t in self._constants]
        fed = []
        for x, value in zip(self._graph_inputs, values):
            if isinstance(value, torch.Tensor):
                value = value.detach()
            tensor = ops.convert_to_tensor(value.numpy() if hasattr(value, "numpy") and not isinstance(
                value, torch.Tensor) else value, dtype=x.dtype)
            if self._needs_grad and tensor.is_floating_point():
                tensor = tensor.detach().requires_grad_(True)
            fed.append(tensor)
        results = []
        if self._plan is not None:
            grad_mode = torch.enable_grad() if self._needs_grad else torch.no_grad()
            with grad_mode, call_context(training=bool(phase)):
                results = self._plan.run(fed, training=bool(phase))
            results = [results] if self._plan.single_output else list(results)
        for variable, i in self._assigns:
            with torch.no_grad():
                variable.copy_(results[i].detach().to(variable.dtype))
        computed = iter(results[:self._n_outputs])
        flat = []
        for x in self._flat_outputs:
            value = next(computed) if isinstance(x, KerasTensor) else x
            flat.append(_to_numpy(value))
        return tree.pack_sequence_as(self._outputs_struct, flat)


def _to_numpy(value):
    if isinstance(value, torch.Tensor):
        value = value.detach()
        if value.dtype == torch.bfloat16:
            value = value.float()
        return value.cpu().numpy()
    if hasattr(value, "numpy"):
        return np.asarray(value.numpy())
    return np.asarray(value)


def function(inputs, outputs, updates=None, name=None, **kwargs):
    """Keras 2's `K.function`: a callable that evaluates `outputs` from values fed to `inputs`."""
    return Function(inputs, outputs, updates=updates, name=name, **kwargs)
