"""`keras.optimizers.MultiOptimizer` and `keras.optimizers.OptimizerMap`: different optimizers for different
variables."""
import re
from collections.abc import MutableMapping

import torch

from torchkeras.api_export import keras_export
from torchkeras.backend import naming
from torchkeras.optimizers.base_optimizer import Optimizer
from torchkeras.optimizers.optimizer_utils import run_eagerly
from torchkeras.saving import serialization_lib


def _is_loss_scale_optimizer(optimizer):
    from torchkeras.mixed_precision.loss_scale_optimizer import LossScaleOptimizer

    return isinstance(optimizer, LossScaleOptimizer)


@keras_export("keras.optimizers.OptimizerMap")
class OptimizerMap(MutableMapping):
    """A mapping from variable paths (exact strings or regular expressions) to optimizers.

    `optimizer_map[path]` returns the optimizer of an exact key if there is one, else the one whose key
    `re.fullmatch`es the path (several matches raise a `ValueError`), else `default_optimizer`. To select
    every variable under a layer `encoder`, use the key `"encoder/.*"`. Calling the map on a variable looks
    up `variable.path`.

    Args:
        default_optimizer: the optimizer of the variables no key matches.
        optimizer_map: optional initial `{key: optimizer}` dict.
    """

    def __init__(self, default_optimizer, optimizer_map=None):
        if not isinstance(default_optimizer, Optimizer):
            raise TypeError(f"default_optimizer must be a Keras Optimizer instance. Received: {default_optimizer}")
        if optimizer_map is not None and not isinstance(optimizer_map, dict):
            raise TypeError(f"optimizer_map must be a dictionary. Received: {optimizer_map}")
        self._default_optimizer = default_optimizer
        self._optimizer_map = optimizer_map or dict()

    @property
    def default_optimizer(self):
        return self._default_optimizer

    def __getitem__(self, key):
        if key in self._optimizer_map:
            return self._optimizer_map[key]
        matching = [pattern for pattern in self._optimizer_map if re.fullmatch(pattern, key)]
        if len(matching) > 1:
            raise ValueError(f"Multiple optimizers assigned to variable {key}.")
        if matching:
            return self._optimizer_map[matching[0]]
        return self.default_optimizer

    def __setitem__(self, key, optimizer):
        if key in self._optimizer_map:
            raise ValueError(
                f"'{key}' already exists in the OptimizerMap with value {self._optimizer_map[key]}. Please make "
                "sure to not use duplicated keys."
            )
        if not isinstance(key, str):
            raise ValueError(f"key must be a string. Received: {key}")
        if not isinstance(optimizer, Optimizer):
            raise ValueError(f"optimizer must be a Keras Optimizer instance. Received: {optimizer}")
        if _is_loss_scale_optimizer(optimizer):
            raise ValueError("optimizer cannot be LossScaleOptimizer.")
        if isinstance(optimizer, MultiOptimizer):
            raise ValueError("optimizer cannot be MultiOptimizer.")
        self._optimizer_map[key] = optimizer

    def __delitem__(self, key):
        del self._optimizer_map[key]

    def __len__(self):
        return len(self._optimizer_map)

    def __iter__(self):
        return iter(self._optimizer_map)

    def __call__(self, variable):
        return self[variable.path]

    def get_config(self):
        return {
            "default_optimizer": serialization_lib.serialize_keras_object(self._default_optimizer),
            "optimizer_map": serialization_lib.serialize_keras_object(self._optimizer_map),
        }

    @classmethod
    def from_config(cls, config, custom_objects=None):
        default_optimizer = serialization_lib.deserialize_keras_object(config["default_optimizer"],
                                                                       custom_objects=custom_objects)
        optimizer_map = serialization_lib.deserialize_keras_object(config["optimizer_map"],
                                                                   custom_objects=custom_objects)
        return cls(default_optimizer, optimizer_map)


@keras_export("keras.optimizers.MultiOptimizer")
class MultiOptimizer(Optimizer):
    """An optimizer that hands each variable to the optimizer `optimizer_map` gives it.

    `optimizer_map` is an `OptimizerMap` or a callable `variable -> optimizer`. Each sub-optimizer is built
    on, and updates, its own variables (with its own learning rate, clipping, weight decay, EMA, ...);
    `loss_scale_factor` is set on every sub-optimizer. `optimizers` lists them. A MultiOptimizer has no
    learning rate of its own: reading or setting `learning_rate` raises an `AttributeError`. Its
    `variables` are its own (`iteration`, `learning_rate`) followed by every sub-optimizer's.

    Example:

    ```python
    optimizer = keras.optimizers.MultiOptimizer(
        keras.optimizers.OptimizerMap(keras.optimizers.SGD(), {"encoder/.*": keras.optimizers.Adam()}))
    model.compile(optimizer=optimizer, loss="mse")
    ```
    """

    def __init__(self, optimizer_map, loss_scale_factor=None, name=None):
        super().__init__(learning_rate=0.0, loss_scale_factor=loss_scale_factor, name=name)
        self._optimizer_map = optimizer_map
        self._inner_optimizers = []
        if hasattr(optimizer_map, "values"):
            for optimizer in optimizer_map.values():
                self._adopt(optimizer)
        default = getattr(optimizer_map, "default_optimizer", None)
        if default is not None:
            self._adopt(default)

    def _adopt(self, optimizer):
        if not any(optimizer is known for known in self._inner_optimizers):
            optimizer.loss_scale_factor = self.loss_scale_factor
            self._inner_optimizers.append(optimizer)

    def _index_of_optimizer(self, optimizer):
        for i, known in enumerate(self._inner_optimizers):
            if known is optimizer:
                return i
        return None

    def build(self, var_list):
        if self.built:
            return
        var_list = list(var_list)
        self._var_to_optimizer_idx = {}
        for variable in var_list:
            optimizer = self._optimizer_map(variable)
            if not isinstance(optimizer, Optimizer):
                raise ValueError(f"Optimizer for variable {variable} is not an Optimizer instance.")
            if _is_loss_scale_optimizer(optimizer):
                raise ValueError("LossScaleOptimizer cannot be used inside an MultiOptimizer.")
            if isinstance(optimizer, MultiOptimizer):
                raise ValueError("MultiOptimizer cannot be used inside an MultiOptimizer.")
            self._adopt(optimizer)
            self._var_to_optimizer_idx[self._var_key(variable)] = self._index_of_optimizer(optimizer)
        for optimizer, variables in zip(self._inner_optimizers, self._split(var_list)):
            if variables:
                with naming.name_scope(optimizer.name, caller=optimizer):
                    optimizer.build(variables)
        super().build(var_list)

    def _split(self, variables, values=None):
        """`variables` (or `values`, aligned with them) grouped per sub-optimizer."""
        out = [[] for _ in self._inner_optimizers]
        for i, variable in enumerate(variables):
            out[self._var_to_optimizer_idx[self._var_key(variable)]].append(
                variable if values is None else values[i])
        return out

    @property
    def optimizers(self):
        """The sub-optimizers, in the order they were first met."""
        return self._inner_optimizers

    @property
    def variables(self):
        variables = self._variables[:]
        for optimizer in self._inner_optimizers:
            variables.extend(optimizer.variables)
        return variables

    @property
    def learning_rate(self):
        raise AttributeError(
            "Learning rate cannot be accessed on a MultiOptimizer. Access the learning rate on the individual "
            "sub-optimizers instead."
        )

    @learning_rate.setter
    def learning_rate(self, value):
        raise AttributeError(
            "Learning rate cannot be set on a MultiOptimizer. Set the learning rate on the individual "
            "sub-optimizers instead."
        )

    @property
    def loss_scale_factor(self):
        return getattr(self, "_loss_scale_factor", None)

    @loss_scale_factor.setter
    def loss_scale_factor(self, value):
        self._loss_scale_factor = value
        for optimizer in getattr(self, "_inner_optimizers", ()):
            optimizer.loss_scale_factor = value

    @property
    def iterations(self):
        return self._iterations

    def apply(self, grads, trainable_variables=None):
        """Give each sub-optimizer the gradients of its variables, then count one step."""
        if torch.compiler.is_compiling():  # the step counter is a host count
            return run_eagerly(self.apply, grads, trainable_variables)
        grads = list(grads)
        if len(grads) == 0:
            return
        if trainable_variables is None:
            if not self.built:
                raise ValueError(
                    "When passing `grads` without `variables`, the optimizer must already be built on a list of "
                    "variables. Call `optimizer.build(trainable_variables)` first."
                )
            trainable_variables = self._trainable_variables
        trainable_variables = list(trainable_variables)
        if not self.built:
            self.build(trainable_variables)
        if len(grads) != len(self._trainable_variables_indices):
            raise ValueError(
                "Gradients must match trainable variables one-to-one. Received "
                f"{len(grads)} gradients and {len(self._trainable_variables_indices)} variables."
            )
        self._check_variables_are_known(trainable_variables)
        for optimizer, sub_grads, sub_vars in zip(self._inner_optimizers, self._split(trainable_variables, grads),
                                                  self._split(trainable_variables)):
            if sub_grads:
                optimizer.apply(sub_grads, sub_vars)
        self._set_iteration(self._current_iteration() + 1)

    def step(self, closure=None):
        """torch API: update every sub-optimizer's variables that have a `.grad`, then count one step."""
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        self._require_built("step")
        with torch.no_grad():
            for optimizer, variables in zip(self._inner_optimizers, self._split(self._trainable_variables)):
                with_grad = [v for v in variables if v.grad is not None]
                if with_grad:
                    optimizer.apply([v.grad for v in with_grad], with_grad)
        self._set_iteration(self._current_iteration() + 1)
        return loss

    def state_dict(self):
        """torch API: the step count and each built sub-optimizer's `state_dict()`."""
        self._require_built("state_dict")
        return {"iteration": self._current_iteration(),
                "optimizers": [o.state_dict() if o.built else None for o in self._inner_optimizers]}

    def load_state_dict(self, state_dict):
        self._require_built("load_state_dict")
        saved = state_dict["optimizers"]
        if len(saved) != len(self._inner_optimizers):
            raise ValueError(
                f"The state dict holds {len(saved)} sub-optimizers but this MultiOptimizer has "
                f"{len(self._inner_optimizers)}."
            )
        for optimizer, entry in zip(self._inner_optimizers, saved):
            if entry is not None:
                optimizer.load_state_dict(entry)
        self._set_iteration(int(state_dict["iteration"]))

    def finalize_variable_values(self, var_list):
        for optimizer, variables in zip(self._inner_optimizers, self._split(list(var_list))):
            if variables:
                optimizer.finalize_variable_values(variables)

    def get_weights(self):
        return [v.numpy() for v in self.variables]

    def set_weights(self, weights):
        if not self.built:
            raise ValueError(
                "You are calling `set_weights()` on an optimizer that has not yet been built. Please call "
                "`optimizer.build(trainable_variables)` to create the optimizer weights before calling "
                "`set_weights()`."
            )
        weights = list(weights)
        own = len(self._variables)
        for variable, weight in zip(self._variables, weights[:own]):
            variable.assign(weight)
        start = own
        for optimizer in self._inner_optimizers:
            count = len(optimizer.variables)
            if count:
                optimizer.set_weights(weights[start:start + count])
                start += count

    def _keras_saveable_children(self):
        # Keras's walk also saves each sub-optimizer under `<path>/optimizers/<snake_case class name>`.
        return [("optimizers", list(self._inner_optimizers))]

    def get_config(self):
        return {
            "optimizer_map": serialization_lib.serialize_keras_object(self._optimizer_map),
            "loss_scale_factor": self.loss_scale_factor,
            "name": self.name,
        }

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        config["optimizer_map"] = serialization_lib.deserialize_keras_object(config["optimizer_map"],
                                                                             custom_objects=custom_objects)
        return cls(**config)
