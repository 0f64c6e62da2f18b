"""`KerasTensor`: a symbolic tensor (shape and dtype, no data) used to build functional models."""
from torchkeras.backend import dtypes


class KerasTensor:
    """A symbolic tensor. `shape` is a tuple whose unknown dimensions are `None`.

    `_keras_history` is `(operation, node_index, tensor_index)`: the call that produced this tensor.
    `_keras_mask` is the symbolic mask that travels with it (or None).
    """

    def __init__(self, shape, dtype="float32", sparse=False, ragged=False, record_history=True, name=None):
        from torchkeras.backend import naming

        self._shape = tuple(None if d is None else int(d) for d in shape)
        self._dtype = dtypes.standardize_dtype(dtype)
        self.sparse = bool(sparse)
        self.ragged = bool(ragged)
        self.name = name or naming.auto_name("keras_tensor")
        self.record_history = record_history
        self._keras_history = None
        self._keras_mask = None

    @property
    def shape(self):
        return self._shape

    @shape.setter
    def shape(self, value):
        self._shape = tuple(value)

    @property
    def dtype(self):
        return self._dtype

    @dtype.setter
    def dtype(self, value):
        self._dtype = dtypes.standardize_dtype(value)

    @property
    def ndim(self):
        return len(self._shape)

    def reshape(self, newshape):
        from torchkeras import ops

        return ops.reshape(self, newshape)

    def squeeze(self, axis=None):
        from torchkeras import ops

        return ops.squeeze(self, axis=axis)

    def __repr__(self):
        return (f"<KerasTensor shape={self.shape}, dtype={self.dtype}, sparse={self.sparse}, ragged={self.ragged}, "
                f"name={self.name}>")

    def __iter__(self):
        raise NotImplementedError(
            "Iterating over a symbolic KerasTensor is not supported. Use ops on the whole tensor instead."
        )

    def __bool__(self):
        raise TypeError("A symbolic KerasTensor cannot be used as a Python `bool`.")

    def __len__(self):
        raise TypeError("A symbolic KerasTensor has no `len()`. Use `tensor.shape[0]` instead.")

    def __array__(self, *args, **kwargs):
        raise ValueError(
            "A KerasTensor is symbolic: it's a placeholder for a shape and a dtype. It doesn't have any actual "
            "numerical value. You cannot convert it to a NumPy array."
        )

    def __hash__(self):
        return id(self)

    # Operators build symbolic ops nodes (see torchkeras.ops).
    def _op(self, name, *args):
        from torchkeras import ops

        return getattr(ops, name)(*args)

    def __add__(self, other):
        return self._op("add", self, other)

    def __radd__(self, other):
        return self._op("add", other, self)

    def __sub__(self, other):
        return self._op("subtract", self, other)

    def __rsub__(self, other):
        return self._op("subtract", other, self)

    def __mul__(self, other):
        return self._op("multiply", self, other)

    def __rmul__(self, other):
        return self._op("multiply", other, self)

    def __matmul__(self, other):
        return self._op("matmul", self, other)

    def __rmatmul__(self, other):
        return self._op("matmul", other, self)

    def __truediv__(self, other):
        return self._op("true_divide", self, other)

    def __rtruediv__(self, other):
        return self._op("true_divide", other, self)

    def __floordiv__(self, other):
        return self._op("floor_divide", self, other)

    def __rfloordiv__(self, other):
        return self._op("floor_divide", other, self)

    def __mod__(self, other):
        return self._op("mod", self, other)

    def __rmod__(self, other):
        return self._op("mod", other, self)

    def __pow__(self, other):
        return self._op("power", self, other)

    def __rpow__(self, other):
        return self._op("power", other, self)

    def __neg__(self):
        return self._op("negative", self)

    def __pos__(self):
        return self

    def __abs__(self):
        return self._op("absolute", self)

    def __lt__(self, other):
        return self._op("less", self, other)

    def __le__(self, other):
        return self._op("less_equal", self, other)

    def __gt__(self, other):
        return self._op("greater", self, other)

    def __ge__(self, other):
        return self._op("greater_equal", self, other)

    def __and__(self, other):
        return self._op("logical_and", self, other)

    def __or__(self, other):
        return self._op("logical_or", self, other)

    def __rand__(self, other):
        return self._op("logical_and", other, self)

    def __ror__(self, other):
        return self._op("logical_or", other, self)

    def __xor__(self, other):
        return self._op("logical_xor", self, other)

    def __rxor__(self, other):
        return self._op("logical_xor", other, self)

    def __invert__(self):
        return self._op("logical_not", self)

    def __getitem__(self, key):
        from torchkeras import ops

        return ops.get_item(self, key)


def is_keras_tensor(x):
    return isinstance(x, KerasTensor)


def any_symbolic_tensors(args=None, kwargs=None):
    from torchkeras.utils import tree

    for x in tree.flatten((args, kwargs)):
        if isinstance(x, KerasTensor):
            return True
    return False
