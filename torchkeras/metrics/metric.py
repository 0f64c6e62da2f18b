"""`keras.metrics.Metric`: the base class of stateful metrics (not a Layer).

State lives in non-trainable `keras.Variable`s on the default device. `update_state` changes them in place with
torch ops (no host sync), `result()` reads them, `reset_state()` zeroes them.
"""
import functools

import torch

from torchkeras import dtype_policies
from torchkeras.api_export import keras_export
from torchkeras.backend import dtypes
from torchkeras.backend import naming
from torchkeras.backend.config import floatx
from torchkeras.backend.variables import Variable


def _no_grad(method):
    @functools.wraps(method)
    def wrapper(*args, **kwargs):
        with torch.no_grad():
            return method(*args, **kwargs)

    wrapper._keras_no_grad = True
    return wrapper


def _initial_value(initializer, shape, dtype):
    """The starting value of a state variable: zeros by default, else what the initializer gives."""
    tdtype = dtypes.to_torch_dtype(dtype)
    if initializer is None or (isinstance(initializer, str) and initializer.lower() == "zeros"):
        return torch.zeros(shape, dtype=tdtype)
    if isinstance(initializer, str) and initializer.lower() == "ones":
        return torch.ones(shape, dtype=tdtype)
    if isinstance(initializer, (int, float)):
        return torch.full(shape, initializer, dtype=tdtype)
    if isinstance(initializer, str):
        from torchkeras import initializers

        initializer = initializers.get(initializer)
    if not callable(initializer):
        raise ValueError(
            "Expected `initializer` to be a name (e.g. 'zeros'), an initializer or a callable `(shape, dtype)`. "
            f"Received: initializer={initializer}"
        )
    value = initializer(shape, dtype=dtypes.standardize_dtype(dtype))
    return torch.as_tensor(value).to(tdtype)


@keras_export("keras.metrics.Metric", "keras.Metric")
class Metric:
    """Encapsulates metric logic and state.

    Args:
        name: Optional name for the metric instance (default: the snake-cased class name, made unique).
        dtype: The dtype of the metric's computations (default `keras.backend.floatx()`).

    Subclasses create state with `self.add_variable(shape, initializer, dtype, name)` in `__init__`, and implement
    `update_state(*args, **kwargs)` and `result()`. `metric(*args)` is `update_state(*args)` then `result()`.
    """

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        # Metric state never needs gradients; skipping autograd also saves work on every batch.
        method = cls.__dict__.get("update_state")
        if method is not None and not getattr(method, "_keras_no_grad", False):
            cls.update_state = _no_grad(method)

    def __init__(self, name=None, dtype=None):
        self.name = name or naming.auto_name(naming.to_snake_case(type(self).__name__))
        self._dtype_policy = dtype_policies.get(dtype or floatx())
        self._dtype = self._dtype_policy.compute_dtype
        self._variables = []
        self._metrics = []

    # --- state -------------------------------------------------------------------------------------------
    def add_variable(self, shape=(), initializer=None, dtype=None, aggregation="sum", name=None):
        """Create a non-trainable state variable (zeros unless `initializer` says otherwise)."""
        self._check_super_called()
        shape = (int(shape),) if isinstance(shape, int) else tuple(int(d) for d in shape)
        dtype = dtype or floatx()
        value = _initial_value(initializer, shape, dtype)
        with naming.name_scope(self.name.replace("/", ">"), caller=self):
            variable = Variable(value, dtype=dtype, trainable=False, aggregation=aggregation, name=name)
        self._variables.append(variable)
        return variable

    def add_weight(self, *args, **kwargs):
        """Same as `add_variable(shape=(), initializer=None, dtype=None, name=None)`.

        Keras 2's order, `add_weight(name, shape=(), aggregation=..., synchronization=..., initializer=...,
        dtype=...)`, is recognised by a name given first.
        """
        if args and isinstance(args[0], str):
            order = ("name", "shape", "aggregation", "synchronization", "initializer", "dtype")
        else:
            order = ("shape", "initializer", "dtype", "name")
        if len(args) > len(order):
            raise TypeError(f"add_weight() takes at most {len(order)} positional arguments ({len(args)} given)")
        for key, value in zip(order, args):
            if key in kwargs:
                raise TypeError(f"add_weight() got multiple values for argument '{key}'")
            kwargs[key] = value
        kwargs.pop("synchronization", None)
        unknown = set(kwargs) - {"shape", "initializer", "dtype", "name", "aggregation"}
        if unknown:
            raise TypeError(f"add_weight() got unexpected keyword arguments: {sorted(unknown)}")
        return self.add_variable(shape=kwargs.get("shape", ()), initializer=kwargs.get("initializer"),
                                 dtype=kwargs.get("dtype"), aggregation=kwargs.get("aggregation", "sum"),
                                 name=kwargs.get("name"))

    @property
    def variables(self):
        """The state variables of this metric and of the metrics it holds."""
        variables = list(self._variables)
        for metric in self._metrics:
            variables.extend(metric.variables)
        return variables

    def reset_state(self):
        """Set every state variable back to zero."""
        with torch.no_grad():
            for v in self.variables:
                v.zero_()

    # --- stateless API (`keras.StatelessScope`) ----------------------------------------------------------
    def _check_metric_variables(self, metric_variables):
        if len(metric_variables) != len(self.variables):
            raise ValueError(
                f"Argument `metric_variables` must be a list of tensors corresponding 1:1 to "
                f"{type(self).__name__}().variables. Received list with length {len(metric_variables)}, but "
                f"expected {len(self.variables)} variables."
            )

    def stateless_update_state(self, metric_variables, *args, **kwargs):
        """`update_state` on the given values of the state variables; returns the new values."""
        from torchkeras.backend.stateless_scope import StatelessScope

        self._check_metric_variables(metric_variables)
        with StatelessScope(state_mapping=list(zip(self.variables, metric_variables))) as scope:
            self.update_state(*args, **kwargs)
        return [scope.get_current_value(v) for v in self.variables]

    def stateless_result(self, metric_variables):
        """`result()` computed from the given values of the state variables."""
        from torchkeras.backend.stateless_scope import StatelessScope

        self._check_metric_variables(metric_variables)
        with StatelessScope(state_mapping=list(zip(self.variables, metric_variables))):
            result = self.result()
        if isinstance(result, dict):
            return {k: v.clone() if isinstance(v, torch.Tensor) else v for k, v in result.items()}
        return result.clone() if isinstance(result, torch.Tensor) else result

    def stateless_reset_state(self):
        """The values the state variables would have after `reset_state()` (the variables are unchanged)."""
        from torchkeras.backend.stateless_scope import StatelessScope

        variables = self.variables
        with StatelessScope(state_mapping=[(v, v) for v in variables]) as scope:
            self.reset_state()
        return [scope.get_current_value(v) for v in variables]

    def reset_states(self):
        """Keras 2 spelling of `reset_state()`."""
        self.reset_state()

    def update_state(self, *args, **kwargs):
        raise NotImplementedError(f"Metric subclass {type(self).__name__} must implement `update_state()`.")

    def result(self):
        raise NotImplementedError(f"Metric subclass {type(self).__name__} must implement `result()`.")

    def __call__(self, *args, **kwargs):
        self._check_super_called()
        self.update_state(*args, **kwargs)
        return self.result()

    # --- properties and config ---------------------------------------------------------------------------
    @property
    def dtype(self):
        return self._dtype

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def _obj_type(self):
        return "Metric"

    def __setattr__(self, name, value):
        # Track metrics and variables assigned as attributes, like Keras does.
        tracked = self.__dict__.get("_variables")
        if tracked is not None:
            if isinstance(value, Metric) and value is not self:
                if not any(m is value for m in self._metrics):
                    self._metrics.append(value)
            elif isinstance(value, Variable) and not any(v is value for v in tracked):
                tracked.append(value)
        object.__setattr__(self, name, value)

    def _check_super_called(self):
        if "_variables" not in self.__dict__:
            raise RuntimeError(
                "You forgot to call `super().__init__()` in the `__init__()` method. Go add it!"
            )

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}>"

    def __str__(self):
        return self.__repr__()
