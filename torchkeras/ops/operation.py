"""`Operation`: something callable on tensors or on symbolic `KerasTensor`s (layers and `keras.ops`).

Called on tensors it computes; called on KerasTensors it infers output shapes and records a `Node`, which
is how functional models are built, including from `keras.ops` functions such as `ops.add(x, 1.0)`.
"""
import functools

from torchkeras.api_export import keras_export
from torchkeras.backend import naming
from torchkeras.backend.keras_tensor import KerasTensor
from torchkeras.utils import tree


class Operation:
    def __init__(self, name=None):
        self.name = name or naming.auto_name(naming.to_snake_case(type(self).__name__))
        self._inbound_nodes = []
        self._outbound_nodes = []

    def __call__(self, *args, **kwargs):
        if any(isinstance(x, KerasTensor) for x in tree.flatten((args, kwargs))):
            try:
                return self.symbolic_call(*args, **kwargs)
            except Exception as e:  # noqa: BLE001 - re-raised with the op's name and arguments, as Keras does
                from torchkeras.backend import symbolic

                raise symbolic.call_error(self, e, args, kwargs) from None
        return self.call(*args, **kwargs)

    def symbolic_call(self, *args, **kwargs):
        from torchkeras.ops.node import Node

        outputs = self.compute_output_spec(*args, **kwargs)
        Node(self, call_args=args, call_kwargs=kwargs, outputs=outputs)
        return outputs

    def compute_output_spec(self, *args, **kwargs):
        from torchkeras.backend import symbolic

        try:
            return symbolic.compute_output_spec(self.call, *args, **kwargs)
        except Exception as e:  # noqa: BLE001 - re-raised as Keras reports it
            raise symbolic.inference_error(self, e) from None

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
        keras_export(f"{module}.{class_name}", f"keras.ops.{class_name}")(cls)
        _OP_CLASSES[class_name] = cls

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            if any(isinstance(x, KerasTensor) for x in tree.flatten((args, kwargs))):
                return cls(name=naming.auto_name(naming.to_snake_case(class_name)))(*args, **kwargs)
            try:
                return fn(*args, **kwargs)
            except (NotImplementedError, RuntimeError, TypeError) as e:
                clearer = dtype_error(fn.__name__, e, args, kwargs)
                if clearer is None:
                    raise
                raise clearer from e

        wrapper.op_class = cls
        return wrapper

    return decorator


# What torch says when it has no kernel for a dtype.
_NO_KERNEL = ("not implemented for '", "does not support bool", "Boolean inputs not supported",
              "bool tensor is not supported", "two bool tensors is not supported",
              "Low precision dtypes not supported", "Unsupported dtype", "doesn't support tensors of type",
              "Expected both inputs to be Half, Float or Double", "expected scalar type",
              "only supported for half, float and double", "to be integer dtype")


def dtype_error(name, error, args, kwargs):
    """A clearer error for torch lacking a kernel for the inputs' dtypes (None for any other error)."""
    import torch

    from torchkeras.backend import dtypes

    message = str(error)
    if not any(pattern in message for pattern in _NO_KERNEL):
        return None
    found = []
    for x in tree.flatten((args, kwargs)):
        if isinstance(x, torch.Tensor):
            dtype = dtypes.standardize_dtype(x.dtype)
            if dtype not in found:
                found.append(dtype)
    device = next((x.device.type for x in tree.flatten((args, kwargs)) if isinstance(x, torch.Tensor)), "cpu")
    received = ", ".join(found) or "these"
    text = (f"`keras.ops.{name}` does not support inputs of dtype {received} on {device}: torch has no kernel for "
            f"them ({message.splitlines()[0]}). Cast the inputs to a supported dtype first, for example "
            f"`keras.ops.cast(x, \"float32\")`.")
    try:
        return type(error)(text)
    except Exception:  # noqa: BLE001 - an exception class without a one-message constructor
        return RuntimeError(text)


def get_op_class(class_name):
    return _OP_CLASSES.get(class_name)
