"""Keras 2's `keras.utils.generic_utils` module path: serialization helpers, `Progbar`, and the small Python
utilities Keras 2 code imported from here (`to_list`, `has_arg`, `slice_arrays`, ...)."""
import collections
import inspect

from torchkeras.saving.serialization_lib import CustomObjectScope  # noqa: F401
from torchkeras.saving.serialization_lib import custom_object_scope  # noqa: F401
from torchkeras.saving.serialization_lib import deserialize_keras_object  # noqa: F401
from torchkeras.saving.serialization_lib import get_custom_objects  # noqa: F401
from torchkeras.saving.serialization_lib import get_registered_name  # noqa: F401
from torchkeras.saving.serialization_lib import get_registered_object  # noqa: F401
from torchkeras.saving.serialization_lib import register_keras_serializable  # noqa: F401
from torchkeras.saving.serialization_lib import serialize_keras_object  # noqa: F401
from torchkeras.utils.progbar import Progbar  # noqa: F401
from torchkeras.utils.python_utils import func_dump, func_load  # noqa: F401

ArgSpec = collections.namedtuple("ArgSpec", ["args", "varargs", "keywords", "defaults"])


def getargspec(fn):
    """`inspect.getfullargspec(fn)` as Keras 2's `ArgSpec(args, varargs, keywords, defaults)`."""
    spec = inspect.getfullargspec(fn)
    return ArgSpec(args=spec.args, varargs=spec.varargs, keywords=spec.varkw, defaults=spec.defaults)


def has_arg(fn, name, accept_all=False):
    """Whether `fn` can be called with the keyword argument `name` (`accept_all`: count `**kwargs`)."""
    parameters = inspect.signature(fn).parameters
    if accept_all and any(p.kind == p.VAR_KEYWORD for p in parameters.values()):
        return True
    parameter = parameters.get(name)
    return parameter is not None and parameter.kind in (parameter.POSITIONAL_OR_KEYWORD, parameter.KEYWORD_ONLY)


def to_list(x, allow_tuple=False):
    """`x` as a list: a list as is, a tuple as a list if `allow_tuple`, anything else as `[x]`."""
    if isinstance(x, list):
        return x
    if allow_tuple and isinstance(x, tuple):
        return list(x)
    return [x]


def unpack_singleton(x):
    """The only element of a one-element list or tuple, else `x`."""
    return x[0] if len(x) == 1 else x


def object_list_uid(object_list):
    """A string that identifies a list of objects (their ids)."""
    return ", ".join(str(abs(id(x))) for x in to_list(object_list))


def is_all_none(iterable_or_element):
    """Whether every element (or the single element) is None."""
    return all(x is None for x in to_list(iterable_or_element, allow_tuple=True))


def slice_arrays(arrays, start=None, stop=None):
    """`arrays[start:stop]` (or `arrays[indices]` when `start` is a list of indices), for one array or a list."""
    if arrays is None:
        return [None]
    if hasattr(start, "__len__"):
        if hasattr(start, "shape"):
            start = start.tolist()
        if isinstance(arrays, list):
            return [None if x is None else x[start] for x in arrays]
        return arrays[start]
    if isinstance(arrays, list):
        return [None if x is None else x[start:stop] for x in arrays]
    if hasattr(start, "__getitem__"):
        return arrays[start:stop]
    return [None]


def transpose_shape(shape, target_format, spatial_axes):
    """A channels_last `shape` (tuple or list) reordered for `target_format`."""
    if target_format == "channels_first":
        new_values = tuple(shape[:spatial_axes[0]]) + (shape[-1],) + tuple(shape[x] for x in spatial_axes)
        return list(new_values) if isinstance(shape, list) else new_values
    if target_format == "channels_last":
        return shape
    raise ValueError('The `data_format` argument must be one of "channels_first", "channels_last". Received: '
                     f"{target_format}")


def check_for_unexpected_keys(name, input_dict, expected_values):
    """Raise if `input_dict` has keys outside `expected_values`."""
    unknown = set(input_dict.keys()).difference(expected_values)
    if unknown:
        raise ValueError(f"Unknown entries in {name} dictionary: {list(unknown)}. Only expected following keys: "
                         f"{expected_values}")
