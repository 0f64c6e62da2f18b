"""Keras 2's `keras.legacy.interfaces`: decorators that accept Keras 1 argument names on a constructor or
method, rename them to Keras 2's and warn with the updated call.

`generate_legacy_interface(allowed_positional_args, conversions, value_conversions)` builds such a decorator;
the `legacy_*_support` decorators are Keras 2's tables for its own layers. (The layers of torchkeras accept
the Keras 1 spellings by themselves; these decorators are for user classes written against Keras 2.)
"""
import functools
import warnings

import numpy as np


def raise_duplicate_arg_error(old_arg, new_arg):
    raise TypeError(f"For the `{new_arg}` argument, the layer received both the legacy keyword argument "
                    f"`{old_arg}` and the Keras 2 keyword argument `{new_arg}`. Stick to the latter!")


def _short(value):
    if isinstance(value, str):
        return f'"{value}"'
    text = "array" if isinstance(value, np.ndarray) else str(value)
    return text[:10] + "..." if len(text) > 10 else text


def generate_legacy_interface(allowed_positional_args=None, conversions=None, preprocessor=None,
                              value_conversions=None, object_type="class"):
    """A decorator converting Keras 1 keyword arguments (`conversions`: `[(old, new), ...]`, values through
    `value_conversions`: `{old name: {old value: new value}}`) and limiting positional arguments."""
    check_positional = allowed_positional_args is not None
    allowed_positional_args = allowed_positional_args or []
    conversions = conversions or []
    value_conversions = value_conversions or {}

    def legacy_support(func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            name = type(args[0]).__name__ if object_type == "class" else func.__name__
            converted = []
            if preprocessor:
                args, kwargs, converted = preprocessor(args, kwargs)
            if check_positional and len(args) > len(allowed_positional_args) + 1:
                raise TypeError(f"`{name}` can accept only {len(allowed_positional_args)} positional arguments "
                                f"{tuple(allowed_positional_args)}, but you passed the following positional "
                                f"arguments: {list(args[1:])}")
            for key, mapping in value_conversions.items():
                if key in kwargs and kwargs[key] in mapping:
                    kwargs[key] = mapping[kwargs[key]]
            for old_name, new_name in conversions:
                if old_name in kwargs:
                    value = kwargs.pop(old_name)
                    if new_name in kwargs:
                        raise_duplicate_arg_error(old_name, new_name)
                    kwargs[new_name] = value
                    converted.append((new_name, old_name))
            if converted:
                parts = [_short(v) for v in args[1:]] + [f"{k}={_short(v)}" for k, v in kwargs.items()]
                warnings.warn(f"Update your `{name}` call to the Keras 2 API: `{name}({', '.join(parts)})`",
                              stacklevel=2)
            return func(*args, **kwargs)

        wrapper._original_function = func
        return wrapper

    return legacy_support


generate_legacy_method_interface = functools.partial(generate_legacy_interface, object_type="method")

_DIM_ORDERING = {"dim_ordering": {"tf": "channels_last", "th": "channels_first", "default": None}}

legacy_dense_support = generate_legacy_interface(
    allowed_positional_args=["units"],
    conversions=[("output_dim", "units"), ("init", "kernel_initializer"), ("W_regularizer", "kernel_regularizer"),
                 ("b_regularizer", "bias_regularizer"), ("W_constraint", "kernel_constraint"),
                 ("b_constraint", "bias_constraint"), ("bias", "use_bias")])
legacy_dropout_support = generate_legacy_interface(
    allowed_positional_args=["rate", "noise_shape", "seed"], conversions=[("p", "rate")])
legacy_pooling1d_support = generate_legacy_interface(
    allowed_positional_args=["pool_size", "strides", "padding"],
    conversions=[("pool_length", "pool_size"), ("stride", "strides"), ("border_mode", "padding")])
legacy_prelu_support = generate_legacy_interface(
    allowed_positional_args=["alpha_initializer"], conversions=[("init", "alpha_initializer")])
legacy_gaussiannoise_support = generate_legacy_interface(
    allowed_positional_args=["stddev"], conversions=[("sigma", "stddev")])
legacy_gaussiandropout_support = generate_legacy_interface(
    allowed_positional_args=["rate"], conversions=[("p", "rate")])
legacy_pooling2d_support = legacy_pooling3d_support = generate_legacy_interface(
    allowed_positional_args=["pool_size", "strides", "padding"],
    conversions=[("border_mode", "padding"), ("dim_ordering", "data_format")], value_conversions=_DIM_ORDERING)
legacy_global_pooling_support = generate_legacy_interface(
    conversions=[("dim_ordering", "data_format")], value_conversions=_DIM_ORDERING)
legacy_upsampling1d_support = generate_legacy_interface(
    allowed_positional_args=["size"], conversions=[("length", "size")])
legacy_upsampling2d_support = legacy_upsampling3d_support = generate_legacy_interface(
    allowed_positional_args=["size"], conversions=[("dim_ordering", "data_format")], value_conversions=_DIM_ORDERING)
legacy_zeropadding3d_support = generate_legacy_interface(
    allowed_positional_args=["padding"], conversions=[("dim_ordering", "data_format")],
    value_conversions=_DIM_ORDERING)
legacy_cropping2d_support = legacy_cropping3d_support = generate_legacy_interface(
    allowed_positional_args=["cropping"], conversions=[("dim_ordering", "data_format")],
    value_conversions=_DIM_ORDERING)
legacy_spatialdropout1d_support = generate_legacy_interface(
    allowed_positional_args=["rate"], conversions=[("p", "rate")])
legacy_spatialdropoutNd_support = generate_legacy_interface(
    allowed_positional_args=["rate"], conversions=[("p", "rate"), ("dim_ordering", "data_format")],
    value_conversions=_DIM_ORDERING)
legacy_lambda_support = generate_legacy_interface(allowed_positional_args=["function", "output_shape"])
legacy_model_constructor_support = generate_legacy_interface(
    allowed_positional_args=None, conversions=[("input", "inputs"), ("output", "outputs")])
legacy_input_support = generate_legacy_interface(
    allowed_positional_args=None, conversions=[("input_dtype", "dtype")])
