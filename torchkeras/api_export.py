"""`keras_export`: record the public Keras name of a class or function, and resolve public names.

Every public object is decorated with `@keras_export("keras.layers.Dense", ...)`, listing each path real Keras
exports it under. `python -m torchkeras.api_gen` reads those decorators from the source (without importing it)
and writes `torchkeras/_api_table.py`; the package namespaces (`torchkeras.layers`, `torchkeras.utils`, ...)
resolve their names lazily from that one table, so importing `torchkeras` stays cheap, nothing advertised is
missing and nothing exported is unreachable.

At runtime the decorator also records the object under each path: that is how serialization writes
`{"module": "keras.layers", "class_name": "Dense"}` and how Keras's internal names (`keras.src.ops.numpy.Add`)
are found when reading configs.
"""
import importlib
import importlib.abc
import importlib.util
import sys
import types

_EXPORTS = {}  # "keras.layers.Dense" -> object (filled as modules are imported)
_NAMES = {}  # id(object) -> (object, first (canonical) public path); the object is kept so its id is never reused
_PACKAGE = "torchkeras"


def keras_export(*paths):
    def decorator(obj):
        for path in paths:
            _EXPORTS[path] = obj
        _NAMES.setdefault(id(obj), (obj, paths[0]))
        return obj

    return decorator


def get_export_path(obj):
    """The canonical public path of `obj` (e.g. `'keras.layers.Dense'`), or None."""
    entry = _NAMES.get(id(obj))
    return entry[1] if entry is not None and entry[0] is obj else None


# --- the generated table ------------------------------------------------------------------------------


def _table():
    from torchkeras import _api_table

    return _api_table


def public_namespace(module_name):
    """`'torchkeras.layers'` -> `'keras.layers'`."""
    return "keras" + module_name[len(_PACKAGE):]


def module_of_namespace(namespace):
    """`'keras.layers'` -> `'torchkeras.layers'`."""
    return _PACKAGE + namespace[len("keras"):]


def namespace_entries(namespace):
    """`{name: "module:attr" or sub-namespace module}` of a public namespace (`'keras.layers'`)."""
    return _table().NAMESPACES.get(namespace, {})


def _resolve(target):
    module_name, _, attr = target.partition(":")
    module = importlib.import_module(module_name)
    return getattr(module, attr) if attr else module


def public_names(namespace):
    """The names a public namespace advertises (objects and sub-namespaces), sorted."""
    return sorted(name for name in namespace_entries(namespace) if not name.startswith("_"))


def get_exported(path):
    """The object exported under `path` (`'keras.layers.Dense'`, or an internal `'keras.src...'` name already
    registered), or None. Public names come from the generated table: only the module that defines the object
    is imported."""
    if not isinstance(path, str):
        return None
    obj = _EXPORTS.get(path)
    if obj is not None:
        return obj
    namespace, _, name = path.rpartition(".")
    target = namespace_entries(namespace).get(name)
    if target is None or ":" not in target:
        return None
    return _resolve(target)


def find_internal(path):
    """The object Keras's internal name `path` (`'keras.src.ops.numpy.Add'`) refers to, or None: such names are
    registered when the torchkeras module mirroring Keras's (`torchkeras.ops.numpy`) is imported, so that module
    is imported first (when it exists)."""
    if not isinstance(path, str) or not path.startswith("keras.src."):
        return None
    obj = _EXPORTS.get(path)
    if obj is None:
        _import_mirror(path.rpartition(".")[0])
        obj = _EXPORTS.get(path)
    return obj


def find_exported(name, namespaces):
    """Look up `name` (e.g. `'Dense'`) in the given public namespaces (e.g. `['keras.layers']`)."""
    for ns in namespaces:
        obj = get_exported(f"{ns}.{name}")
        if obj is not None:
            return obj
    return None


def _import_mirror(namespace):
    """Import the torchkeras module that registers Keras's internal names under `namespace`
    (`keras.src.a.b` -> `torchkeras.a.b`, else the nearest existing parent such as `torchkeras.a`)."""
    parts = namespace.split(".")[2:]
    if not all(part.isidentifier() and not part.startswith("_") for part in parts):
        return  # not a module path (e.g. from a damaged or hostile config)
    while parts:
        candidate = ".".join([_PACKAGE] + parts)
        if candidate in sys.modules:
            return
        try:
            if importlib.util.find_spec(candidate) is not None:
                importlib.import_module(candidate)
                return
        except ModuleNotFoundError:
            pass
        parts.pop()


# --- lazy namespaces ----------------------------------------------------------------------------------


def namespace(module_name, extra=(), submodules=(), internal=None):
    """`(__getattr__, __dir__, __all__)` for the package `module_name`, from the generated table.

    In a package `__init__.py`: `__getattr__, __dir__, __all__ = namespace(__name__)`. Names resolve on first
    use (and are then cached in the module). `extra` lists names the module itself defines beyond Keras's
    (to advertise them); `submodules` lists torchkeras's own subpackages to import on first use
    (`torchkeras.distribute`); `internal` maps names torchkeras's own code reads from the package to
    `"module:attr"` (resolved lazily, not advertised).
    """
    internal = dict(internal or {})
    ns = public_namespace(module_name)
    names = sorted(set(public_names(ns)) | set(extra) | set(submodules))

    def __getattr__(name):
        target = namespace_entries(ns).get(name)
        if target is None and name in submodules:
            target = f"{module_name}.{name}"
        if target is None:
            target = internal.get(name)
        if target is None:
            raise AttributeError(f"module '{module_name}' has no attribute '{name}'")
        target_module, _, attr = target.partition(":")
        own = sys.modules[module_name].__dict__
        if target_module == module_name:  # an alias of a name this module defines (never import ourselves)
            if attr not in own:
                raise AttributeError(f"module '{module_name}' has no attribute '{name}'")
            value = own[attr]
        else:
            value = _resolve(target)
        own[name] = value
        return value

    def __dir__():
        return sorted(set(names) | {"__all__", "__doc__", "__file__", "__name__", "__path__"})

    module = sys.modules.get(module_name)
    if module is not None and type(module) is types.ModuleType:
        module.__class__ = _NamespacePackage
    return __getattr__, __dir__, list(names)


class _NamespacePackage(types.ModuleType):
    """A namespace package whose public names win over its submodules of the same name.

    Importing a submodule sets it as an attribute of its package; where Keras exports an object under that name
    (`keras.utils.plot_history` is a function, `torchkeras/utils/plot_history.py` defines it), the object is
    kept and the submodule stays reachable through `sys.modules` and `from ... import`.
    """

    def __setattr__(self, name, value):
        if isinstance(value, types.ModuleType) and value.__name__ == f"{self.__name__}.{name}":
            target = namespace_entries(public_namespace(self.__name__)).get(name)
            if target is not None and ":" in target:
                return
        super().__setattr__(name, value)


class VirtualNamespace(types.ModuleType):
    """A public namespace with no module of its own in torchkeras (e.g. `torchkeras.layers.experimental`)."""

    def __init__(self, name):
        super().__init__(name, f"`{public_namespace(name)}`: names resolved from torchkeras's public table.")
        self.__all__ = public_names(public_namespace(name))

    def __getattr__(self, name):
        target = namespace_entries(public_namespace(self.__name__)).get(name)
        if target is None:
            raise AttributeError(f"module '{self.__name__}' has no attribute '{name}'")
        value = _resolve(target)
        self.__dict__[name] = value
        return value

    def __dir__(self):
        return sorted(set(self.__all__) | {"__all__", "__doc__", "__name__"})


class _VirtualNamespaceFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Lets `import torchkeras.layers.experimental.preprocessing` work for namespaces listed as VIRTUAL."""

    def find_spec(self, fullname, path=None, target=None):
        if not fullname.startswith(_PACKAGE + ".") or public_namespace(fullname) not in _table().VIRTUAL:
            return None
        return importlib.util.spec_from_loader(fullname, self, is_package=True)

    def create_module(self, spec):
        return VirtualNamespace(spec.name)

    def exec_module(self, module):
        pass


_FINDER = _VirtualNamespaceFinder()


def install_namespace_finder():
    if _FINDER not in sys.meta_path:
        sys.meta_path.append(_FINDER)
