"""`keras.StatelessScope`: run code on given values of variables, without changing the variables.

Inside `with StatelessScope(state_mapping=[(variable, value), ...]) as scope:`, each mapped variable holds (a
copy of) its given value, so layer code reads it and updates it as usual; `scope.get_current_value(variable)`
gives its value as updated in the scope, and on exit every mapped variable gets its own value back. Variables
updated with `assign`/`assign_add`/`assign_sub` inside the scope are mapped on their first update, so they too
are left unchanged.

torchkeras's variables are the tensors that torch ops read (`nn.Parameter`s), so the scope swaps their data.
Weight regularization in the scope is computed on the given tensors themselves, so `stateless_compute_loss`
gives gradients with respect to them; `Layer.stateless_call` runs through `torch.func.functional_call`, so its
outputs too are differentiable with respect to the given tensors.
"""
import threading

import torch

from torchkeras.api_export import keras_export

_state = threading.local()


def get_stateless_scope():
    return getattr(_state, "scope", None)


def in_stateless_scope():
    return get_stateless_scope() is not None


@keras_export("keras.StatelessScope")
class StatelessScope:
    """Scope in which variables take given values and updates don't reach the variables.

    Args:
        state_mapping: `[(variable, value), ...]`: the value each variable has inside the scope.
        collect_losses: whether losses added by layers in the scope are collected in `scope.losses`.
        initialize_variables: accepted for Keras's signature (variables are always created eagerly).
    """

    def __init__(self, state_mapping=None, collect_losses=False, initialize_variables=True):
        from torchkeras.backend.variables import Variable

        self.collect_losses = collect_losses
        self.initialize_variables = initialize_variables
        self.losses = []
        self._variables = {}  # id -> variable
        self._values = {}  # id -> the value given for it (converted to its dtype and device)
        self._saved = {}  # id -> the variable's own data, while the scope is active
        self._final = {}  # id -> value at exit
        for variable, value in state_mapping or ():
            if not isinstance(variable, Variable):
                raise ValueError(
                    "Invalid reference variable in StatelessScope: all keys in argument `mapping` must be "
                    f"Variable instances. Received instead: {variable}"
                )
            value = _as_value(value, variable)
            if tuple(value.shape) != tuple(variable.shape):
                raise ValueError(
                    "Invalid variable value in StatelessScope: all values in argument `mapping` must be tensors "
                    "with a shape that matches the corresponding variable shape. For variable "
                    f"{variable.path}, received invalid value with shape {tuple(value.shape)}."
                )
            self._variables[id(variable)] = variable
            self._values[id(variable)] = value

    def __enter__(self):
        self._outer = get_stateless_scope()
        for key, variable in self._variables.items():
            self._swap_in(variable, self._values[key].detach().clone())
        _state.scope = self
        return self

    def _swap_in(self, variable, value):
        self._saved[id(variable)] = variable.data
        variable.data = value

    def map_on_update(self, variable):
        """Called before a variable is updated in the scope: a variable not mapped yet gets mapped to (a copy
        of) its current value, so the update stays in the scope."""
        key = id(variable)
        if key not in self._variables:
            self._variables[key] = variable
            self._swap_in(variable, variable.data.clone())

    def given_value(self, variable):
        """The tensor given for `variable` in `state_mapping` (gradients of computations on it reach it), or
        None."""
        return self._values.get(id(variable))

    def add_loss(self, loss):
        self.losses.append(loss)

    def get_current_value(self, variable):
        """The variable's value in the scope (None for a variable the scope never saw)."""
        key = id(variable)
        if key in self._final:
            return self._final[key]
        if key in self._saved:
            return variable.data
        return None

    def __exit__(self, *exc):
        _state.scope = self._outer
        for key, variable in self._variables.items():
            if key in self._saved:
                self._final[key] = variable.data
                variable.data = self._saved.pop(key)
        return False


def _as_value(value, variable):
    if not isinstance(value, torch.Tensor):
        import numpy as np

        value = torch.as_tensor(np.asarray(value))
    if value.dtype != variable.dtype or value.device != variable.device:
        value = value.to(device=variable.device, dtype=variable.dtype)
    return value
