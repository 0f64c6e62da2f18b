"""Keras's loss and metric functions are ops: called on KerasTensors they record a graph node.

Keras 2 code computes losses from a functional model's symbolic tensors (`mse(inputs, outputs)`, then
`model.add_loss(...)`); `symbolic_function` lets a tensor function do that: on KerasTensors it records one node
(an `Operation` that calls the function when the graph runs), on tensors it is the function itself.
"""
import functools

from torchkeras.backend import naming
from torchkeras.backend.keras_tensor import KerasTensor
from torchkeras.ops.operation import FunctionOperation


def symbolic_function(fn):
    cls = type(_class_name(fn.__name__), (FunctionOperation,), {"fn": staticmethod(fn), "__module__": fn.__module__})
    snake = naming.to_snake_case(fn.__name__)

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        for x in args:
            if isinstance(x, KerasTensor):
                return cls(name=naming.auto_name(snake))(*args, **kwargs)
        if kwargs and any(isinstance(x, KerasTensor) for x in kwargs.values()):
            return cls(name=naming.auto_name(snake))(*args, **kwargs)
        return fn(*args, **kwargs)

    wrapper.op_class = cls
    return wrapper


def _class_name(name):
    return "".join(part[:1].upper() + part[1:] for part in name.split("_"))
