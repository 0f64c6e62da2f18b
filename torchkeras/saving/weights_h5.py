"""Keras 3 `.weights.h5`: `model.save_weights("x.weights.h5")`, and `model.weights.h5` inside a `.keras`.

A tree of groups given by the object walk of `saveable_walk` (class names and attribute names, never layer
names); each object's `save_own_variables` store is the group `<path>/vars` (datasets "0", "1", ... for the
default hooks, read back in integer order), carrying `@name` = the object's name, as Keras >= 3.6 writes it.

Assets (`save_assets`) have no place in Keras's `.weights.h5`; a standalone `.weights.h5` keeps them as byte
datasets under `__assets__/<object path>/<file>`, a name Keras's walk never uses (Keras ignores the group).
Inside a `.keras` archive they are archive members instead, as in Keras.

Loading is `saveable_walk.load_state`: every group is read and checked first, then the objects' hooks run,
and a failed load leaves the model unchanged.
"""
from torchkeras.saving import h5_utils
from torchkeras.saving import rollback
from torchkeras.saving import saveable_walk
from torchkeras.saving import stores

_ALTERNATE_NAMES = {"layers": "_layer_checkpoint_dependencies"}  # tf_keras 2.13 `.keras` files


def vars_path(path):
    return f"{path}/vars" if path else "vars"


def write_store(h5_file, path, name, store):
    """Write one object's store as `<path>/vars` (with `@name`); an unnamed empty store writes nothing."""
    if name is None and not len(store):
        return
    group = h5_file.require_group(vars_path(path))
    if name is not None:
        group.attrs["name"] = name
    for key, value in store.items():
        h5_utils.write_dataset(group, key, value)


def write_model(h5_file, model, assets=None):
    """Write `model`'s state (layers, optimizer, ...) into an open, writable `h5py.File`.

    `assets`: an `AssetsWriter` that receives the objects' assets (the caller stores them), or None to keep
    them in this file's `__assets__` group.
    """
    writer = assets if assets is not None else stores.AssetsWriter()
    try:
        saveable_walk.save_state(model, lambda path, name, store: write_store(h5_file, path, name, store),
                                 assets=writer)
        if assets is None:
            stores.write_h5_assets(h5_file, writer)
    finally:
        if assets is None:
            writer.close()


def save_weights(model, filepath):
    h5py = h5_utils.h5py_module()
    with h5py.File(filepath, mode="w") as f:
        write_model(f, model)


# --- reading ---------------------------------------------------------------------------------------------


def lookup(h5_file, path):
    """The group at `path`, trying tf_keras's old `_layer_checkpoint_dependencies` for `layers`; or None."""
    node = h5_file
    for part in [p for p in path.split("/") if p]:
        found = h5_utils.child(node, part, "group")
        if found is None and part in _ALTERNATE_NAMES:
            found = h5_utils.child(node, _ALTERNATE_NAMES[part], "group")
        if found is None:
            return None
        node = found
    return node


def read_vars(group, where):
    """`{key: array}` of a `vars` group (validated), numeric keys in integer order."""
    if group is None:
        return None
    return {k: h5_utils.read_dataset(group, k, where=where) for k in stores.sorted_keys(h5_utils.keys(group))}


class H5Source:
    """Reads `vars` groups from one open `h5py.File`."""

    def __init__(self, h5_file):
        self.h5_file = h5_file

    def read_vars(self, path):
        where = f" at '{vars_path(path)}'"
        return read_vars(lookup(self.h5_file, vars_path(path)), where=where)

    def has(self, path):
        return lookup(self.h5_file, vars_path(path)) is not None


def prepare_optimizer(model, source, undo):
    """Build a compiled model's unbuilt optimizer when the file holds optimizer state for it (as Keras's
    `compile_from_config` does); `undo` snapshots it first, so a failed load unbuilds it again."""
    optimizer = getattr(model, "optimizer", None)
    if optimizer is None or getattr(optimizer, "built", True) or not source.has("optimizer"):
        return
    from torchkeras.backend import naming

    undo.take(optimizer, python_state=True)
    with naming.name_scope(optimizer.name, caller=optimizer):
        optimizer.build(list(model.trainable_weights))


def load_model(h5_file, model, skip_mismatch=False, assets=None):
    """Load the state in an open `h5py.File` (or a source with `read_vars`/`has`) into `model`; nothing
    changes if anything fails. `assets` (an `AssetsReader`) overrides the file's own `__assets__`."""
    source = h5_file if hasattr(h5_file, "read_vars") else H5Source(h5_file)
    own_assets = None
    if assets is None and not hasattr(h5_file, "read_vars"):
        own_assets = assets = stores.read_h5_assets(h5_file, h5_utils.file_name(h5_file))
    undo = rollback.Rollback()
    try:
        prepare_optimizer(model, source, undo)
        entries = saveable_walk.plan(model, source.read_vars, assets=assets, skip_mismatch=skip_mismatch)
    except BaseException:
        undo.restore()
        if own_assets is not None:
            own_assets.close()
        raise
    try:
        saveable_walk.apply(entries, skip_mismatch=skip_mismatch, undo=undo)
    finally:
        if own_assets is not None:
            own_assets.close()


def load_weights(model, filepath, skip_mismatch=False):
    f = h5_utils.open_for_reading(filepath)
    try:
        if is_legacy_file(f):
            raise ValueError(
                f"The file at {filepath} is a legacy (Keras 2 style) HDF5 file, not a Keras 3 `.weights.h5`: "
                "rename it to end in `.h5` (not `.weights.h5`) to load it."
            )
        load_model(f, model, skip_mismatch=skip_mismatch)
    finally:
        f.close()


def is_legacy_file(h5_file):
    return h5_utils.has_attr(h5_file, "layer_names") or h5_utils.has_attr(h5_file, "layer_names0") or \
        h5_utils.contains(h5_file, "model_weights")


def is_keras3_weights_file(h5_file):
    return any(h5_utils.contains(h5_file, name) for name in ("vars", "layers", "_layer_checkpoint_dependencies"))
