"""The object walk behind Keras 3's `.weights.h5` paths (also `model.weights.h5` inside `.keras`).

Depth-first from the model (path `""`); each object's own variables live at `<path>/vars/<i>`. Children:
1. a Sequential or Functional model's `layers` container first;
2. then the object's attributes sorted by name, public names before `_private` ones, skipping what a bare
   base object (Layer, Model) has. An attribute holding a layer or optimizer goes to `<path>/<attribute>`;
   a list, tuple or dict is a container whose items go to `<path>/<attribute>/<snake_case class>[_n]`
   (nested containers to `container[_n]`).
An object reached twice (a shared layer) is visited once, at its first path.

Layers whose attributes differ from Keras's can say how Keras lays them out:
- `_keras_saveable_children()` -> list of `(attribute name, child or container)`, replacing step 2;
- `_keras_variable_groups()` -> `{relative path: [variables]}`, for a layer that owns variables Keras keeps in
  a child object (e.g. `{"cell": [kernel, recurrent_kernel, bias]}` for an RNN layer without a cell object).
"""
import torch

from torchkeras.backend import naming

_BASE_SKIP = {}
_MODEL_EXTRA_SKIP = {
    "_functional", "_seq_layers", "_operations", "operations", "_nodes_by_depth", "_graph_plan", "inputs",
    "outputs", "_inputs_struct", "_outputs_struct", "_input_names", "layers",
}


def _skipset(kind):
    cached = _BASE_SKIP.get(kind)
    if cached is not None:
        return cached
    from torchkeras.layers.layer import Layer

    counters = dict(naming._UIDS)  # a reference object must not consume an auto-name
    try:
        if kind == "model":
            from torchkeras.models.model import Model

            ref = Model()
            names = set(dir(ref)) | set(ref.__dict__) | _MODEL_EXTRA_SKIP
            names.discard("optimizer")
        else:
            ref = Layer()
            names = set(dir(ref)) | set(ref.__dict__)
    finally:
        naming._UIDS.clear()
        naming._UIDS.update(counters)
    _BASE_SKIP[kind] = names
    return names


def is_model(obj):
    from torchkeras.models.model import Model

    return isinstance(obj, Model)


def is_graph_model(obj):
    """Sequential and Functional models (their `layers` come first in the walk)."""
    from torchkeras.models.functional import Functional
    from torchkeras.models.sequential import Sequential

    return isinstance(obj, (Functional, Sequential))


def is_saveable(obj):
    from torchkeras.layers.layer import Layer
    from torchkeras.optimizers.base_optimizer import Optimizer

    return isinstance(obj, (Layer, Optimizer))


def _is_container(value):
    if isinstance(value, (list, tuple, dict)):
        return True
    return isinstance(value, (torch.nn.ModuleList, torch.nn.ModuleDict))


def _container_items(value):
    if isinstance(value, (dict, torch.nn.ModuleDict)):
        return list(value.values())
    return list(value)


def _name_key(name):
    return f"~{name}" if name.startswith("_") else name


def _attribute_names(obj):
    names = set(obj.__dict__)
    names.update(getattr(obj, "_modules", {}) or {})
    for klass in type(obj).__mro__:
        if klass.__module__.startswith("torch.") or klass is object:
            continue
        for name, value in vars(klass).items():
            if isinstance(value, property):
                names.add(name)
    return names


def _attribute_value(obj, name):
    if name in obj.__dict__:
        return obj.__dict__[name]
    modules = obj.__dict__.get("_modules") or {}
    if name in modules:
        module = modules[name]
        if getattr(module, "_keras_container", False):
            return None  # the tracked list or dict itself is in __dict__ under the same name
        return module
    try:
        return getattr(obj, name)
    except Exception:  # noqa: BLE001 - like Keras, an attribute that can't be read is skipped
        return None


def children(obj):
    """`[(attribute name, child or container), ...]` of `obj`, in Keras's walk order."""
    from torchkeras.optimizers.base_optimizer import Optimizer

    if isinstance(obj, Optimizer):
        return []
    hook = getattr(obj, "_keras_saveable_children", None)
    out = []
    if is_graph_model(obj):
        out.append(("layers", list(obj.layers)))
    if callable(hook):
        out.extend(hook())
        return out
    skip = _skipset("model" if is_model(obj) else "layer")
    for name in sorted(_attribute_names(obj), key=_name_key):
        if name.startswith("__") or name in skip:
            continue
        value = _attribute_value(obj, name)
        if value is None:
            continue
        if is_saveable(value) or (_is_container(value) and _holds_saveable(value)):
            out.append((name, value))
    return out


def _holds_saveable(value, depth=0):
    if depth > 8:
        return False
    for item in _container_items(value):
        if is_saveable(item) or (_is_container(item) and _holds_saveable(item, depth + 1)):
            return True
    return False


def own_variables(obj):
    """`{relative path: variables}` for `obj`'s own state: a list (stored as "0", "1", ...) or, for a
    wrapped torch module, a dict keyed like its `state_dict()` (as Keras's TorchModuleWrapper stores it)."""
    from torchkeras.layers.core.torch_module_wrapper import TorchModuleWrapper
    from torchkeras.optimizers.base_optimizer import Optimizer

    if isinstance(obj, TorchModuleWrapper):
        return {"": dict(obj.module.state_dict(keep_vars=True))}
    if isinstance(obj, Optimizer):
        return {"": list(obj.variables)}
    hook = getattr(obj, "_keras_variable_groups", None)
    if callable(hook):
        return dict(hook())
    return {"": list(getattr(obj, "_trainable_variables", [])) + list(getattr(obj, "_non_trainable_variables", []))}


def _join(path, name):
    return f"{path}/{name}" if path else name


def walk(root):
    """Yield `(path, object)` for every saveable object reachable from `root`, in Keras's order."""
    visited = set()

    def visit(obj, path):
        if id(obj) in visited:
            return
        visited.add(id(obj))
        yield path, obj
        for name, child in children(obj):
            child_path = _join(path, name)
            if is_saveable(child):
                yield from visit(child, child_path)
            elif _is_container(child):
                yield from visit_container(child, child_path, set())

    def visit_container(container, path, seen_containers):
        if id(container) in seen_containers:
            return
        seen_containers.add(id(container))
        used = {}
        for item in _container_items(container):
            if is_saveable(item):
                name = _unique(naming.to_snake_case(type(item).__name__), used)
                yield from visit(item, _join(path, name))
            elif _is_container(item):
                name = _unique("container", used)
                yield from visit_container(item, _join(path, name), seen_containers)

    yield from visit(root, "")


def _unique(name, used):
    if name in used:
        used[name] += 1
        return f"{name}_{used[name]}"
    used[name] = 0
    return name
