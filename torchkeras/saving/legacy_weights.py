"""The legacy (Keras 2) HDF5 weights layout: the `model_weights` group of a full-model `.h5`, and the root
of a weights-only `.h5` written by Keras 2's `save_weights("x.h5")`.

One group per layer of `model.layers`, each with `@weight_names` listing its datasets in the legacy order
`layer.trainable_weights + layer.non_trainable_weights` (for a nested model: all trainable weights of its
sublayers, then all non-trainable ones). Loading pairs layers by position (or by name with `by_name=True`),
reads and checks every array first, and only then assigns, so a failed load leaves the model unchanged.
"""
import warnings

import numpy as np
import torch

from torchkeras.saving import h5_utils

KERAS_VERSION = "3.15.1"
BACKEND = "tensorflow"


def legacy_weights(layer):
    """The weights of `layer` in the legacy HDF5 order: trainable weights, then non-trainable ones."""
    return list(layer.trainable_weights) + list(layer.non_trainable_weights)


def _top_level_weights(model):
    return list(getattr(model, "_trainable_variables", [])) + list(getattr(model, "_non_trainable_variables", []))


def _to_numpy(variable):
    value = variable.detach()
    if value.dtype == torch.bfloat16:
        import ml_dtypes

        return value.float().cpu().numpy().astype(ml_dtypes.bfloat16)
    return value.cpu().numpy()


def _weight_name(variable, used):
    name = getattr(variable, "path", None) or getattr(variable, "name", None) or "variable"
    name = str(name).strip("/") or "variable"
    base, i = name, 1
    while name in used:
        name = f"{base}_{i}"
        i += 1
    used.add(name)
    return name


def write_weights_subset(group, weights):
    """Write `weights` into `group` with `@weight_names` (dataset paths relative to `group`)."""
    used = set()
    names = []
    for variable in weights:
        name = _weight_name(variable, used)
        h5_utils.write_dataset(group, name, _to_numpy(variable))
        names.append(name)
    h5_utils.write_name_list(group, "weight_names", names)


def write_model_weights(group, model, keras_version=KERAS_VERSION, backend=BACKEND):
    """Write the weights of `model.layers` into `group` in the legacy layout."""
    layers = list(model.layers)
    h5_utils.write_name_list(group, "layer_names", [layer.name for layer in layers])
    group.attrs["backend"] = backend
    group.attrs["keras_version"] = keras_version
    for layer in sorted(layers, key=lambda layer: layer.name):
        write_weights_subset(group.create_group(layer.name), legacy_weights(layer))
    write_weights_subset(group.create_group("top_level_model_weights"), _top_level_weights(model))


# --- reading ---------------------------------------------------------------------------------------------


def read_layer_group(group, name):
    """`(weight_names, arrays)` of the layer group `name` inside `group`."""
    if name not in group:
        raise ValueError(
            f"The HDF5 file lists the layer '{name}' in `layer_names` but has no group for it: the file is "
            "incomplete or corrupted."
        )
    layer_group = group[name]
    weight_names = h5_utils.read_name_list(layer_group, "weight_names")
    arrays = [h5_utils.read_dataset(layer_group, w, where=f" of layer '{name}'") for w in weight_names]
    return weight_names, arrays


def weights_root(file):
    """The group holding `layer_names`: the file root (weights-only file) or `model_weights` (full model)."""
    if "layer_names" not in file.attrs and "layer_names0" not in file.attrs and "model_weights" in file:
        return file["model_weights"]
    return file


def is_legacy_weights_file(file):
    root = weights_root(file)
    return "layer_names" in root.attrs or "layer_names0" in root.attrs


class _Assignments:
    """Pairs of (variable, array) checked up front and assigned together at the end."""

    def __init__(self):
        self.pairs = []

    def add(self, variable, array):
        self.pairs.append((variable, array))

    def apply(self):
        with torch.no_grad():
            for variable, array in self.pairs:
                value = torch.as_tensor(np.asarray(array, dtype=_numpy_dtype(variable)))
                variable.copy_(value.to(variable.device))


def _numpy_dtype(variable):
    if variable.dtype == torch.bfloat16:
        return np.float32
    return torch.empty((), dtype=variable.dtype).numpy().dtype


def _describe(variable):
    return getattr(variable, "path", None) or getattr(variable, "name", "?")


def _check_pairs(assignments, variables, arrays, where, skip_mismatch):
    for variable, array in zip(variables, arrays):
        expected = tuple(variable.shape)
        received = tuple(np.shape(array))
        if expected != received:
            message = (f"Shape mismatch in {where} for weight {_describe(variable)}. Weight expects shape "
                       f"{expected}. Received saved weight with shape {received}")
            if skip_mismatch:
                warnings.warn(f"Skipping loading weights for {where} due to mismatch in shape for weight "
                              f"{_describe(variable)}. Weight expects shape {expected}. Received saved weight "
                              f"with shape {received}", stacklevel=4)
                continue
            raise ValueError(message)
        assignments.add(variable, array)


def load_model_weights(group, model, skip_mismatch=False, by_name=False):
    """Load the legacy layout in `group` into `model` (by position, or by layer name)."""
    if by_name:
        assignments = _plan_by_name(group, model, skip_mismatch)
    else:
        assignments = _plan_by_order(group, model, skip_mismatch)
    assignments.apply()
    _refresh(model)


def _refresh(model):
    from torchkeras.layers.layer import bump_structure_version

    bump_structure_version()


def _file_layer_names(group):
    names = h5_utils.read_name_list(group, "layer_names")
    if not names and "layer_names" not in group.attrs and "layer_names0" not in group.attrs:
        raise ValueError(
            "This HDF5 file has no `layer_names` attribute: it is not a Keras weights file in the legacy "
            "layout. Keras 3 `.weights.h5` files must be named `*.weights.h5`."
        )
    return names


# --- keras2a: Keras 2's per-layer weight conversions on load (begin) ---
def _keras2_layer_conversions(layer, arrays):
    from torchkeras.layers.recurrent.cudnn import convert_legacy_rnn_weights

    return convert_legacy_rnn_weights(layer, arrays)
# --- keras2a (end) ---


def _plan_by_order(group, model, skip_mismatch):
    layers = [layer for layer in model.layers if legacy_weights(layer)]
    saved = []
    for name in _file_layer_names(group):
        weight_names, arrays = read_layer_group(group, name)
        if weight_names:
            saved.append((name, arrays))
    if len(saved) != len(layers):
        raise ValueError(
            "Layer count mismatch when loading weights from file. "
            f"Model expected {len(layers)} layers, found {len(saved)} saved layers. "
            f"Layers with weights in the model: {[layer.name for layer in layers]}; "
            f"in the file: {[name for name, _ in saved]}."
        )
    assignments = _Assignments()
    for k, ((name, arrays), layer) in enumerate(zip(saved, layers)):
        variables = legacy_weights(layer)
        arrays = _keras2_layer_conversions(layer, arrays)  # keras2a: cuDNN RNN weights, as Keras 2's loader
        if len(arrays) != len(variables):
            raise ValueError(
                f"Weight count mismatch for layer #{k} (named {layer.name} in the current model, {name} in the "
                f"save file). Layer expects {len(variables)} weight(s). Received {len(arrays)} saved weight(s)"
            )
        _check_pairs(assignments, variables, arrays, f"layer #{k} (named {layer.name})", skip_mismatch)
    _plan_top_level(group, model, assignments, skip_mismatch)
    return assignments


def _plan_by_name(group, model, skip_mismatch):
    index = {}
    for layer in model.layers:
        index.setdefault(layer.name, []).append(layer)
    assignments = _Assignments()
    for k, name in enumerate(_file_layer_names(group)):
        targets = index.get(name, [])
        if not targets:
            continue
        _, arrays = read_layer_group(group, name)
        for layer in targets:
            variables = legacy_weights(layer)
            arrays = _keras2_layer_conversions(layer, arrays)  # keras2a: cuDNN RNN weights
            if len(arrays) != len(variables):
                message = (f"Weight count mismatch for layer #{k} (named {layer.name}). Layer expects "
                           f"{len(variables)} weight(s). Received {len(arrays)} saved weight(s)")
                if skip_mismatch:
                    warnings.warn(f"Skipping loading of weights for layer #{k} (named {layer.name}) due to "
                                  f"mismatch in number of weights. Layer expects {len(variables)} weight(s). "
                                  f"Received {len(arrays)} saved weight(s)", stacklevel=3)
                    continue
                raise ValueError(message)
            _check_pairs(assignments, variables, arrays, f"layer #{k} (named {layer.name})", skip_mismatch)
    _plan_top_level(group, model, assignments, skip_mismatch)
    return assignments


def _plan_top_level(group, model, assignments, skip_mismatch):
    if "top_level_model_weights" not in group:
        return
    variables = _top_level_weights(model)
    _, arrays = read_layer_group(group, "top_level_model_weights")
    if len(arrays) != len(variables):
        message = ("Weight count mismatch for top-level weights when loading weights from file. "
                   f"Model expects {len(variables)} top-level weight(s). "
                   f"Received {len(arrays)} saved top-level weight(s)")
        if skip_mismatch:
            warnings.warn(message, stacklevel=3)
            return
        raise ValueError(message)
    _check_pairs(assignments, variables, arrays, "top-level model", skip_mismatch)


def save_weights(model, filepath):
    """Write a Keras 2 style weights-only `.h5` (root = the legacy `model_weights` layout) to `filepath`."""
    h5py = h5_utils.h5py_module()
    with h5py.File(filepath, mode="w") as f:
        write_model_weights(f, model)


def load_weights(model, filepath, skip_mismatch=False, by_name=False):
    """Load a legacy `.h5` (weights-only, or a full model's `model_weights`) into `model`."""
    f = h5_utils.open_for_reading(filepath)
    try:
        root = weights_root(f)
        load_model_weights(root, model, skip_mismatch=skip_mismatch, by_name=by_name)
    finally:
        f.close()
