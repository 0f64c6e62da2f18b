"""Keras 3 `.weights.h5`: `model.save_weights("x.weights.h5")`, and `model.weights.h5` inside a `.keras`.

A tree of groups given by the object walk of `saveable_walk` (class names and attribute names, never layer
names); each object's variables are the datasets `<path>/vars/0`, `1`, ... (read back in integer order), and
each `vars` group carries `@name` = the object's name, as Keras >= 3.6 writes it.

Loading reads and checks every group first (count and shapes), and assigns only when everything fits, so
a failed load leaves the model unchanged.
"""
import warnings

import numpy as np
import torch

from torchkeras.saving import h5_utils
from torchkeras.saving import saveable_walk

_ALTERNATE_NAMES = {"layers": "_layer_checkpoint_dependencies"}  # tf_keras 2.13 `.keras` files


def _to_numpy(value):
    if isinstance(value, torch.Tensor):
        value = value.detach()
        if value.dtype == torch.bfloat16:
            import ml_dtypes

            return value.float().cpu().numpy().astype(ml_dtypes.bfloat16)
        return value.cpu().numpy()
    return np.asarray(value)


def _vars_path(path, sub):
    parts = [p for p in (path, sub) if p]
    return "/".join(parts + ["vars"])


def write_model(h5_file, model):
    """Write `model`'s state (layers and optimizer) into an open, writable `h5py.File`."""
    for path, obj in saveable_walk.walk(model):
        groups = saveable_walk.own_variables(obj)
        if "" not in groups:
            groups = {"": [], **groups}
        for sub, variables in groups.items():
            group = h5_file.require_group(_vars_path(path, sub))
            name = getattr(obj, "name", None)
            if isinstance(name, str) and sub == "":
                group.attrs["name"] = name
            items = variables.items() if isinstance(variables, dict) else \
                ((str(i), v) for i, v in enumerate(variables))
            for key, value in items:
                h5_utils.write_dataset(group, key, _to_numpy(value))


def save_weights(model, filepath):
    h5py = h5_utils.h5py_module()
    with h5py.File(filepath, mode="w") as f:
        write_model(f, model)


# --- reading ---------------------------------------------------------------------------------------------


def _lookup(h5_file, path):
    """The group at `path`, trying tf_keras's old `_layer_checkpoint_dependencies` for `layers`; or None."""
    node = h5_file
    for part in path.split("/"):
        if part in node:
            node = node[part]
        elif part in _ALTERNATE_NAMES and _ALTERNATE_NAMES[part] in node:
            node = node[_ALTERNATE_NAMES[part]]
        else:
            return None
    return node


def _read_vars(group, where):
    """`{key: array}` of a `vars` group, numeric keys in integer order."""
    if group is None:
        return {}
    keys = list(group.keys())
    if all(k.isdigit() for k in keys):
        keys.sort(key=int)
    return {k: h5_utils.read_dataset(group, k, where=where) for k in keys}


class H5Source:
    """Reads `vars` groups from one open `h5py.File`."""

    def __init__(self, h5_file):
        self.h5_file = h5_file

    def read_vars(self, vars_path):
        return _read_vars(_lookup(self.h5_file, vars_path), where=f" at '{vars_path}'")

    def has(self, vars_path):
        return _lookup(self.h5_file, vars_path) is not None


def _describe(obj):
    return f"{type(obj).__name__} '{getattr(obj, 'name', '?')}'"


class _Plan:
    def __init__(self):
        self.pairs = []
        self.state_dicts = []
        self.errors = []

    def apply(self):
        with torch.no_grad():
            for variable, array in self.pairs:
                value = torch.as_tensor(np.asarray(array).astype(_np_dtype(variable), copy=False))
                variable.copy_(value.to(variable.device))
            for module, state in self.state_dicts:
                module.load_state_dict({k: torch.as_tensor(np.asarray(v)) for k, v in state.items()})


def _np_dtype(variable):
    if variable.dtype == torch.bfloat16:
        return np.float32
    return torch.empty((), dtype=variable.dtype).numpy().dtype


def _plan_object(plan, source, path, obj, skip_mismatch):
    from torchkeras.layers.core.torch_module_wrapper import TorchModuleWrapper
    from torchkeras.optimizers.base_optimizer import Optimizer

    groups = saveable_walk.own_variables(obj)
    for sub, variables in groups.items():
        vars_path = _vars_path(path, sub)
        saved = source.read_vars(vars_path)
        if isinstance(obj, TorchModuleWrapper):
            if set(saved) != set(variables):
                plan.errors.append((obj, f"{_describe(obj)} at '{vars_path}' expected the state_dict keys "
                                         f"{sorted(variables)}, received {sorted(saved)}"))
                continue
            plan.state_dicts.append((obj.module, saved))
            continue
        arrays = list(saved.values())
        if isinstance(obj, Optimizer):
            _plan_optimizer(plan, obj, variables, arrays, vars_path)
            continue
        if len(arrays) != len(variables):
            plan.errors.append((obj, f"Layer '{getattr(obj, 'name', '?')}' (at '{vars_path}') expected "
                                     f"{len(variables)} variables, but received {len(arrays)} variables during "
                                     f"loading. Expected: {[v.name for v in variables]}"))
            continue
        bad = [(v, a) for v, a in zip(variables, arrays) if tuple(v.shape) != tuple(np.shape(a))]
        if bad:
            detail = "; ".join(f"{getattr(v, 'path', v.name)}: expected shape {tuple(v.shape)}, received "
                               f"{tuple(np.shape(a))}" for v, a in bad)
            plan.errors.append((obj, f"Shape mismatch in layer '{getattr(obj, 'name', '?')}' (at '{vars_path}'): "
                                     f"{detail}"))
            continue
        plan.pairs.extend(zip(variables, arrays))


def _plan_optimizer(plan, optimizer, variables, arrays, vars_path):
    if len(arrays) != len(variables) or any(tuple(v.shape) != tuple(np.shape(a)) for v, a in zip(variables, arrays)):
        if arrays:
            warnings.warn(
                f"Skipping variable loading for optimizer '{optimizer.name}', because it has {len(variables)} "
                f"variables whereas the saved optimizer has {len(arrays)} variables (or their shapes differ).",
                stacklevel=4,
            )
        return
    plan.pairs.extend(zip(variables, arrays))


def _prepare_optimizer(model, source):
    """Build a compiled model's optimizer when the file holds optimizer state for it."""
    optimizer = getattr(model, "optimizer", None)
    if optimizer is None or getattr(optimizer, "built", True) or not source.has("optimizer/vars"):
        return
    from torchkeras.backend import naming

    with naming.name_scope(optimizer.name, caller=optimizer):
        optimizer.build(list(model.trainable_weights))


def load_model(h5_file, model, skip_mismatch=False):
    """Load the state in an open `h5py.File` (or a source with `read_vars`/`has`) into `model`; nothing
    changes if anything fails to match."""
    source = h5_file if hasattr(h5_file, "read_vars") else H5Source(h5_file)
    _prepare_optimizer(model, source)
    plan = _Plan()
    for path, obj in saveable_walk.walk(model):
        _plan_object(plan, source, path, obj, skip_mismatch)
    if plan.errors:
        messages = [message for _, message in plan.errors]
        if not skip_mismatch:
            raise ValueError(
                f"A total of {len(messages)} objects could not be loaded; the model was left unchanged. "
                + "\n".join(messages)
                + "\nCheck that the file was saved from the same architecture (the `.weights.h5` paths follow "
                  "layer classes and positions, not layer names)."
            )
        for message in messages:
            warnings.warn(f"Skipping loading: {message}", stacklevel=3)
    plan.apply()


def load_weights(model, filepath, skip_mismatch=False):
    f = h5_utils.open_for_reading(filepath)
    try:
        if "layer_names" in f.attrs or "layer_names0" in f.attrs or "model_weights" in f:
            raise ValueError(
                f"The file at {filepath} is a legacy (Keras 2 style) HDF5 file, not a Keras 3 `.weights.h5`: "
                "rename it to end in `.h5` (not `.weights.h5`) to load it."
            )
        load_model(f, model, skip_mismatch=skip_mismatch)
    finally:
        f.close()


def is_keras3_weights_file(h5_file):
    return "vars" in h5_file or "layers" in h5_file or "_layer_checkpoint_dependencies" in h5_file
