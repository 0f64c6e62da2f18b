"""Keras 1 argument spellings of the convolution, pooling and image-reshaping layers.

`Convolution2D(32, 3, 3, border_mode="same", subsample=(2, 2), init="he_normal", W_regularizer=...)` is
translated to `Conv2D(32, (3, 3), padding="same", strides=(2, 2), kernel_initializer="he_normal", ...)`,
with one DeprecationWarning per spelling naming the new argument.
"""
import warnings

from torchkeras.utils import legacy_args

_WARNED = set()


def warn_once(key, message):
    """A DeprecationWarning for a Keras 1 usage that is not a simple argument rename, once per process."""
    if key not in _WARNED:
        _WARNED.add(key)
        warnings.warn(message, DeprecationWarning, stacklevel=3)


def dim_ordering(value):
    """Keras 1 `dim_ordering` ('th', 'tf' or 'default') as a Keras 2+ `data_format`."""
    mapping = {"th": "channels_first", "tf": "channels_last", "default": None}
    if value not in mapping:
        raise ValueError(f"`dim_ordering` must be one of 'th', 'tf' or 'default'. Received: dim_ordering={value}")
    return mapping[value]


CONV = {
    "nb_filter": "filters",
    "filter_length": "kernel_size",
    "border_mode": ("padding", legacy_args.border_mode),
    "subsample": "strides",
    "subsample_length": "strides",
    "atrous_rate": "dilation_rate",
    "init": "kernel_initializer",
    "W_regularizer": "kernel_regularizer",
    "b_regularizer": "bias_regularizer",
    "W_constraint": "kernel_constraint",
    "b_constraint": "bias_constraint",
    "bias": ("use_bias", legacy_args.bias_flag),
    "dim_ordering": ("data_format", dim_ordering),
}

POOL = {
    "pool_length": "pool_size",
    "stride": "strides",
    "border_mode": ("padding", legacy_args.border_mode),
    "dim_ordering": ("data_format", dim_ordering),
}

IMAGE = {"dim_ordering": ("data_format", dim_ordering)}

_KERNEL_DIMS = ("nb_row", "nb_col")
_KERNEL_DIMS_3D = ("kernel_dim1", "kernel_dim2", "kernel_dim3")


def pop(kwargs, mapping):
    """Remove the Keras 1 keys of `mapping` from `kwargs` and return them (untranslated)."""
    return {k: kwargs.pop(k) for k in list(kwargs) if k in mapping}


def translate_conv(layer_name, rank, args, kwargs):
    """Rewrite `args` (the layer's Keras 3 arguments, a dict) in place from Keras 1 spellings in `kwargs`.

    Keras 1 passed the kernel size as separate positional integers (`Convolution2D(32, 3, 3)`); those land in
    `kernel_size`, `strides` (and `padding` for 3D). They are read as a kernel size only when the call also
    uses another Keras 1 spelling, so a Keras 3 `Conv2D(32, 3, 2)` (strides=2) keeps its meaning.
    """
    dims = _KERNEL_DIMS if rank == 2 else _KERNEL_DIMS_3D if rank == 3 else ()
    named = {k: kwargs.pop(k) for k in dims if k in kwargs}
    legacy = pop(kwargs, CONV)
    if rank == 1 and isinstance(args.get("strides"), str):
        # Keras 1 `Convolution1D(nb_filter, filter_length, init)`: the third positional is `init`.
        legacy.setdefault("init", args["strides"])
        args["strides"] = 1
    if not legacy and not named:
        return args
    translated = legacy_args.translate(layer_name, legacy, CONV)
    for key in named:
        legacy_args.translate(layer_name, {key: None}, {key: "kernel_size"})
    if rank > 1:
        positional = [args.get("kernel_size"), args.get("strides"), args.get("padding")][: rank - len(named)]
        if all(isinstance(v, int) and not isinstance(v, bool) for v in positional):
            kernel = tuple(positional) + tuple(named[k] for k in dims if k in named)
            if len(kernel) != rank:
                raise ValueError(
                    f"{layer_name}: the Keras 1 kernel size needs {rank} integers ({', '.join(dims)}). "
                    f"Received: {kernel}. Pass `kernel_size={(3,) * rank}` instead."
                )
            args["kernel_size"] = kernel
            # Positional slots after `kernel_size` held kernel dimensions, not strides or padding.
            for key, default in (("strides", 1), ("padding", "valid"))[: max(len(positional) - 1, 0)]:
                args[key] = default
        elif named:
            raise ValueError(
                f"{layer_name}: cannot combine `kernel_size={args.get('kernel_size')}` with the Keras 1 "
                f"arguments {sorted(named)}. Pass `kernel_size` as a tuple of {rank} integers instead."
            )
    args.update(translated)
    return args


def translate(layer_name, kwargs, mapping, args):
    """Apply simple renames (`border_mode=` -> `padding=`, ...) from `kwargs` into the `args` dict."""
    legacy = pop(kwargs, mapping)
    if legacy:
        args.update(legacy_args.translate(layer_name, legacy, mapping))
    return args
