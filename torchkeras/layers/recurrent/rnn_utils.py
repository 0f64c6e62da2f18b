"""Small helpers shared by the recurrent layers: activation checks, sublayer builds, dtypes, legacy arguments."""
import contextlib
import inspect

import numpy as np
import torch

from torchkeras import activations
from torchkeras import initializers
from torchkeras.backend import naming

_TANH = (activations.tanh, torch.tanh, torch.nn.functional.tanh)
_SIGMOID = (activations.sigmoid, torch.sigmoid, torch.nn.functional.sigmoid)
_RELU = (activations.relu, torch.relu, torch.nn.functional.relu)


def is_tanh(fn):
    return any(fn is f for f in _TANH)


def is_sigmoid(fn):
    return any(fn is f for f in _SIGMOID)


def is_relu(fn):
    return any(fn is f for f in _RELU)


def build_sublayer(layer, input_shape, parent=None):
    """Build `layer` for `input_shape` inside its own name scope, itself inside `parent`'s (weights get paths
    like `lstm/lstm_cell/kernel` even when `parent.build()` is called directly)."""
    from torchkeras.layers.layer import Layer

    if not isinstance(layer, Layer) or layer.built:
        return
    outer = naming.name_scope(parent.name, caller=parent) if parent is not None else contextlib.nullcontext()
    with outer, naming.name_scope(layer.name, caller=layer):
        layer.build(input_shape)
    layer.built = True
    layer._build_shapes_dict = {"input_shape": input_shape}
    initial = getattr(layer, "_initial_weights", None)
    if initial is not None:  # Keras 2 `weights=` constructor argument
        layer.set_weights(initial)
        layer._initial_weights = None


_ACCEPTS = {}


def call_accepts(fn, name):
    """Whether the callable `fn` takes a keyword argument `name` (or **kwargs); cached per function."""
    key = (getattr(fn, "__func__", fn), name)
    found = _ACCEPTS.get(key)
    if found is None:
        try:
            params = inspect.signature(fn).parameters
            found = name in params or any(p.kind == p.VAR_KEYWORD for p in params.values())
        except (TypeError, ValueError):
            found = False
        _ACCEPTS[key] = found
    return found


def cast_floating(x, dtype):
    """`x` in `dtype` when it isn't already (integer sequences become float like in Keras)."""
    if isinstance(x, torch.Tensor) and x.dtype != dtype:
        return x.to(dtype)
    return x


def compute_torch_dtype(layer):
    """The torch dtype of `layer.compute_dtype`, cached against the layer's dtype policy."""
    policy = layer.dtype_policy
    cached = layer.__dict__.get("_torch_compute_dtype")
    if cached is not None and cached[0] is policy:
        return cached[1]
    from torchkeras.backend import dtypes

    dtype = dtypes.to_torch_dtype(policy.compute_dtype)
    layer.__dict__["_torch_compute_dtype"] = (policy, dtype)
    return dtype


def weight(v, dtype):
    """A weight in the compute dtype (a no-op unless a mixed-precision policy is active)."""
    return v if v.dtype == dtype else v.to(dtype)


# Keras 1 spellings of the recurrent layers' arguments (`LSTM(output_dim=32, inner_activation=...)`).
KERAS1_ARGS = {
    "output_dim": "units",
    "init": "kernel_initializer",
    "inner_init": "recurrent_initializer",
    "inner_activation": "recurrent_activation",
    "W_regularizer": "kernel_regularizer",
    "U_regularizer": "recurrent_regularizer",
    "b_regularizer": "bias_regularizer",
    "W_constraint": "kernel_constraint",
    "U_constraint": "recurrent_constraint",
    "b_constraint": "bias_constraint",
    "dropout_W": "dropout",
    "dropout_U": "recurrent_dropout",
    "consume_less": None,
    "forget_bias_init": None,
}


def pop_keras1_args(layer_name, kwargs):
    """Remove Keras 1 argument names from `kwargs`; return them under their Keras 3 names."""
    from torchkeras.utils import legacy_args

    found = {k: kwargs.pop(k) for k in list(kwargs) if k in KERAS1_ARGS}
    if not found:
        return {}
    return legacy_args.translate(layer_name, found, KERAS1_ARGS)


def missing_units(layer_name):
    return TypeError(f"{layer_name}.__init__() missing 1 required positional argument: 'units'")


def delegate_to_cell(*names):
    """Class decorator: read-only properties that forward `layer.units` etc. to `layer.cell`."""

    def decorator(cls):
        for name in names:
            setattr(cls, name, property(lambda self, _n=name: getattr(self.cell, _n),
                                        doc=f"The cell's `{name}`."))
        return cls

    return decorator


def check_use_cudnn(use_cudnn):
    if use_cudnn not in ("auto", True, False):
        raise ValueError(
            "Invalid valid received for argument `use_cudnn`. Expected one of {'auto', True, False}. "
            f"Received: use_cudnn={use_cudnn}"
        )
    return use_cudnn


def forget_gate_bias(bias_initializer, n, dtype=None):
    """An LSTM bias `(4 * n,)` for `unit_forget_bias=True`: `bias_initializer` for the gates i, c, o, ones for f."""
    parts = [to_tensor(bias_initializer((n,), dtype=dtype)),
             to_tensor(initializers.get("ones")((n,), dtype=dtype)),
             to_tensor(bias_initializer((2 * n,), dtype=dtype))]
    return torch.cat([p.to(parts[0].device) for p in parts])


def to_tensor(value, dtype=None):
    if isinstance(value, torch.Tensor):
        return value if dtype is None else value.to(dtype)
    t = torch.as_tensor(np.asarray(value))
    return t if dtype is None else t.to(dtype)

