"""Undo for loading hooks that cannot be checked in advance.

`Snapshot(obj, deep)` remembers the values of `obj`'s tensors (a module's own parameters and buffers, or
those of its whole module tree when `deep`; an optimizer's or metric's `variables`) and a shallow copy of its Python
attributes (plain lists, dicts and sets are copied one level, so in-place edits of them are undone too).
`restore()` puts everything back: tensors keep their identity (values are copied back in place, or the data
swapped back when a hook changed a tensor's shape, dtype or device), and attributes added by the hook are
removed.
"""
import collections

import numpy as np
import torch

_COPIED_TYPES = (list, dict, set, collections.OrderedDict, collections.Counter, collections.defaultdict,
                 np.ndarray)


def _copy_value(value):
    if type(value) in _COPIED_TYPES:
        return value.copy()
    return value


def object_tensors(obj, deep):
    """The tensors a hook of `obj` may change: parameters and buffers (recursively when `deep`) and
    `variables` of objects that are not modules (optimizers, metrics)."""
    if isinstance(obj, torch.Tensor):
        return [obj]
    if isinstance(obj, torch.nn.Module):
        return list(obj.parameters(recurse=deep)) + [b for b in obj.buffers(recurse=deep) if b is not None]
    try:
        variables = list(getattr(obj, "variables", []) or [])
    except Exception:  # noqa: BLE001 - an object whose variables can't be listed has none to restore
        variables = []
    return [v for v in variables if isinstance(v, torch.Tensor)]


def _objects(obj, deep):
    if deep and isinstance(obj, torch.nn.Module):
        return list(obj.modules())
    return [obj]


class Snapshot:
    """The state of one object (see the module docstring)."""

    def __init__(self, obj, deep=False, python_state=True):
        self.tensors = []
        seen = set()
        with torch.no_grad():
            for tensor in object_tensors(obj, deep):
                if id(tensor) in seen:
                    continue
                seen.add(id(tensor))
                self.tensors.append((tensor, tensor.data, tensor.detach().clone(
                    memory_format=torch.preserve_format)))
        self.attributes = []
        if python_state:
            for item in _objects(obj, deep):
                state = getattr(item, "__dict__", None)
                if state is None:
                    continue
                self.attributes.append((item, {k: _copy_value(v) for k, v in state.items()}))

    def restore(self):
        for item, state in self.attributes:
            current = item.__dict__
            for key in [k for k in current if k not in state]:
                del current[key]
            current.update(state)
        with torch.no_grad():
            for tensor, data, saved in self.tensors:
                data.copy_(saved)  # `data` aliases the original storage
                if _same_view(tensor, data):
                    continue
                tensor.data = data  # the hook swapped the tensor's data: swap it back


def _same_view(a, b):
    return (a.dtype == b.dtype and a.device == b.device and a.shape == b.shape and a.stride() == b.stride()
            and a.storage_offset() == b.storage_offset()
            and a.untyped_storage().data_ptr() == b.untyped_storage().data_ptr())


class Rollback:
    """A list of snapshots, restored newest first."""

    def __init__(self):
        self.snapshots = []

    def take(self, obj, deep=False, python_state=True):
        snapshot = Snapshot(obj, deep=deep, python_state=python_state)
        self.snapshots.append(snapshot)
        return snapshot

    def restore(self):
        for snapshot in reversed(self.snapshots):
            snapshot.restore()
