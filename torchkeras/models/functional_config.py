"""Config of functional and Sequential models, in Keras 3's schema; Keras 2's schema is read too.

Keras 3 records each layer call as `{"args": [...], "kwargs": {...}}` with `__keras_tensor__` references
`[layer_name, node_index, tensor_index]`; Keras 2 records `[[name, node_index, tensor_index, kwargs], ...]`
and counts a nested model's first call as node 1 (its own construction being node 0).
"""
from torchkeras.backend.keras_tensor import KerasTensor
from torchkeras.layers.core.input_layer import InputLayer
from torchkeras.saving import serialization_lib
from torchkeras.utils import tree


# --- writing ------------------------------------------------------------------------------------------


def _model_node_ids(model):
    return {id(n) for nodes in model._nodes_by_depth.values() for n in nodes}


def _node_index_map(model):
    """(id(operation), original node index) -> node index counted over this model's nodes only."""
    ids = _model_node_ids(model)
    mapping = {}
    for op in model._operations:
        new = 0
        for i, node in enumerate(op._inbound_nodes):
            if id(node) in ids:
                mapping[(id(op), i)] = new
                new += 1
    return mapping


def _ref(tensor, mapping):
    op, node_index, tensor_index = tensor._keras_history
    return [op.name, mapping.get((id(op), node_index), node_index), tensor_index]


def _serialize_node_value(value, mapping):
    if isinstance(value, KerasTensor):
        return {"class_name": "__keras_tensor__",
                "config": {"shape": list(value.shape), "dtype": value.dtype, "keras_history": _ref(value, mapping)}}
    if isinstance(value, (list, tuple)):
        return [_serialize_node_value(v, mapping) for v in value]
    if isinstance(value, dict):
        return {k: _serialize_node_value(v, mapping) for k, v in value.items()}
    return serialization_lib.serialize_keras_object(value)


def _is_functional(op):
    from torchkeras.models.functional import Functional

    return isinstance(op, Functional)


def _io_ref(tensor, mapping, shift_functional):
    ref = _ref(tensor, mapping)
    if shift_functional and _is_functional(tensor._keras_history[0]):
        ref[1] += 1  # Keras 3 writes nested Functional outputs with a legacy +1 node index.
    return ref


def _io_struct(struct, mapping, shift):
    if isinstance(struct, KerasTensor):
        return _io_ref(struct, mapping, shift)
    if isinstance(struct, dict):
        return {k: _io_struct(v, mapping, shift) for k, v in struct.items()}
    return [_io_struct(v, mapping, shift) for v in struct]


def functional_get_config(model):
    mapping = _node_index_map(model)
    ids = _model_node_ids(model)
    layers = []
    for op in model._operations:
        entry = serialization_lib.serialize_keras_object(op)
        entry["name"] = op.name
        nodes = []
        for node in op._inbound_nodes:
            if id(node) in ids and not node.is_input:
                nodes.append({"args": _serialize_node_value(list(node.call_args), mapping),
                              "kwargs": _serialize_node_value(node.call_kwargs, mapping)})
        entry["inbound_nodes"] = nodes
        layers.append(entry)
    return {
        "name": model.name,
        "trainable": model.trainable,
        "layers": layers,
        "input_layers": _io_struct(model._inputs_struct, mapping, shift=False),
        "output_layers": _io_struct(model._outputs_struct, mapping, shift=True),
    }


# --- reading ------------------------------------------------------------------------------------------


def _is_leaf_ref(x):
    return isinstance(x, (list, tuple)) and len(x) == 3 and isinstance(x[0], str) and isinstance(x[1], int)


def _deserialize_layer(layer_data, custom_objects):
    data = {k: v for k, v in layer_data.items() if k not in ("inbound_nodes", "name")}
    if data.get("class_name") in ("Model", "Functional") and not data.get("module"):
        data["module"] = "keras.src.models.functional"
    return serialization_lib.deserialize_keras_object(data, custom_objects=custom_objects)


def functional_from_config(cls, config, custom_objects=None, make_layer=None):
    """Rebuild a functional model from a Keras 3 or Keras 2 config.

    `make_layer(entry)`, if given, creates each layer from its config entry (used by `clone_model`).
    """
    from torchkeras.models.model import Model

    layer_entries = config["layers"]
    legacy = any(isinstance(n, list) for e in layer_entries for n in e.get("inbound_nodes", []))
    created = {}
    outputs_by_layer = {}  # name -> [flat outputs of each node created so far]
    pending = []  # (layer, [node data])
    with serialization_lib.CustomObjectScope(custom_objects or {}):
        for entry in layer_entries:
            layer = make_layer(entry) if make_layer is not None else _deserialize_layer(entry, custom_objects)
            name = entry.get("name", getattr(layer, "name", None))
            created[name] = layer
            if isinstance(layer, InputLayer):
                outputs_by_layer[name] = [[layer.output]]
            else:
                outputs_by_layer[name] = []
            pending.append((name, list(entry.get("inbound_nodes", []))))

        def shift(name):
            return 1 if legacy and isinstance(created.get(name), Model) else 0

        def resolve(name, node_index, tensor_index, io=False):
            if name not in created:
                raise ValueError(f"Layer '{name}' is referenced in the model config but not defined.")
            index = node_index - (shift(name) if not io else _io_shift(name))
            nodes = outputs_by_layer[name]
            if index >= len(nodes):
                return None
            return nodes[index][tensor_index]

        def _io_shift(name):
            layer = created.get(name)
            if legacy:
                return 1 if isinstance(layer, Model) else 0
            from torchkeras.models.functional import Functional

            return 1 if isinstance(layer, Functional) else 0

        def replace_refs(value):
            if isinstance(value, dict):
                if value.get("class_name") == "__keras_tensor__":
                    hist = value["config"]["keras_history"]
                    t = resolve(*hist)
                    if t is None:
                        raise _NotReady
                    return t
                if "class_name" in value:
                    return serialization_lib.deserialize_keras_object(value, custom_objects)
                return {k: replace_refs(v) for k, v in value.items()}
            if isinstance(value, list):
                return [replace_refs(v) for v in value]
            return value

        def run_node(name, node_data):
            layer = created[name]
            if isinstance(node_data, dict):  # Keras 3
                args = replace_refs(node_data.get("args", []))
                kwargs = replace_refs(node_data.get("kwargs", {}))
            else:  # Keras 2: [[name, idx, t_idx, kwargs], ...] or a bare single entry
                entries = node_data if node_data and isinstance(node_data[0], list) else [node_data]
                tensors = []
                kwargs = {}
                for e in entries:
                    t = resolve(e[0], e[1], e[2])
                    if t is None:
                        raise _NotReady
                    tensors.append(t)
                    if len(e) > 3 and e[3]:
                        kwargs = {k: _legacy_kwarg(v, resolve, created) for k, v in e[3].items()}
                args = [tensors[0] if len(tensors) == 1 else tensors]
            out = layer(*args, **kwargs)
            outputs_by_layer[name].append(tree.flatten(out))

        progress = True
        while progress and any(nodes for _, nodes in pending):
            progress = False
            for i, (name, nodes) in enumerate(pending):
                while nodes:
                    try:
                        run_node(name, nodes[0])
                    except _NotReady:
                        break
                    nodes.pop(0)
                    progress = True
        stuck = [name for name, nodes in pending if nodes]
        if stuck:
            raise ValueError(
                "Invalid Functional model configuration: the calls of layers "
                f"{stuck} could not be connected to the model's inputs (a loop or a disconnected node)."
            )

        def io(struct):
            if _is_leaf_ref(struct):
                t = resolve(struct[0], struct[1], struct[2], io=True)
                if t is None:
                    raise ValueError(f"Cannot find the model input/output {struct} in the config.")
                return t
            if isinstance(struct, dict):
                return {k: io(v) for k, v in struct.items()}
            return [io(v) for v in struct]

        inputs = io(config["input_layers"])
        outputs = io(config["output_layers"])
        if legacy:
            # Keras 2 wraps single inputs/outputs in a list.
            if isinstance(inputs, list) and len(inputs) == 1:
                inputs = inputs[0]
            if isinstance(outputs, list) and len(outputs) == 1:
                outputs = outputs[0]
    kwargs = {"name": config.get("name")}
    from torchkeras.models.functional import Functional

    if cls is Model or cls is Functional or not issubclass(cls, Functional):
        model = Functional(inputs=inputs, outputs=outputs, **kwargs)
    else:
        model = cls(inputs=inputs, outputs=outputs, **kwargs)
    if "trainable" in config and not config["trainable"]:
        model.trainable = False
    return model


def _legacy_kwarg(value, resolve, names):
    """A Keras 2 kwarg value with its tensor references `[name, node_index, tensor_index]` (alone, or inside
    lists and dicts, e.g. `initial_state=[h, c]`) resolved; a list naming no layer stays a plain value."""
    if isinstance(value, list) and len(value) in (3, 4) and _is_leaf_ref(value[:3]) and value[0] in names and \
            (len(value) == 3 or isinstance(value[3], dict)):
        t = resolve(*value[:3])
        if t is None:
            raise _NotReady
        return t
    if isinstance(value, list):
        return [_legacy_kwarg(v, resolve, names) for v in value]
    if isinstance(value, dict) and "class_name" not in value:
        return {k: _legacy_kwarg(v, resolve, names) for k, v in value.items()}
    return value


class _NotReady(Exception):
    pass


def sequential_from_config(cls, config, custom_objects=None):
    if isinstance(config, list):  # Keras <= 2.1: a bare list of layer configs
        layer_configs, name, build_shape, trainable = config, None, None, True
    else:
        layer_configs = config["layers"]
        name = config.get("name")
        build_shape = config.get("build_input_shape")
        trainable = config.get("trainable", True)
    model = cls(name=name)
    with serialization_lib.CustomObjectScope(custom_objects or {}):
        for layer_config in layer_configs:
            layer = serialization_lib.deserialize_keras_object(layer_config, custom_objects=custom_objects)
            model.add(layer, rebuild=False)
    model._maybe_rebuild()
    if not model.built and build_shape:
        model.build(tuple(build_shape))
    if not trainable:
        model.trainable = False
    return model
