"""`InputLayer` and `keras.Input`: the entry points of functional models."""

from torchkeras.api_export import keras_export
from torchkeras.backend import dtypes
from torchkeras.backend.keras_tensor import KerasTensor
from torchkeras.layers.layer import Layer
from torchkeras.ops.node import Node


def standardize_shape(shape):
    if shape is None:
        raise ValueError("Undefined shapes are not supported.")
    if not hasattr(shape, "__iter__") or isinstance(shape, str):
        raise ValueError(f"Cannot convert '{shape}' to a shape.")
    shape = tuple(shape)
    for d in shape:
        if d is None:
            continue
        if not isinstance(d, int) or isinstance(d, bool):
            try:
                if int(d) != d:
                    raise ValueError
            except (TypeError, ValueError):
                raise ValueError(f"Cannot convert '{shape}' to a shape. Found invalid entry '{d}'. ") from None
        if int(d) < 0:
            raise ValueError(f"Cannot convert '{shape}' to a shape. Negative dimensions are not allowed.")
    return tuple(None if d is None else int(d) for d in shape)


@keras_export("keras.layers.InputLayer")
class InputLayer(Layer):
    """The layer behind `keras.Input`: it produces a symbolic tensor of the given shape and dtype."""

    def __init__(self, shape=None, batch_size=None, dtype=None, sparse=None, batch_shape=None,
                 input_tensor=None, optional=False, name=None, ragged=None, **kwargs):
        if "input_shape" in kwargs:
            shape = kwargs.pop("input_shape")
        if "batch_input_shape" in kwargs:
            batch_shape = kwargs.pop("batch_input_shape")
        kwargs.pop("input_layer_name", None)
        if kwargs:
            raise ValueError(f"Unrecognized keyword arguments passed to InputLayer: {kwargs}")
        super().__init__(name=name)
        if shape is not None and batch_shape is not None:
            raise ValueError(
                "You cannot pass both `shape` and `batch_shape` at the same time. "
                f"Received: shape={shape}, batch_shape={batch_shape}"
            )
        self._constant_value = None
        if input_tensor is not None and not isinstance(input_tensor, KerasTensor):
            # keras2a: Keras 2's `Input(tensor=<value>)`, a graph input whose value is fixed (`K.function` feeds it).
            from torchkeras.backend.legacy_graph import constant_input_value

            self._constant_value = constant_input_value(input_tensor)
            batch_shape = tuple(self._constant_value.shape)
            dtype = dtypes.standardize_dtype(self._constant_value.dtype)
            input_tensor = None
        elif input_tensor is not None:
            batch_shape = input_tensor.shape
            dtype = input_tensor.dtype
        elif shape is not None:
            batch_shape = (batch_size,) + standardize_shape(shape)
        elif batch_shape is not None:
            batch_shape = standardize_shape(batch_shape)
        else:
            raise ValueError("You must pass a `shape` argument.")
        self._batch_shape = tuple(batch_shape)
        self._input_dtype = dtypes.standardize_dtype(dtype) if dtype is not None else "float32"
        self.sparse = bool(sparse)
        self.ragged = bool(ragged)
        self.optional = optional
        self.built = True
        if input_tensor is None:
            input_tensor = KerasTensor(self._batch_shape, dtype=self._input_dtype, sparse=self.sparse,
                                       name=self.name)
        self._input_tensor = input_tensor
        Node(self, call_args=(), call_kwargs={}, outputs=input_tensor)

    @property
    def batch_shape(self):
        return self._batch_shape

    @property
    def dtype(self):
        return self._input_dtype

    def call(self):
        return None

    @property
    def output(self):
        return self._input_tensor

    def get_config(self):
        return {"batch_shape": list(self._batch_shape), "dtype": self._input_dtype, "sparse": self.sparse,
                "ragged": self.ragged, "name": self.name, "optional": self.optional}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config.pop("trainable", None)
        if isinstance(config.get("dtype"), dict):
            config["dtype"] = config["dtype"].get("config", {}).get("name", "float32")
        return cls(**config)


@keras_export("keras.Input", "keras.layers.Input")
def Input(shape=None, batch_size=None, dtype=None, sparse=None, batch_shape=None, name=None, tensor=None,
          optional=False, ragged=None, **kwargs):
    """A symbolic input tensor: `keras.Input(shape=(784,))` (the batch dimension is left out)."""
    if "batch_input_shape" in kwargs:
        batch_shape = kwargs.pop("batch_input_shape")
    if kwargs:
        raise ValueError(f"Unrecognized keyword arguments passed to Input: {kwargs}")
    layer = InputLayer(shape=shape, batch_size=batch_size, dtype=dtype, sparse=sparse, batch_shape=batch_shape,
                       name=name, input_tensor=tensor, optional=optional, ragged=ragged)
    return layer.output
