"""Tracking of layers held in list, tuple and dict attributes (`self.blocks = [Dense(8), Dense(8)]`).

The attribute keeps its plain Python type (a list subclass for lists, so `append` keeps tracking), and a
hidden container module with the same name makes the sublayers visible to torch (`parameters()`,
`state_dict()` keys such as `blocks.0.kernel`, `.to(device)`) and to Keras (`layer.weights`).
"""
import weakref

import torch


class KerasContainer(torch.nn.Module):
    """Holds the modules found in a tracked collection, keyed by their position or dict key."""

    _keras_container = True

    def __init__(self, items):
        super().__init__()
        for key, value in items:
            if isinstance(value, torch.nn.Module):
                self._modules[str(key)] = value
            elif isinstance(value, (list, tuple, dict)):
                sub = _container_for(value)
                if sub is not None:
                    self._modules[str(key)] = sub

    def forward(self, *args, **kwargs):
        raise TypeError("A tracked collection of layers cannot be called.")


def _items(value):
    return list(value.items()) if isinstance(value, dict) else list(enumerate(value))


def contains_module(value):
    if isinstance(value, torch.nn.Module):
        return True
    if isinstance(value, dict):
        return any(contains_module(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(contains_module(v) for v in value)
    return False


def _container_for(value):
    if not contains_module(value):
        return None
    return KerasContainer(_items(value))


class _Tracked:
    def _bind(self, owner, name):
        self._owner = weakref.ref(owner)
        self._name = name
        return self

    def _sync(self):
        owner = self._owner() if getattr(self, "_owner", None) is not None else None
        if owner is None:
            return
        modules = owner.__dict__["_modules"]
        container = _container_for(self)
        if container is None:
            modules.pop(self._name, None)
        else:
            modules[self._name] = container
        from torchkeras.layers.layer import bump_structure_version

        bump_structure_version()


def _mutator(name, container_type):
    base = getattr(container_type, name)

    def method(self, *args, **kwargs):
        result = base(self, *args, **kwargs)
        self._sync()
        return result

    method.__name__ = name
    return method


class TrackedList(_Tracked, list):
    """A list attribute whose layers are tracked by the owning layer."""

    for _name in ("append", "extend", "insert", "pop", "remove", "clear", "sort", "reverse", "__setitem__",
                  "__delitem__"):
        locals()[_name] = _mutator(_name, list)
    del _name

    def __iadd__(self, other):
        self.extend(other)
        return self

    def __reduce_ex__(self, protocol):
        return (list, (list(self),))


class TrackedDict(_Tracked, dict):
    """A dict attribute whose layers are tracked by the owning layer."""

    for _name in ("__setitem__", "__delitem__", "pop", "popitem", "clear", "update", "setdefault"):
        locals()[_name] = _mutator(_name, dict)
    del _name

    def __reduce_ex__(self, protocol):
        return (dict, (dict(self),))


def track_collection(owner, name, value):
    """Return what to store for `owner.name = value`, registering any modules inside `value`."""
    modules = owner.__dict__["_modules"]
    if isinstance(value, list) and not isinstance(value, TrackedList):
        value = TrackedList(value)
    elif isinstance(value, dict) and not isinstance(value, TrackedDict) and type(value) is dict:
        value = TrackedDict(value)
    container = _container_for(value)
    if container is not None:
        modules[name] = container
    elif name in modules:
        del modules[name]
    if isinstance(value, _Tracked):
        value._bind(owner, name)
    if container is not None or isinstance(value, _Tracked):
        from torchkeras.layers.layer import bump_structure_version

        bump_structure_version()
    # Store in __dict__ directly: torch's __setattr__ would refuse a list under a module's name.
    owner.__dict__[name] = value
    return value
