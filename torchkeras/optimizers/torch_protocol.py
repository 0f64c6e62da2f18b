"""The `torch.optim.Optimizer` side of a Keras optimizer: param groups, state, step, zero_grad, state_dict.

Keras optimizers are created without variables, so this is set up by `build()` rather than in `__init__`.
`state[variable]` maps slot names (`"momentum"`, `"velocity"`, ...) to the Keras slot variables themselves,
so torch tooling sees the live state; `state_dict()` returns plain tensors (loadable with
`torch.load(weights_only=True)`) and `load_state_dict()` copies values back in place.
"""
import collections

import torch

from torchkeras.optimizers.learning_rate_state import LR_VARIABLE
from torchkeras.optimizers.optimizer_utils import run_eagerly

HOOK_ATTRS = (
    "_optimizer_step_pre_hooks",
    "_optimizer_step_post_hooks",
    "_optimizer_state_dict_pre_hooks",
    "_optimizer_state_dict_post_hooks",
    "_optimizer_load_state_dict_pre_hooks",
    "_optimizer_load_state_dict_post_hooks",
)


class TorchOptimizerProtocol(torch.optim.Optimizer):
    """Mixin of `Optimizer` implementing the torch API on top of the Keras variables."""

    def _init_torch_hooks(self):
        """Create torch's hook registries so hooks can be registered before `build()`."""
        for attr in HOOK_ATTRS:
            setattr(self, attr, collections.OrderedDict())
        self._patch_step_function()

    def _init_torch_optimizer(self, variables):
        """Set up the `torch.optim.Optimizer` state: one param group holding the variables.

        This is what `torch.optim.Optimizer.__init__` sets, without its `add_param_group`, whose
        `torch._disable_dynamo` wrapper imports `torch._dynamo` (seconds) on first use.
        """
        lr = self._initial_group_lr()
        self.defaults = {"lr": lr}
        self.state = collections.defaultdict(dict)
        self.param_groups = [{"params": list(variables), "lr": lr}]
        self._warned_capturable_if_run_uncaptured = True
        self._group_lr_seen = lr

    def _fill_torch_state(self):
        self.state.clear()
        slot_lists = dict(self._slot_lists())
        if self.use_ema:
            slot_lists["average"] = self._model_variables_moving_average
        if self.gradient_accumulation_steps:
            slot_lists["gradient_accumulator"] = self._accumulated_gradients
        for i, variable in enumerate(self._trainable_variables):
            entry = {name: slots[i] for name, slots in slot_lists.items()
                     if isinstance(slots[i], torch.Tensor)}
            if entry:
                self.state[variable] = entry

    def add_param_group(self, param_group):
        """Not supported: a Keras optimizer updates the one list of variables it is built with."""
        raise ValueError(
            "A Keras optimizer updates the list of variables it was built with (`optimizer.build(variables)` or "
            "the first `apply`): `add_param_group()` is not supported. To optimize a new set of variables, "
            "create a new optimizer instance."
        )

    def step(self, closure=None):
        """torch API: update the built variables from their `.grad` (variables without one are skipped).

        `closure`, if given, re-evaluates the model and returns the loss (it runs with gradients enabled).
        """
        if torch.compiler.is_compiling():
            return run_eagerly(self.step, closure)
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        if not self.built:
            raise ValueError(
                f"`{type(self).__name__}.step()` updates the variables the optimizer was built with, but it is "
                "not built yet. Call `optimizer.build(variables)` first (or `optimizer.apply(grads, variables)`)."
            )
        variables = self._trainable_variables
        grads = []
        indices = []
        for i, p in enumerate(variables):
            if p.grad is not None:
                grads.append(p.grad)
                indices.append(i)
        if not grads:
            return loss
        with torch.no_grad():
            self._apply_core(grads, None if len(grads) == len(variables) else indices)
        return loss

    def zero_grad(self, set_to_none=True):
        """torch API: reset the gradients of the built variables (nothing to do before `build`).

        With `set_to_none=True` (the default) the gradients become `None`, else zeros.
        """
        if not self.built:
            return
        for group in self.param_groups:
            for p in group["params"]:
                grad = p.grad
                if grad is None:
                    continue
                if set_to_none:
                    p.grad = None
                else:
                    if grad.grad_fn is not None:
                        grad.detach_()
                    else:
                        grad.requires_grad_(False)
                    grad.zero_()

    def state_dict(self):
        """torch API: `{"state": {index: {slot name: tensor}}, "param_groups": [...]}` (torch's layout) plus
        the Keras iteration counter and other non-slot variables under `"keras"`. Built optimizers only.

        The tensors are detached views of the live state (like torch's); they are plain tensors.
        """
        self._require_built("state_dict")
        self._ensure_plan()
        self._host_learning_rate(self._current_iteration())
        for hook in self._optimizer_state_dict_pre_hooks.values():
            hook(self)
        index_of = {}
        groups = []
        for group in self.param_groups:
            packed_group = {key: value for key, value in group.items() if key != "params"}
            packed_group["params"] = []
            for p in group["params"]:
                index_of.setdefault(id(p), len(index_of))
                packed_group["params"].append(index_of[id(p)])
            groups.append(packed_group)
        state = {
            index_of[id(param)]: {key: (value.detach() if isinstance(value, torch.Tensor) else value)
                                  for key, value in entries.items()}
            for param, entries in self.state.items()
        }
        packed = {
            "state": state,
            "param_groups": groups,
            "keras": {
                "iteration": self._current_iteration(),
                "variables": [v.detach().clone() for v in self._non_slot_variables()],
            },
        }
        for hook in self._optimizer_state_dict_post_hooks.values():
            result = hook(self, packed)
            if result is not None:
                packed = result
        return packed

    def _non_slot_variables(self):
        """The variables that are not per-parameter state, except `iteration` (e.g. `learning_rate`)."""
        slot_ids = {id(t) for entries in self.state.values() for t in entries.values()}
        return [v for v in self._variables if id(v) not in slot_ids and v is not self._iterations]

    def load_state_dict(self, state_dict):
        """torch API: restore what `state_dict()` returned, in place (the variables stay the same objects)."""
        self._require_built("load_state_dict")
        self._ensure_plan()
        for hook in self._optimizer_load_state_dict_pre_hooks.values():
            result = hook(self, state_dict)
            if result is not None:
                state_dict = result
        saved_groups = state_dict["param_groups"]
        if len(saved_groups) != len(self.param_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        for saved, group in zip(saved_groups, self.param_groups):
            if len(saved["params"]) != len(group["params"]):
                raise ValueError(
                    "loaded state dict contains a parameter group that doesn't match the size of optimizer's group"
                )
        index_to_param = {}
        for saved, group in zip(saved_groups, self.param_groups):
            index_to_param.update(zip(saved["params"], group["params"]))
        with torch.no_grad():
            for index, entries in state_dict["state"].items():
                param = index_to_param[index]
                own = self.state.get(param, {})
                for key, value in entries.items():
                    if key not in own:
                        raise ValueError(
                            f"Unknown optimizer state '{key}' for parameter {index}: this {type(self).__name__} "
                            f"has the states {sorted(own)}."
                        )
                    own[key].copy_(torch.as_tensor(value))
            for saved, group in zip(saved_groups, self.param_groups):
                for key, value in saved.items():
                    if key not in ("params", "param_names"):
                        group[key] = value
            extra = state_dict.get("keras", {})
            saved_variables = extra.get("variables", [])
            own_variables = self._non_slot_variables()
            if len(saved_variables) != len(own_variables):
                raise ValueError(
                    f"The state dict holds {len(saved_variables)} optimizer-level variables but this "
                    f"{type(self).__name__} has {len(own_variables)} ({[v.name for v in own_variables]})."
                )
            for variable, value in zip(own_variables, saved_variables):
                variable.copy_(torch.as_tensor(value))
            if "iteration" in extra:
                self._set_iteration(int(extra["iteration"]))
            if self._lr_kind == LR_VARIABLE:
                self._lr_version = -1
                self._group_lr_seen = None
                self._learning_rate.fill_(float(self.param_groups[0]["lr"]))
        for hook in self._optimizer_load_state_dict_post_hooks.values():
            hook(self)

    def _require_built(self, what):
        if not self.built:
            raise ValueError(
                f"`{what}()` needs a built optimizer. Call `optimizer.build(variables)` (or apply gradients once) "
                "first."
            )

    def __getstate__(self):
        return self.__dict__.copy()

    def __setstate__(self, state):
        self.__dict__.update(state)
        self._patch_step_function()
        # Copies (pickle, deepcopy) hold new variable objects: rebuild everything keyed by identity.
        self._trainable_variables_indices = {self._var_key(v): i for i, v in enumerate(self._trainable_variables)}
        self._trainable_ids = [id(v) for v in self._trainable_variables]
        excluded = getattr(self, "_exclude_from_weight_decay_variables", None)
        if excluded is not None:
            self._exclude_from_weight_decay = set(self._var_key(v) for v in excluded)
        self._full_plan = None
        self._plans = {}

    def __repr__(self):
        if not self.built:
            return f"<{type(self).__name__} name={self.name}, built=False>"
        return super().__repr__()
