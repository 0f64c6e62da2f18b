"""`keras.Variable`: a `torch.nn.Parameter` with Keras's surface.

Being a Parameter, a Variable works with autograd, `state_dict`, `.to(device)` and any torch optimizer, and
(`__torch_function__` being disabled on Parameter) ops on it cost no more than on a plain tensor. On top it
carries Keras's `name`, `path`, `trainable`, `assign*`, `numpy()` and `value`.
"""
import numpy as np
import torch

from torchkeras.backend import stateless_scope as _stateless_scope
from torchkeras.backend.structure import bump_structure_version

from torchkeras.backend import dtypes
from torchkeras.backend import naming
from torchkeras.backend.device import get_device


def _to_tensor(value, dtype, device):
    if isinstance(value, torch.Tensor):
        t = value.detach()
        if dtype is not None:
            t = t.to(dtype)
        return t.to(device).clone()
    arr = np.asarray(value)
    t = torch.as_tensor(arr)
    if dtype is not None:
        t = t.to(dtype)
    return t.to(device).clone()


class Variable(torch.nn.Parameter):
    """A Keras variable: `Variable(initializer, shape=None, dtype=None, trainable=True, name=None)`.

    `initializer` is an initial value (array, tensor, number) or an initializer (name or callable taking
    `(shape, dtype)`), in which case `shape` is required.
    """

    def __new__(
        cls,
        initializer=None,
        shape=None,
        dtype=None,
        trainable=True,
        autocast=True,
        aggregation="none",
        synchronization="auto",
        name=None,
        device=None,
        **kwargs,
    ):
        if kwargs:
            raise ValueError(f"Unrecognized keyword arguments passed to Variable: {kwargs}")
        device = torch.device(device) if device is not None else get_device()
        tdtype = dtypes.to_torch_dtype(dtype) if dtype is not None else None
        if isinstance(initializer, str) or (callable(initializer) and not isinstance(initializer, torch.Tensor)):
            if shape is None:
                raise ValueError(
                    "When creating a Variable from an initializer, the `shape` argument should be specified. "
                    f"Received: initializer={initializer} and shape={shape}"
                )
            from torchkeras import initializers

            init = initializers.get(initializer)
            shape = tuple(int(d) for d in shape)
            with torch.no_grad():
                value = init(shape, dtype=dtypes.standardize_dtype(dtype))
            value = _to_tensor(value, tdtype or dtypes.to_torch_dtype(None), device)
        else:
            if initializer is None:
                raise ValueError("A Variable needs an `initializer`: an initial value or an initializer.")
            value = _to_tensor(initializer, tdtype, device)
            if shape is not None and tuple(value.shape) != tuple(shape):
                raise ValueError(
                    "Initial value has shape "
                    f"{tuple(value.shape)}, but `shape` argument is {tuple(shape)}."
                )
        trainable = bool(trainable)
        requires_grad = trainable and (value.is_floating_point() or value.is_complex())
        obj = torch.Tensor._make_subclass(cls, value, requires_grad)
        obj._keras_name = name if name is not None else naming.auto_name("variable")
        scope = naming.current_path()
        obj._keras_path = f"{scope}/{obj._keras_name}" if scope else obj._keras_name
        obj._trainable = trainable
        obj._autocast = autocast
        obj.aggregation = aggregation
        obj.synchronization = synchronization
        obj.constraint = None
        obj.regularizer = None
        obj.overwrite_with_gradient = False
        return obj

    def __init__(self, *args, **kwargs):
        pass

    # --- Keras surface -------------------------------------------------------------------------------
    @property
    def name(self):
        return self._keras_name

    @property
    def path(self):
        return self._keras_path

    @property
    def trainable(self):
        return self._trainable

    @trainable.setter
    def trainable(self, value):
        self._trainable = bool(value)
        if self.is_floating_point() or self.is_complex():
            self.requires_grad_(self._trainable)
        bump_structure_version()

    @property
    def value(self):
        """The variable itself, as a tensor (so `v.value.grad` is the gradient)."""
        return self

    @property
    def ndim(self):
        return self.dim()

    def numpy(self, *, force=False):
        """A NumPy copy of the value (later updates don't change it). `force` is accepted for torch's API."""
        return self.detach().cpu().numpy().copy()

    def __array__(self, dtype=None, copy=None):
        arr = self.detach().cpu().numpy()
        return arr.astype(dtype) if dtype is not None else arr

    def _before_update(self):
        scope = _stateless_scope.get_stateless_scope()
        if scope is not None:
            scope.map_on_update(self)

    def assign(self, value):
        self._before_update()
        with torch.no_grad():
            if not isinstance(value, torch.Tensor):
                value = torch.as_tensor(np.asarray(value))
            if tuple(value.shape) != tuple(self.shape):
                try:
                    value = value.expand(self.shape)
                except RuntimeError:
                    raise ValueError(
                        "The shape of the target variable and the shape of the target value in "
                        "`variable.assign(value)` must match. "
                        f"variable.shape={tuple(self.shape)}, Received: value.shape={tuple(value.shape)}. "
                        f"Target variable: {self!r}"
                    ) from None
            self.copy_(value)
        return self

    def assign_add(self, value):
        self._before_update()
        with torch.no_grad():
            self.add_(torch.as_tensor(value, device=self.device, dtype=self.dtype))
        return self

    def assign_sub(self, value):
        self._before_update()
        with torch.no_grad():
            self.sub_(torch.as_tensor(value, device=self.device, dtype=self.dtype))
        return self

    # --- Python / torch plumbing --------------------------------------------------------------------
    def __repr__(self):
        value = np.array2string(self.numpy(), threshold=6)
        return (
            f"<Variable path={self.path}, shape={tuple(self.shape)}, "
            f"dtype={dtypes.standardize_dtype(self.dtype)}, value={value}>"
        )

    def __hash__(self):
        return id(self)

    def _keras_state(self):
        return {k: v for k, v in self.__dict__.items()}

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        data = self.data.clone(memory_format=torch.preserve_format)
        result = torch.Tensor._make_subclass(type(self), data, self.requires_grad)
        memo[id(self)] = result
        import copy

        for k, v in self.__dict__.items():
            setattr(result, k, copy.deepcopy(v, memo))
        return result

    def __reduce_ex__(self, proto):
        return (_rebuild_variable, (type(self), self.data, self.requires_grad, self._keras_state()))


def _rebuild_variable(cls, data, requires_grad, state):
    obj = torch.Tensor._make_subclass(cls, data, requires_grad)
    obj.__dict__.update(state)
    return obj


def is_variable(x):
    return isinstance(x, Variable)
