"""The legacy (Keras 2) HDF5 weights layout: the `model_weights` group of a full-model `.h5`, and the root
of a weights-only `.h5` written by Keras 2's `save_weights("x.h5")`.

One group per layer of `model.layers`, each with `@weight_names` listing its datasets in the legacy order
`layer.trainable_weights + layer.non_trainable_weights` (for a nested model: all trainable weights of its
sublayers, then all non-trainable ones). Loading pairs layers by position (or by name with `by_name=True`),
reads and checks every array first (shapes, and numeric dtypes), and only then assigns, so a failed load
leaves the model unchanged.

State that Keras's legacy layout has no place for (what a layer's overridden `save_own_variables` writes
beyond its weights, e.g. a lookup layer's idf weights or a wrapped torch module's buffers, and every
`save_assets` file, e.g. a vocabulary) is kept in a `__keras_state__` group: `<object path>/vars` and
`__assets__/<object path>/<file>`, with the object paths of the `.weights.h5` walk. Keras's legacy loaders
read only the groups listed in `layer_names`, so they ignore it; loading runs those objects' hooks inside the
same check-then-assign transaction as the weights.
"""
import warnings

import numpy as np
import torch

from torchkeras.saving import h5_utils
from torchkeras.saving import rollback
from torchkeras.saving import saveable_walk
from torchkeras.saving import stores

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
    write_extra_state(group, model)


STATE_GROUP = "__keras_state__"


def _covered_by_weights(obj, store):
    """Whether `store` is just `obj`'s own variables in order (what the legacy layout already holds)."""
    own = list(getattr(obj, "_trainable_variables", [])) + list(getattr(obj, "_non_trainable_variables", []))
    if list(store.keys()) != [str(i) for i in range(len(own))]:
        return False
    return all(np.array_equal(store[str(i)], _to_numpy(v)) for i, v in enumerate(own))


def write_extra_state(group, model):
    """Write the layers' state that their legacy weights don't hold into `group/__keras_state__`."""
    from torchkeras.layers.layer import Layer

    state = {}

    def collect(path, name, store):
        state[path] = (name, store)

    assets = stores.AssetsWriter()
    try:
        for path, obj in saveable_walk.walk(model):
            if not isinstance(obj, Layer):
                continue  # the optimizer has its own group; metrics are not part of the legacy layout
            save = getattr(type(obj), "save_own_variables", None)
            if save is not None and save is not Layer.save_own_variables:
                store = stores.WriteStore()
                obj.save_own_variables(store)
                if len(store) and not _covered_by_weights(obj, store):
                    collect(path, getattr(obj, "name", None), store)
            if callable(getattr(obj, "save_assets", None)):
                obj.save_assets(assets.make(path))
        files = assets.files()
        if not state and not files:
            return
        root = group.create_group(STATE_GROUP)
        for path, (name, store) in state.items():
            from torchkeras.saving import weights_h5

            weights_h5.write_store(root, path, name if isinstance(name, str) else None, store)
        stores.write_h5_assets(root, assets)
    finally:
        assets.close()


def read_extra_state(group, model, what):
    """Phase 1 for `group/__keras_state__`: `(entries, assets reader or None)`."""
    from torchkeras.saving import weights_h5

    root = h5_utils.child(group, STATE_GROUP, "group")
    if root is None:
        return [], None
    assets = stores.read_h5_assets(root, what)
    try:
        source = weights_h5.H5Source(root)
        entries = []

        def read_vars(path):
            return source.read_vars(path) if source.has(path) else None

        for path, obj in saveable_walk.walk(model):
            has_vars = source.has(path)
            has_assets = assets is not None and assets.get(path) is not None
            if not has_vars and not has_assets:
                continue
            entry = saveable_walk._Entry(path, obj)
            if has_vars and callable(getattr(obj, "load_own_variables", None)):
                entry.store = stores.ReadStore(read_vars(path), where=f" of {saveable_walk.describe(obj, path)}")
                if saveable_walk.is_prechecked(obj):
                    try:
                        obj._check_load_own_variables(entry.store)
                    except Exception as e:  # noqa: BLE001 - reported like the other load failures
                        saveable_walk.report([(entry, e)], skip_mismatch=False)
                else:
                    entry.prechecked = False
            if has_assets and callable(getattr(obj, "load_assets", None)):
                entry.assets_dir = assets.get(path)
                entry.prechecked = False
            if entry.store is not None or entry.assets_dir is not None:
                entries.append(entry)
    except BaseException:
        if assets is not None:
            assets.close()
        raise
    return entries, assets


# --- reading ---------------------------------------------------------------------------------------------


def read_layer_group(group, name):
    """`(weight_names, arrays)` of the layer group `name` inside `group`."""
    layer_group = h5_utils.child(group, name, "group", what=f"the group of layer '{name}'")
    if layer_group is None:
        raise ValueError(
            f"The HDF5 file {h5_utils.file_name(group)} lists the layer '{name}' in `layer_names` but has no group "
            "for it: the file is incomplete or corrupted."
        )
    weight_names = h5_utils.read_name_list(layer_group, "weight_names")
    arrays = [h5_utils.read_dataset(layer_group, w, where=f" of layer '{name}'") for w in weight_names]
    return weight_names, arrays


def weights_root(file):
    """The group holding `layer_names`: the file root (weights-only file) or `model_weights` (full model)."""
    if not h5_utils.has_attr(file, "layer_names") and not h5_utils.has_attr(file, "layer_names0"):
        group = h5_utils.child(file, "model_weights", "group")
        if group is not None:
            return group
    return file


def is_legacy_weights_file(file):
    root = weights_root(file)
    return h5_utils.has_attr(root, "layer_names") or h5_utils.has_attr(root, "layer_names0")


class _Assignments:
    """Pairs of (variable, array) checked up front and assigned together at the end."""

    def __init__(self):
        self.pairs = []

    def add(self, variable, array):
        self.pairs.append((variable, array))

    def apply(self):
        for variable, array in self.pairs:
            stores.assign(variable, array)


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
        stores.check_assignable(variable, array, where)
        assignments.add(variable, array)


def load_model_weights(group, model, skip_mismatch=False, by_name=False):
    """Load the legacy layout in `group` into `model` (by position, or by layer name), then the state that
    `__keras_state__` holds; all checked first, nothing changed if anything fails."""
    if by_name:
        assignments = _plan_by_name(group, model, skip_mismatch)
    else:
        assignments = _plan_by_order(group, model, skip_mismatch)
    entries, assets = read_extra_state(group, model, h5_utils.file_name(group))
    try:
        undo = rollback.Rollback()
        if entries and any(not e.prechecked for e in entries):
            for variable, _ in assignments.pairs:
                undo.take(variable, python_state=False)
        saveable_walk.apply(entries, skip_mismatch=skip_mismatch, before=assignments.apply, undo=undo)
    finally:
        if assets is not None:
            assets.close()
    _refresh(model)


def _refresh(model):
    from torchkeras.layers.layer import bump_structure_version

    bump_structure_version()


def _file_layer_names(group):
    names = h5_utils.read_name_list(group, "layer_names")
    if not names and not h5_utils.has_attr(group, "layer_names") and not h5_utils.has_attr(group, "layer_names0"):
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
    if not h5_utils.contains(group, "top_level_model_weights"):
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
