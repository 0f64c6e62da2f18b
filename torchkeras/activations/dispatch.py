"""What an activation does with an input that is not a torch tensor.

A torch tensor goes straight to the math (the hot path pays one `isinstance`). A symbolic `KerasTensor`
records a graph node named like the operation real Keras records (`Sigmoid`, `ReLU`, ...), so functional
models built with `keras.activations.relu(x)` save and load like Keras's. Anything else (NumPy arrays,
lists, Python numbers) is converted to a tensor first, as Keras's `convert_to_tensor` would.
"""
import numpy as np
import torch

from torchkeras import api_export
from torchkeras.backend import dtypes
from torchkeras.backend.device import get_device
from torchkeras.backend.keras_tensor import KerasTensor
from torchkeras.backend.naming import auto_name
from torchkeras.backend.naming import to_snake_case
from torchkeras.ops.operation import FunctionOperation

# activation name -> (module of the Keras op class, Keras op class name)
_OPS = {
    "relu": ("keras.src.activations.activations", "ReLU"),
    "mish": ("keras.src.activations.activations", "Mish"),
    "relu6": ("keras.src.ops.nn", "Relu6"),
    "leaky_relu": ("keras.src.ops.nn", "LeakyRelu"),
    "elu": ("keras.src.ops.nn", "Elu"),
    "selu": ("keras.src.ops.nn", "Selu"),
    "celu": ("keras.src.ops.nn", "Celu"),
    "gelu": ("keras.src.ops.nn", "Gelu"),
    "glu": ("keras.src.ops.nn", "Glu"),
    "sigmoid": ("keras.src.ops.nn", "Sigmoid"),
    "hard_sigmoid": ("keras.src.ops.nn", "HardSigmoid"),
    "hard_silu": ("keras.src.ops.nn", "HardSilu"),
    "silu": ("keras.src.ops.nn", "Silu"),
    "softplus": ("keras.src.ops.nn", "Softplus"),
    "softsign": ("keras.src.ops.nn", "Softsign"),
    "softmax": ("keras.src.ops.nn", "Softmax"),
    "log_softmax": ("keras.src.ops.nn", "LogSoftmax"),
    "log_sigmoid": ("keras.src.ops.nn", "LogSigmoid"),
    "sparsemax": ("keras.src.ops.nn", "Sparsemax"),
    "sparse_plus": ("keras.src.ops.nn", "SparsePlus"),
    "sparse_sigmoid": ("keras.src.ops.nn", "SparseSigmoid"),
    "squareplus": ("keras.src.ops.nn", "Squareplus"),
    "soft_shrink": ("keras.src.ops.nn", "SoftShrink"),
    "hard_shrink": ("keras.src.ops.nn", "HardShrink"),
    "hard_tanh": ("keras.src.ops.nn", "HardTanh"),
    "tanh_shrink": ("keras.src.ops.nn", "TanhShrink"),
    "threshold": ("keras.src.ops.nn", "Threshold"),
    "tanh": ("keras.src.ops.numpy", "Tanh"),
    "exponential": ("keras.src.ops.numpy", "Exp"),
}


def to_tensor(x):
    """Convert an array-like to a tensor on the default device (Python floats become floatx)."""
    if isinstance(x, np.ndarray) or isinstance(x, np.generic):
        return torch.as_tensor(x, device=get_device())
    arr = np.asarray(x)
    if arr.dtype == np.float64:
        arr = arr.astype(dtypes.standardize_dtype(None))
    elif arr.dtype.kind not in "biufc":
        raise TypeError(
            f"Activations expect a tensor or an array of numbers. Received: x={x!r} (of type {type(x)})"
        )
    return torch.as_tensor(arr, device=get_device())


def _op_class(fn):
    module, class_name = _OPS[fn.__name__]
    path = f"{module}.{class_name}"
    cls = api_export.get_exported(path)
    if cls is None or not issubclass(cls, FunctionOperation):
        cls = type(class_name, (FunctionOperation,), {"fn": staticmethod(fn), "__module__": __name__})
        cls._keras_registered_name = (module, class_name)
        api_export.keras_export(path)(cls)
    return cls


def register_ops(functions):
    """Make the Keras op classes of `functions` known to deserialization (unless `keras.ops` did already)."""
    for fn in functions:
        if fn.__name__ in _OPS:
            _op_class(fn)


def call_non_tensor(fn, x, **kwargs):
    """Apply activation `fn` to a KerasTensor (records a node) or to an array-like (computes)."""
    if isinstance(x, KerasTensor):
        cls = _op_class(fn)
        _, class_name = _OPS[fn.__name__]
        return cls(name=auto_name(to_snake_case(class_name)), **kwargs)(x)
    return fn(to_tensor(x), **kwargs)
