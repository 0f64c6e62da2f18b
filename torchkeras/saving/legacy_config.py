"""Model configs in the Keras 2 dialect, for the legacy `.h5` format.

Writing: `keras2_model_config(model)` turns the model's Keras 3 config into what Keras 2 (tf.keras) writes
into `model_config`, which Keras 3's legacy loader reads too: `{"class_name", "config"}` entries,
`batch_input_shape`, plain dtype strings, list-style `inbound_nodes` and 1-based node indices for nested
models, and none of the Keras-3-only keys while they hold their default value.

Reading: `normalize_model_config(config)` prepares a Keras 2 (or Keras 3 legacy) `model_config` for
`deserialize_keras_object`: `"Model"` becomes `Functional`, one-element `axis` lists become ints, and keys a
layer's constructor does not accept (Keras 2's `time_major`, `groups` of DepthwiseConv2D, ...) are dropped.
"""
import inspect

# Keras 3 config keys that Keras 2 does not know, with the default value at which they are left out.
_KERAS3_ONLY_DEFAULTS = {
    "quantization_config": None,
    "lora_rank": None,
    "lora_alpha": None,
    "input_axes": None,
    "output_axes": None,
    "synchronized": False,
    "renorm": False,
    "renorm_clipping": None,
    "renorm_momentum": 0.99,
    "use_cudnn": "auto",
    "use_gate": False,
    "sliding_window": None,
    "flash_attention": None,
    "optional": False,
}
# Keys dropped only for these classes (the same name means something else elsewhere).
_KERAS3_ONLY_PER_CLASS = {
    "LSTM": {"seed": None, "zero_output_for_mask": False},
    "GRU": {"seed": None, "zero_output_for_mask": False},
    "SimpleRNN": {"seed": None, "zero_output_for_mask": False},
    "MultiHeadAttention": {"seed": None},
}
_MODEL_CLASSES = ("Functional", "Sequential", "Model")


def _plain_dtype(value):
    """A DTypePolicy dict as Keras 2 writes it: a plain string for a float policy, else Keras 2's Policy."""
    if isinstance(value, dict) and value.get("class_name") in ("DTypePolicy", "FloatDTypePolicy", "Policy"):
        name = (value.get("config") or {}).get("name", "float32")
        if name.startswith("mixed_"):
            return {"module": "keras.mixed_precision", "class_name": "Policy", "config": {"name": name},
                    "registered_name": None}
        return name
    return value


def _strip_keras3_keys(class_name, config):
    table = dict(_KERAS3_ONLY_DEFAULTS)
    table.update(_KERAS3_ONLY_PER_CLASS.get(class_name, {}))
    return {k: v for k, v in config.items() if not (k in table and v == table[k])}


def _convert_value(value):
    """Recursively convert nested serialized objects (initializers, wrapped layers, dtype policies)."""
    if isinstance(value, dict):
        if "class_name" in value and isinstance(value.get("config"), dict):
            if _is_layer_entry(value):
                return _layer_entry(value)
            out = dict(value)
            out["config"] = _strip_keras3_keys(value["class_name"],
                                               {k: _convert_value(v) for k, v in value["config"].items()})
            return out
        return {k: _convert_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_convert_value(v) for v in value]
    return value


def _is_layer_entry(value):
    module = value.get("module") or ""
    return module.startswith("keras.layers") or module in ("keras", "keras.src.models.functional") and \
        value.get("class_name") in _MODEL_CLASSES or value.get("class_name") in _MODEL_CLASSES


def _layer_config(class_name, config):
    config = dict(config)
    if class_name == "InputLayer" and "batch_shape" in config:
        config["batch_input_shape"] = config.pop("batch_shape")
        # Keep Keras 2's key order: batch_input_shape first.
        config = {"batch_input_shape": config.pop("batch_input_shape"), **config}
    if "dtype" in config:
        config["dtype"] = _plain_dtype(config["dtype"])
    if class_name in _MODEL_CLASSES or ("layers" in config and isinstance(config.get("layers"), list)):
        return _model_config(class_name, config)
    config = {k: _convert_value(v) for k, v in config.items()}
    return _strip_keras3_keys(class_name, config)


def _layer_entry(entry):
    class_name = entry["class_name"]
    registered = entry.get("registered_name")
    if registered and ">" in registered:
        class_name = registered
    out = {"class_name": class_name, "config": _layer_config(entry["class_name"], entry.get("config", {}))}
    return out


def _model_config(class_name, config):
    config = dict(config)
    if "dtype" in config:
        config["dtype"] = _plain_dtype(config["dtype"])
    if "input_layers" in config and "output_layers" in config:
        return _functional_config(config)
    layers = [_layer_entry(e) for e in config.get("layers", [])]
    out = {"name": config.get("name"), "layers": layers}
    if config.get("trainable") is False:
        out["trainable"] = False
    if "build_input_shape" in config:
        out["build_input_shape"] = config["build_input_shape"]
    return out


def _functional_config(config):
    """A Keras 3 Functional config in Keras 2's list style, readable by Keras 2 and Keras 3.

    Node indices stay 0-based (Keras 3's convention) and a nested Sequential is written without its
    InputLayer, so that Keras 2 counts its nodes from 0 as well (it only skips a node 0 of nested models
    built with an input). A nested Functional keeps the +1 in `output_layers` that both read.
    """
    entries = config["layers"]
    layers = []
    for entry in entries:
        out = _layer_entry(entry)
        if entry.get("class_name") == "Sequential":
            out["config"] = _without_input_layer(out["config"])
        out["name"] = entry.get("name", out["config"].get("name"))
        out["inbound_nodes"] = [_keras2_node(node) for node in entry.get("inbound_nodes", [])]
        layers.append(out)

    def io(struct):
        if _is_ref(struct):
            return list(struct)
        if isinstance(struct, dict):
            return {k: io(v) for k, v in struct.items()}
        return [io(v) for v in struct]

    def io_list(struct):
        return [io(struct)] if _is_ref(struct) else io(struct)

    return {"name": config.get("name"), "trainable": config.get("trainable", True), "layers": layers,
            "input_layers": io_list(config["input_layers"]), "output_layers": io_list(config["output_layers"])}


def _without_input_layer(config):
    config = dict(config)
    layers = list(config.get("layers", []))
    if layers and layers[0].get("class_name") == "InputLayer":
        layers = layers[1:]
    config["layers"] = layers
    config.pop("build_input_shape", None)
    return config


def _is_ref(x):
    return isinstance(x, (list, tuple)) and len(x) == 3 and isinstance(x[0], str) and isinstance(x[1], int)


def _is_tensor_ref(x):
    return isinstance(x, dict) and x.get("class_name") == "__keras_tensor__"


def _history(ref):
    name, node_index, tensor_index = ref["config"]["keras_history"]
    return [name, node_index, tensor_index]


def _kwargs_value(value):
    if _is_tensor_ref(value):
        return _history(value)
    if isinstance(value, list):
        return [_kwargs_value(v) for v in value]
    if isinstance(value, dict) and "class_name" not in value:
        return {k: _kwargs_value(v) for k, v in value.items()}
    return value


def _holds_tensor(value):
    if _is_tensor_ref(value):
        return True
    if isinstance(value, (list, tuple)):
        return any(_holds_tensor(v) for v in value)
    if isinstance(value, dict) and "class_name" not in value:
        return any(_holds_tensor(v) for v in value.values())
    return False


def _keras2_node(node):
    """A Keras 3 node `{"args", "kwargs"}` as Keras 2's `[[name, node_index, tensor_index, kwargs], ...]`.

    A call that passes tensors through keyword arguments or extra positional arguments (an RNN's
    `initial_state`, a `mask`, attention's `value`/`key`) keeps Keras 3's form: Keras 3's legacy loader reads
    nodes one by one in either form, but passes a Keras 2 node's kwargs on unconverted.
    """
    if isinstance(node, list):  # already Keras 2
        return node
    args = list(node.get("args", []))
    kwargs = {k: v for k, v in (node.get("kwargs") or {}).items() if not (k == "mask" and v is None)}
    if _holds_tensor(kwargs) or (len(args) > 1 and _holds_tensor(args[1:])):
        return {"args": args, "kwargs": kwargs}
    kwargs = {k: _kwargs_value(v) for k, v in kwargs.items()}
    if len(args) == 1 and isinstance(args[0], list) and all(_is_tensor_ref(a) for a in args[0]):
        return [_history(a) + [{}] for a in args[0]]  # a list input (Add, Concatenate)
    if not args or not _is_tensor_ref(args[0]):
        raise ValueError(
            "This model cannot be written in the Keras 2 `.h5` format: a layer is called on "
            f"{args!r}, which Keras 2's config format cannot express. Save it as `.keras` instead."
        )
    first = _history(args[0])
    extra = args[1:]
    if extra:
        kwargs = dict(kwargs)
        kwargs["__positional__"] = [_kwargs_value(a) for a in extra]
    return [first + [kwargs]]


def name_positional_args(model_config, model):
    """Replace the `__positional__` placeholder left by `_keras2_node` with the call's parameter names."""
    layers_by_name = {layer.name: layer for layer in _walk_layers(model)}

    def fix(config):
        for entry in config.get("layers", []):
            layer = layers_by_name.get(entry.get("name") or entry["config"].get("name"))
            inner = entry.get("config", {})
            if isinstance(inner, dict) and "layers" in inner:
                fix(inner)
            for node in entry.get("inbound_nodes", []):
                if not isinstance(node, list):
                    continue  # kept in Keras 3's form: its arguments are named already
                for tensor in node:
                    if isinstance(tensor, list) and len(tensor) == 4 and "__positional__" in tensor[3]:
                        values = tensor[3].pop("__positional__")
                        names = _call_arg_names(layer)[1:1 + len(values)]
                        if len(names) != len(values):
                            raise ValueError(
                                f"Layer '{entry.get('name')}' is called with {len(values) + 1} positional "
                                "inputs, which the Keras 2 `.h5` config cannot express. Save as `.keras`.")
                        tensor[3].update(dict(zip(names, values)))

    fix(model_config["config"])
    return model_config


def _walk_layers(model):
    """Every operation (layers and ops such as `keras.ops.not_equal`) of `model` and its nested models."""
    out = []
    try:
        operations = list(model.operations)
    except (AttributeError, TypeError):
        operations = list(getattr(model, "layers", []))
    for op in operations:
        out.append(op)
        if isinstance(getattr(op, "layers", None), list):
            out.extend(_walk_layers(op))
    return out


def _call_arg_names(layer):
    if layer is None:
        return []
    target = type(layer).fn if callable(getattr(type(layer), "fn", None)) else layer.call
    try:
        params = inspect.signature(target).parameters
    except (TypeError, ValueError):
        return []
    return [n for n, p in params.items() if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]


def keras2_model_config(model):
    """`{"class_name", "config"}` of `model` in the Keras 2 dialect (the legacy `.h5` `model_config`)."""
    class_name = type(model).__name__
    config = model.get_config()
    if class_name in ("Functional", "Sequential") or ("layers" in config and isinstance(config["layers"], list)):
        converted = _model_config(class_name, config)
    else:
        converted = {k: _convert_value(v) for k, v in config.items()}
    from torchkeras.saving import serialization_lib

    registered = serialization_lib.GLOBAL_CUSTOM_NAMES.get(type(model))
    result = {"class_name": registered or class_name, "config": converted}
    return name_positional_args(result, model)


# --- reading ---------------------------------------------------------------------------------------------


def normalize_model_config(config, custom_objects=None, keras2=False):
    """Prepare a legacy `model_config` (Keras 2 or Keras 3 `.h5`) for deserialization.

    List-style (Keras 2 dialect) functional graphs are rewritten as Keras 3 nodes. `keras2` says whose
    node numbering they use: Keras 2 gives a nested model built with an input an extra node 0, which is
    taken off here; files written by Keras 3 or torchkeras count from 0.
    """
    return _normalize_entry(config, custom_objects, keras2)


def _normalize_entry(entry, custom_objects, keras2=False):
    if not isinstance(entry, dict) or "class_name" not in entry:
        return entry
    entry = dict(entry)
    class_name = entry["class_name"]
    if class_name == "Model":
        entry["class_name"] = "Functional"
        class_name = "Functional"
    if class_name == "Functional" and not entry.get("module"):
        entry["module"] = "keras.src.models.functional"
    config = entry.get("config")
    if isinstance(config, list):  # Keras <= 2.1 Sequential: a bare list of layer configs
        entry["config"] = {"layers": [_normalize_entry(e, custom_objects, keras2) for e in config]}
        return entry
    if not isinstance(config, dict):
        return entry
    config = dict(config)
    if isinstance(config.get("layers"), list):
        config["layers"] = [_normalize_entry(e, custom_objects, keras2) for e in config["layers"]]
        if "input_layers" in config and "output_layers" in config:
            config = _keras3_graph(config, keras2)
        entry["config"] = config
        return entry
    for key, value in list(config.items()):
        if isinstance(value, dict) and "class_name" in value and key in ("layer", "backward_layer", "cell"):
            config[key] = _normalize_entry(value, custom_objects, keras2)
        elif key == "cells" and isinstance(value, list):
            config[key] = [_normalize_entry(v, custom_objects, keras2) for v in value]
    if class_name != "InputLayer":
        axis = config.get("axis")
        if isinstance(axis, list) and len(axis) == 1:
            config["axis"] = axis[0]
        elif isinstance(axis, float):
            config["axis"] = int(axis)
    entry["config"] = _drop_unknown_keys(entry, config, custom_objects)
    return entry


def _has_construction_node(entry):
    """Whether Keras 2 gives this nested model a node 0 of its own (built with an input)."""
    if entry.get("class_name") in ("Functional", "Model"):
        return True
    if entry.get("class_name") == "Sequential":
        layers = (entry.get("config") or {}).get("layers") or []
        return bool(layers) and layers[0].get("class_name") == "InputLayer"
    return False


def _keras3_graph(config, keras2):
    """Rewrite list-style (Keras 2) `inbound_nodes` as Keras 3 `{"args", "kwargs"}` nodes."""
    entries = config["layers"]
    if not any(isinstance(n, list) for e in entries for n in e.get("inbound_nodes", [])):
        return config
    shifted = {e.get("name") for e in entries if keras2 and _has_construction_node(e)}

    def ref(name, node_index, tensor_index):
        if name in shifted:
            node_index -= 1
        return {"class_name": "__keras_tensor__", "config": {"keras_history": [name, node_index, tensor_index]}}

    names = {e.get("name") or (e.get("config") or {}).get("name") for e in entries}

    def named_ref(value):
        return isinstance(value, list) and len(value) in (3, 4) and _is_ref(value[:3]) and value[0] in names \
            and (len(value) == 3 or isinstance(value[3], dict))

    def kwarg(value):
        """Keras 2 writes tensors inside kwargs as `[name, node_index, tensor_index]` (also inside lists and
        dicts: `initial_state=[h, c]`); a list that names no layer of the model stays a plain value."""
        if named_ref(value):
            return ref(*value[:3])
        if isinstance(value, list):
            return [kwarg(v) for v in value]
        if isinstance(value, dict) and "class_name" not in value:
            return {k: kwarg(v) for k, v in value.items()}
        return value

    def node(data):
        if isinstance(data, dict):
            return data
        items = data if data and isinstance(data[0], list) else [data]
        tensors = []
        kwargs = {}
        for item in items:
            tensors.append(ref(item[0], item[1], item[2]))
            if len(item) > 3 and isinstance(item[3], dict):
                kwargs.update({k: kwarg(v) for k, v in item[3].items()})
        return {"args": [tensors[0] if len(tensors) == 1 else tensors], "kwargs": kwargs}

    layers = []
    for e in entries:
        e = dict(e)
        e["inbound_nodes"] = [node(n) for n in e.get("inbound_nodes", [])]
        layers.append(e)
    sequential_shift = {e.get("name") for e in entries if e.get("class_name") == "Sequential"} & shifted

    def io(struct):
        if _is_ref(struct):
            name, node_index, tensor_index = struct
            # Keras 3 readers take 1 off for a nested Functional themselves; a Sequential is ours to fix.
            return [name, node_index - (1 if name in sequential_shift else 0), tensor_index]
        if isinstance(struct, dict):
            return {k: io(v) for k, v in struct.items()}
        converted = [io(v) for v in struct]
        return converted[0] if len(converted) == 1 and _is_ref(struct[0]) else converted

    config = dict(config)
    config["layers"] = layers
    config["input_layers"] = io(config["input_layers"])
    config["output_layers"] = io(config["output_layers"])
    return config


def _drop_unknown_keys(entry, config, custom_objects):
    """Drop config keys the layer's constructor does not accept (Keras 2 keys such as `time_major`)."""
    from torchkeras.layers.layer import Layer
    from torchkeras.saving import serialization_lib

    cls = serialization_lib._find_class(entry["class_name"], entry.get("module"), entry.get("registered_name"),
                                        custom_objects)
    if not inspect.isclass(cls) or not issubclass(cls, Layer):
        return config
    if "from_config" in cls.__dict__ and cls.__module__.split(".")[0] != "torchkeras":
        return config  # a custom class with its own from_config reads what it wrote
    allowed = _accepted_kwargs(cls)
    if allowed is None:
        return config
    return {k: v for k, v in config.items() if k in allowed}


def _accepted_kwargs(cls):
    from torchkeras.layers import layer as layer_lib

    allowed = set(layer_lib._LAYER_KWARGS) | {"name", "trainable", "dtype", "autocast", "activity_regularizer"}
    for klass in cls.__mro__:
        init = klass.__dict__.get("__init__")
        if init is None:
            continue
        if klass is layer_lib.Layer:
            return allowed - {"self"}
        try:
            params = inspect.signature(init).parameters
        except (TypeError, ValueError):
            return None
        allowed.update(k for k, p in params.items() if p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL))
        if not any(p.kind == p.VAR_KEYWORD for p in params.values()):
            return allowed - {"self"}
    return None
