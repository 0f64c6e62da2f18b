"""`keras.optimizers.schedules`: learning-rate schedules, evaluated at the optimizer's step.

Names resolve on first use from the public table; `ALL_OBJECTS_DICT` (the schedule classes by name, used to
read configs) is built from it too.
"""
import inspect

from torchkeras.api_export import namespace as _namespace

_getattr, __dir__, __all__ = _namespace(__name__)


def __getattr__(name):
    if name == "ALL_OBJECTS_DICT":
        objects = {n: _getattr(n) for n in __all__}
        value = globals()["ALL_OBJECTS_DICT"] = {n: obj for n, obj in objects.items() if inspect.isclass(obj)}
        return value
    return _getattr(name)
