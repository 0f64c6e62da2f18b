"""`Operation`: something callable on tensors or on symbolic `KerasTensor`s (layers and `keras.ops`).

Called on tensors it computes; called on KerasTensors it infers output shapes and records a `Node`, which
is how functional models are built, including from `keras.ops` functions such as `ops.add(x, 1.0)`.
"""
import functools

from torchkeras.api_export import keras_export
from torchkeras.backend import naming
from torchkeras.backend.keras_tensor import KerasTensor
from torchkeras.utils import tree


@keras_export("keras.Operation")
class Operation:
    def __init__(self, name=None):
        self.name = name or naming.auto_name(naming.to_snake_case(type(self).__name__))
        self._inbound_nodes = []
        self._outbound_nodes = []

    def __call__(self, *args, **kwargs):
        if any(isinstance(x, KerasTensor) for x in tree.flatten((args, kwargs))):
            return self.symbolic_call(*args, **kwargs)
        return self.call(*args, **kwargs)

    def symbolic_call(self, *args, **kwargs):
        from torchkeras.ops.node import Node

        outputs = self.compute_output_spec(*args, **kwargs)
        Node(self, call_args=args, call_kwargs=kwargs, outputs=outputs)
        return outputs

    def compute_output_spec(self, *args, **kwargs):
        from torchkeras.backend import symbolic

        return symbolic.compute_output_spec(self.call, *args, **kwargs)

    def call(self, *args, **kwargs):
        raise NotImplementedError

    def get_config(self):
        return {"name": self.name}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"<Operation name={self.name}>"


class FunctionOperation(Operation):
    """A `keras.ops` function recorded in a functional graph (e.g. `Add`, `Reshape`).

    Constructor arguments found in a Keras config (such as `axis`) are bound as keyword defaults.
    """

    fn = None

    def __init__(self, name=None, **bound):
        super().__init__(name=name)
        self.bound = bound

    def call(self, *args, **kwargs):
        return type(self).fn(*args, **{**self.bound, **kwargs})

    def get_config(self):
        return {"name": self.name, **self.bound}


_OP_CLASSES = {}


def keras_op(class_name, module="keras.src.ops.numpy"):
    """Decorate a tensor function so that calling it on KerasTensors records a graph node.

    `class_name` is the Keras op class that real Keras would record (e.g. `"Add"`), so functional configs
    written by torchkeras and by Keras name the same operation.
    """

    def decorator(fn):
        cls = type(class_name, (FunctionOperation,), {"fn": staticmethod(fn), "__module__": __name__})
        cls._keras_registered_name = (module, class_name)
        keras_export(f"{module}.{class_name}")(cls)  # Keras's internal name, for reading configs
        _OP_CLASSES[class_name] = cls

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            if any(isinstance(x, KerasTensor) for x in tree.flatten((args, kwargs))):
                return cls(name=naming.auto_name(naming.to_snake_case(class_name)))(*args, **kwargs)
            return fn(*args, **kwargs)

        wrapper.op_class = cls
        return wrapper

    return decorator


def get_op_class(class_name):
    return _OP_CLASSES.get(class_name)
