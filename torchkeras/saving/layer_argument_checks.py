"""Checks of a built-in layer's arguments in a config, made before the layer is created (`units=10**40` fails
here with a clear error, not in torch's allocator). Imports nothing from torchkeras: serialization uses it."""
import numbers

MAX_SIZE = 2 ** 31 - 1
_POSITIVE_SIZES = ("units", "filters", "output_dim", "input_dim", "num_heads", "key_dim", "value_dim",
                   "num_tokens", "n", "groups", "depth_multiplier", "output_sequence_length", "num_bins")
_NONNEGATIVE_SIZES = ("num_oov_indices", "cropping_size")
_SIZE_TUPLES = ("kernel_size", "strides", "pool_size", "dilation_rate", "size")
_UNIT_INTERVAL = ("rate", "dropout", "recurrent_dropout", "attention_dropout", "momentum")
_NONNEGATIVE_FLOATS = ("epsilon", "stddev", "l1", "l2", "l2_regularization_strength")


def _is_number(value):
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _bad(cls, key, value, expected):
    return ValueError(f"Invalid config for layer class {cls.__name__}: the argument `{key}` must be {expected}. "
                      f"Received: {key}={value!r}")


def _check_size(cls, key, value, minimum):
    if value is None:
        return
    integral = isinstance(value, numbers.Integral) and not isinstance(value, bool)
    if isinstance(value, float) and value.is_integer() and minimum <= value <= MAX_SIZE:
        integral = True
    if not integral or not minimum <= value <= MAX_SIZE:
        low = "a positive" if minimum == 1 else "a non-negative"
        raise _bad(cls, key, value, f"{low} integer (at most {MAX_SIZE})")


def check_layer_arguments(cls, config):
    """Validate the common arguments of a built-in (torchkeras) layer class's config, as its constructor
    would, before the layer is created. Custom classes define their own arguments and are not checked."""
    module = getattr(cls, "__module__", "") or ""
    if not isinstance(config, dict) or not isinstance(cls, type) or not module.startswith("torchkeras.layers."):
        return
    for key in _POSITIVE_SIZES:
        if key in config:
            _check_size(cls, key, config[key], 1)
    for key in _NONNEGATIVE_SIZES:
        if key in config:
            _check_size(cls, key, config[key], 0)
    for key in _SIZE_TUPLES:
        value = config.get(key)
        if value is None:
            continue
        items = value if isinstance(value, (list, tuple)) else [value]
        if len(items) > 8:
            raise _bad(cls, key, value, "an integer or a short tuple of integers")
        for item in items:
            _check_size(cls, key, item, 1)
    for key in _UNIT_INTERVAL:
        value = config.get(key)
        if value is None:
            continue
        if not _is_number(value) or not 0 <= value <= 1:
            raise _bad(cls, key, value, "a float value between 0 and 1")
    for key in _NONNEGATIVE_FLOATS:
        value = config.get(key)
        if value is None:
            continue
        if not _is_number(value) or value != value or value < 0:
            raise _bad(cls, key, value, "a non-negative number")
