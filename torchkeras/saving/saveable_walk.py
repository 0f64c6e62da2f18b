"""The object walk of Keras 3's saving library, and the state transfer through each object's own hooks.

**The walk** (`walk(root)`), depth-first from the model (path `""`), visits every saveable object (layers,
models, optimizers, metrics, losses), each once, at its first path:
1. a Sequential or Functional model's `layers` container first;
2. then the object's attributes sorted by name, public names before `_private` ones, skipping what a bare
   base object (Layer, Model, Optimizer, Metric, Loss) has. An attribute holding a saveable goes to
   `<path>/<attribute>`; a list, tuple or dict is a container whose items go to
   `<path>/<attribute>/<snake_case class>[_n]` (nested containers to `container[_n]`).
A layer whose attributes differ from Keras's may say how Keras lays out its children with
`_keras_saveable_children()` -> `[(attribute name, child or container), ...]` (replacing step 2).

**Saving** (`save_state`) asks each object: `save_own_variables(store)` fills a store that becomes the
object's `<path>/vars` group (with `@name`), and `save_assets(dir)` writes files into the object's asset
directory. Nothing is special-cased by type: Layer, Optimizer and TorchModuleWrapper define their layouts in
their own hooks, and a user's override is what gets written.

**Loading** (`load_state`) is check-then-assign, so that a failed load changes nothing:
- Phase 1 reads every object's store from the file (validated: numeric arrays only, no links, see
  `h5_utils`) and runs the checks that can run in advance: an object whose class defines
  `_check_load_own_variables` at or below the class that defines `load_own_variables` (Layer's and
  Optimizer's defaults, the preprocessing layers, TorchModuleWrapper) is checked against its store (count,
  shapes, dtypes). Any failure raises here, before any hook runs (or, with `skip_mismatch`, that object is
  left out with a warning).
- Phase 2 calls `load_own_variables(store)` and then `load_assets(dir)` on every object, in walk order, as
  Keras does. Hooks that could not be checked in advance (a user's override, `load_assets`) may still fail:
  for them, and for every checked object that comes before the last of them, the object's tensors (deeply,
  for an unchecked hook, which may assign its sublayers) and Python attributes are snapshotted just before
  its hooks run (`rollback.py`). If a hook raises, everything already loaded is restored and the error is
  reported; nothing stays half-applied. Objects after the last unchecked hook can't fail their prechecked
  hooks (short of running out of memory), so they cost no snapshot.
"""
import warnings

import torch

from torchkeras.backend import naming
from torchkeras.saving import rollback
from torchkeras.saving import stores

_BASE_SKIP = {}
_MODEL_EXTRA_SKIP = {
    "_functional", "_seq_layers", "_operations", "operations", "_nodes_by_depth", "_graph_plan", "inputs",
    "outputs", "_inputs_struct", "_outputs_struct", "_input_names", "layers",
}


def _kind(obj):
    from torchkeras.layers.layer import Layer
    from torchkeras.losses.loss import Loss
    from torchkeras.metrics.metric import Metric
    from torchkeras.optimizers.base_optimizer import Optimizer

    if isinstance(obj, Layer):
        return "model" if is_model(obj) else "layer"
    if isinstance(obj, Optimizer):
        return "optimizer"
    if isinstance(obj, Metric):
        return "metric"
    if isinstance(obj, Loss):
        return "loss"
    return None


def _reference(kind):
    if kind == "model":
        from torchkeras.models.model import Model

        return Model()
    if kind == "layer":
        from torchkeras.layers.layer import Layer

        return Layer()
    if kind == "optimizer":
        from torchkeras.optimizers.sgd import SGD

        return SGD(1.0)
    if kind == "metric":
        from torchkeras.metrics.metric import Metric

        return Metric()
    from torchkeras.losses.loss import Loss

    return Loss()


def _skipset(kind):
    cached = _BASE_SKIP.get(kind)
    if cached is not None:
        return cached
    counters = dict(naming._UIDS)  # a reference object must not consume an auto-name
    try:
        ref = _reference(kind)
        names = set(dir(ref)) | set(getattr(ref, "__dict__", {}))
    finally:
        naming._UIDS.clear()
        naming._UIDS.update(counters)
    if kind == "model":
        names |= _MODEL_EXTRA_SKIP
        names.discard("optimizer")
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
    """Keras's `KerasSaveable`: layers and models, optimizers, metrics and losses."""
    return _kind(obj) is not None


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
    names = set(getattr(obj, "__dict__", {}))
    names.update(getattr(obj, "_modules", {}) or {})
    for klass in type(obj).__mro__:
        if klass.__module__.startswith("torch.") or klass is object:
            continue
        for name, value in vars(klass).items():
            if isinstance(value, property):
                names.add(name)
    return names


def _attribute_value(obj, name):
    state = getattr(obj, "__dict__", {})
    if name in state:
        return state[name]
    modules = state.get("_modules") or {}
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
    out = []
    if is_graph_model(obj):
        out.append(("layers", list(obj.layers)))
    hook = getattr(obj, "_keras_saveable_children", None)
    if callable(hook):
        out.extend(hook())
        return out
    skip = _skipset(_kind(obj))
    for name in sorted(_attribute_names(obj), key=_name_key):
        if name.startswith("__") or name in skip:
            continue
        value = _attribute_value(obj, name)
        if value is None or value is obj:
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


def _join(path, name):
    return f"{path}/{name}" if path else name


def walk(root):
    """`[(path, object), ...]` for every saveable object reachable from `root`, in Keras's order."""
    visited = set()
    out = []

    def visit(obj, path):
        if id(obj) in visited:
            return
        visited.add(id(obj))
        out.append((path, obj))
        for name, child in children(obj):
            child_path = _join(path, name)
            if is_saveable(child):
                visit(child, child_path)
            elif _is_container(child):
                visit_container(child, child_path, set())

    def visit_container(container, path, seen_containers):
        if id(container) in seen_containers:
            return
        seen_containers.add(id(container))
        used = {}
        for item in _container_items(container):
            if is_saveable(item):
                visit(item, _join(path, _unique(naming.to_snake_case(type(item).__name__), used)))
            elif _is_container(item):
                visit_container(item, _join(path, _unique("container", used)), seen_containers)

    visit(root, "")
    return out


def _unique(name, used):
    if name in used:
        used[name] += 1
        return f"{name}_{used[name]}"
    used[name] = 0
    return name


# --- saving ----------------------------------------------------------------------------------------------


def save_state(root, write_vars, assets=None):
    """Ask every object of `root`'s walk for its state.

    `write_vars(path, name, store)` receives each `save_own_variables` result (`name` is the object's name,
    or None); `assets` (an `AssetsWriter`, optional) gives each object with `save_assets` its directory.
    """
    for path, obj in walk(root):
        save = getattr(obj, "save_own_variables", None)
        if callable(save):
            store = stores.WriteStore()
            save(store)
            name = getattr(obj, "name", None)
            write_vars(path, name if isinstance(name, str) else None, store)
        save_assets = getattr(obj, "save_assets", None)
        if assets is not None and callable(save_assets):
            save_assets(assets.make(path))


# --- loading ---------------------------------------------------------------------------------------------


def _defining_class(cls, name):
    for klass in cls.__mro__:
        if name in klass.__dict__:
            return klass
    return None


def is_prechecked(obj):
    """Whether `obj._check_load_own_variables(store)` covers what its `load_own_variables` does: the check is
    defined in the same class as the loader, or in a subclass of it."""
    loader = _defining_class(type(obj), "load_own_variables")
    check = _defining_class(type(obj), "_check_load_own_variables")
    return loader is not None and check is not None and issubclass(check, loader)


def describe(obj, path):
    name = getattr(obj, "name", None)
    where = f" at '{path}'" if path else " (the model itself)"
    return f"{type(obj).__name__} '{name}'{where}" if isinstance(name, str) else f"{type(obj).__name__}{where}"


class LoadError(ValueError):
    """Some objects could not be loaded; the model was left unchanged."""


class _Entry:
    def __init__(self, path, obj):
        self.path = path
        self.obj = obj
        self.store = None
        self.assets_dir = None
        self.prechecked = True


def plan(root, read_vars, assets=None, skip_mismatch=False, entries=None):
    """Phase 1: read every store (`read_vars(path)` -> dict of arrays, or None when the file has no group)
    and run every check that can run in advance. Returns the entries to load."""
    entries = [] if entries is None else entries
    errors = []
    for path, obj in walk(root):
        entry = _Entry(path, obj)
        if callable(getattr(obj, "load_own_variables", None)):
            arrays = read_vars(path)
            entry.store = stores.ReadStore(arrays or {}, where=f" of {describe(obj, path)}")
            if is_prechecked(obj):
                try:
                    obj._check_load_own_variables(entry.store)
                except Exception as e:  # noqa: BLE001 - reported with every other failed object
                    errors.append((entry, e))
                    continue
            else:
                entry.prechecked = False
        if assets is not None and callable(getattr(obj, "load_assets", None)):
            entry.assets_dir = assets.get(path)
            if entry.assets_dir is not None:
                entry.prechecked = False
        if entry.store is not None or entry.assets_dir is not None:
            entries.append(entry)
    report(errors, skip_mismatch)
    return entries


def report(errors, skip_mismatch, applied=False):
    """Raise one `LoadError` for every failed object (or warn and go on, with `skip_mismatch`)."""
    if not errors:
        return
    messages = [f"{describe(entry.obj, entry.path)}: {error}" for entry, error in errors]
    if skip_mismatch:
        for message in messages:
            warnings.warn(f"Skipping loading: {message}", stacklevel=4)
        return
    raise LoadError(
        f"A total of {len(messages)} objects could not be loaded; the model was left unchanged. "
        + "\n".join(messages)
        + "\nCheck that the file was saved from the same architecture (the `.weights.h5` paths follow layer "
          "classes and positions, not layer names)."
    ) from (errors[0][1] if len(errors) == 1 else None)


def apply(entries, skip_mismatch=False, before=None, undo=None):
    """Phase 2: run every entry's `load_own_variables` then `load_assets`, in order, undoing all on failure.

    `before()` (optional) runs first inside the same transaction (a format's own assignments); `undo` is a
    `Rollback` that already holds snapshots of what `before` will change.
    """
    undo = undo if undo is not None else rollback.Rollback()
    last_unchecked = max((i for i, e in enumerate(entries) if not e.prechecked), default=-1)
    errors = []
    try:
        if before is not None:
            before()
        for i, entry in enumerate(entries):
            snapshot = None
            if i <= last_unchecked:
                deep = not entry.prechecked
                snapshot = undo.take(entry.obj, deep=deep, python_state=deep)
            try:
                if entry.store is not None:
                    entry.obj.load_own_variables(entry.store)
                if entry.assets_dir is not None:
                    entry.obj.load_assets(entry.assets_dir)
            except Exception as e:  # noqa: BLE001 - the object's own hook failed: undo, then report
                if not skip_mismatch or snapshot is None:
                    raise _HookFailure(entry, e) from e
                snapshot.restore()
                errors.append((entry, e))
    except _HookFailure as failure:
        undo.restore()
        report([(failure.entry, failure.error)], skip_mismatch=False)
    except BaseException:
        undo.restore()
        raise
    report(errors, skip_mismatch=True)


class _HookFailure(Exception):
    def __init__(self, entry, error):
        super().__init__(str(error))
        self.entry = entry
        self.error = error


def load_state(root, read_vars, assets=None, skip_mismatch=False):
    """Load `root`'s state: `plan` (read and check everything), then `apply` (run the hooks)."""
    apply(plan(root, read_vars, assets=assets, skip_mismatch=skip_mismatch), skip_mismatch=skip_mismatch)
