"""`keras_export`: record the public Keras name of a class or function.

The recorded names drive serialization (`{"module": "keras.layers", "class_name": "Dense"}`) and lookup of
objects by class name when reading Keras configs.
"""
_EXPORTS = {}  # "keras.layers.Dense" -> object
_NAMES = {}  # id(object) -> first (canonical) public path


def keras_export(*paths):
    def decorator(obj):
        for path in paths:
            _EXPORTS[path] = obj
        _NAMES.setdefault(id(obj), paths[0])
        return obj

    return decorator


def get_export_path(obj):
    """The canonical public path of `obj` (e.g. `'keras.layers.Dense'`), or None."""
    return _NAMES.get(id(obj))


def get_exported(path):
    return _EXPORTS.get(path)


def find_exported(name, namespaces):
    """Look up `name` (e.g. `'Dense'`) in the given public namespaces (e.g. `['keras.layers']`)."""
    for ns in namespaces:
        obj = _EXPORTS.get(f"{ns}.{name}")
        if obj is not None:
            return obj
    return None
