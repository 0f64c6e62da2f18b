"""`keras.optimizers.Optimizer`: Keras's optimizer API on top of `torch.optim.Optimizer`.

Keras optimizers are created without variables and built on the first `apply(grads, variables)`. The torch
side (`param_groups`, `state`, `state_dict()`, `zero_grad()`, `step()`) is set up by `build`, so an
optimizer is a working `torch.optim.Optimizer` once built.

`apply` follows Keras's pipeline, in this order: drop `None` gradients (with a warning), unscale by
`loss_scale_factor`, gradient accumulation, clipping (`clipnorm` per tensor, `global_clipnorm`, `clipvalue`),
decoupled weight decay (`w -= w * weight_decay * lr`), the update rule, EMA of the weights, constraints,
then `iterations += 1`.

Per step, everything host-side (the learning rate, the step count, bias corrections) is a Python number:
the iteration counter and the learning rate are CPU variables mirrored by Python values, re-read only when
something else writes to them. Device work is `torch._foreach_*` over lists prepared once at build time.
"""
import re
import warnings

import numpy as np
import torch

from torchkeras.api_export import keras_export
from torchkeras.backend import config as backend_config
from torchkeras.backend import dtypes
from torchkeras.backend import naming
from torchkeras.backend.device import get_device
from torchkeras.backend.variables import Variable
from torchkeras.distribution import dtensor_utils
from torchkeras.optimizers import clipping
from torchkeras.optimizers.learning_rate_state import LR_VARIABLE
from torchkeras.optimizers.learning_rate_state import LearningRateState
from torchkeras.optimizers.optimizer_utils import initial_value
from torchkeras.optimizers.optimizer_utils import run_eagerly
from torchkeras.optimizers.optimizer_utils import to_python
from torchkeras.optimizers.optimizer_utils import to_tensor_like
from torchkeras.optimizers.schedules.learning_rate_schedule import LearningRateSchedule
from torchkeras.optimizers.torch_protocol import TorchOptimizerProtocol
from torchkeras.optimizers.update_plan import UpdatePlan


@keras_export("keras.optimizers.Optimizer", "keras.Optimizer", "keras.optimizers.legacy.Optimizer")
class Optimizer(LearningRateState, TorchOptimizerProtocol):
    """Base class of Keras optimizers (a `torch.optim.Optimizer` once built).

    To write an optimizer, subclass it, create slot variables in `build(var_list)` (call `super().build`
    first, then `add_variable_from_reference`) and implement `update_step(gradient, variable,
    learning_rate)` and `get_config()`.

    Args:
        learning_rate: a float, a `keras.optimizers.schedules.LearningRateSchedule`, or a callable that
            takes no argument and returns the learning rate.
        weight_decay: if set, decoupled weight decay `w -= w * weight_decay * lr` before each update.
        clipnorm: if set, each gradient is clipped to this L2 norm.
        clipvalue: if set, each gradient element is clipped to `[-clipvalue, clipvalue]`.
        global_clipnorm: if set, all gradients are scaled so that their global L2 norm is at most this.
        use_ema: keep an exponential moving average of the weights (`finalize_variable_values` copies it
            into the weights; `fit` does this at the end of training).
        ema_momentum: the EMA momentum, default 0.99.
        ema_overwrite_frequency: if set, the weights are overwritten with their average every this many
            steps.
        loss_scale_factor: if set, the loss is multiplied by it (`scale_loss`) and gradients divided by it.
        gradient_accumulation_steps: if set (>= 2), variables are updated every this many steps with the
            mean of the accumulated gradients.
        name: the optimizer's name (default: the snake_case class name, made unique).
    """

    def __init__(
        self,
        learning_rate,
        weight_decay=None,
        clipnorm=None,
        clipvalue=None,
        global_clipnorm=None,
        use_ema=False,
        ema_momentum=0.99,
        ema_overwrite_frequency=None,
        loss_scale_factor=None,
        gradient_accumulation_steps=None,
        name=None,
        **kwargs,
    ):
        if "lr" in kwargs:
            # Keras 2 spelling; Keras 3 rejects it, torchkeras accepts it so that Keras 2 scripts run.
            warnings.warn(
                "The `lr` argument is deprecated, use `learning_rate` instead.", stacklevel=3
            )
            learning_rate = kwargs.pop("lr")
            if isinstance(learning_rate, int) and not isinstance(learning_rate, bool):
                learning_rate = float(learning_rate)
        decay = kwargs.pop("decay", None)  # Keras 2: lr / (1 + decay * iterations); see `_update`
        if decay:
            from torchkeras.utils.keras2_paths import warn_once

            warn_once("decay=", "learning_rate=keras.optimizers.schedules.InverseTimeDecay(lr, 1, decay)",
                      stacklevel=4, what="Keras 2's time-based learning-rate decay argument of the optimizers")
        if kwargs:
            raise ValueError(f"Argument(s) not recognized: {kwargs}")

        self.name = name if name is not None else naming.auto_name(naming.to_snake_case(type(self).__name__))
        self.decay = float(decay) if decay else 0.0
        self.weight_decay = weight_decay
        self.clipnorm = clipnorm
        self.global_clipnorm = global_clipnorm
        self.clipvalue = clipvalue
        self.use_ema = use_ema
        self.loss_scale_factor = loss_scale_factor
        self.gradient_accumulation_steps = gradient_accumulation_steps
        if gradient_accumulation_steps:
            if not gradient_accumulation_steps >= 2:
                raise ValueError(
                    "`gradient_accumulation_steps` must be an integer >= 2. "
                    f"Received: gradient_accumulation_steps={gradient_accumulation_steps}"
                )
        if use_ema:
            if ema_momentum > 1 or ema_momentum < 0:
                raise ValueError(f"`ema_momentum` must be in the range [0, 1]. Received: ema_momentum={ema_momentum}")
            if ema_overwrite_frequency and (
                not isinstance(ema_overwrite_frequency, int) or ema_overwrite_frequency < 1
            ):
                raise ValueError(
                    "`ema_overwrite_frequency` must be an integer >= 1 or None. "
                    f"Received: ema_overwrite_frequency={ema_overwrite_frequency}"
                )
        self.ema_momentum = ema_momentum
        self.ema_overwrite_frequency = ema_overwrite_frequency
        if sum(a is not None for a in (clipnorm, clipvalue, global_clipnorm)) > 1:
            raise ValueError(
                "Only one of `clipnorm`, `clipvalue` and `global_clipnorm` can be set. "
                f"Received: clipnorm={clipnorm}, clipvalue={clipvalue}, global_clipnorm={global_clipnorm}"
            )
        self.built = False
        self._variables = []
        self._trainable_variables = []
        self._trainable_variables_indices = {}
        self._trainable_ids = []
        self._full_plan = None
        self._plans = {}
        self._has_overwrite = False
        self._ema_lists = None
        self._lr_fed = False  # see `_feed_compiled_step`
        self._traced_lr = None
        self._init_torch_hooks()

        with naming.name_scope(self.name, caller=self):
            iterations = Variable(0, name="iteration", dtype="int32", trainable=False,
                                  aggregation="only_first_replica", device="cpu")
        self._track_variable(iterations)
        self._iterations = iterations
        self._iter_count = 0
        self._iter_version = iterations._version
        self._set_learning_rate(learning_rate, validate=True)

    # Keras 2's optimizers took `epsilon=None` to mean `K.epsilon()`.
    @property
    def epsilon(self):
        if "_epsilon" not in self.__dict__:
            raise AttributeError(f"'{type(self).__name__}' object has no attribute 'epsilon'")
        return self.__dict__["_epsilon"]

    @epsilon.setter
    def epsilon(self, value):
        self.__dict__["_epsilon"] = backend_config.epsilon() if value is None else value

    # --- iterations ----------------------------------------------------------------------------------
    @property
    def iterations(self):
        """The number of updates applied (with gradient accumulation: the number of accumulated updates)."""
        if self.gradient_accumulation_steps:
            return torch.tensor(self._current_iteration() // self.gradient_accumulation_steps, dtype=torch.int32)
        return self._iterations

    def _current_iteration(self):
        """The raw step counter `_iterations` as a Python int (re-read only if something else wrote it)."""
        variable = self._iterations
        if variable._version != self._iter_version:
            self._iter_count = int(variable.item())
            self._iter_version = variable._version
        return self._iter_count

    def _set_iteration(self, value):
        self._iterations.fill_(value)
        self._iter_count = value
        self._iter_version = self._iterations._version

    # --- variables -----------------------------------------------------------------------------------
    @property
    def variables(self):
        """`iteration`, `learning_rate` (unless it is a schedule), then the optimizer's other variables."""
        return self._variables[:]

    def _track_variable(self, variable):
        self._variables.append(variable)

    def _untrack_variable(self, variable):
        self._variables = [v for v in self._variables if v is not variable]

    def _var_key(self, variable):
        return id(variable)

    def _get_variable_index(self, variable):
        return self._trainable_variables_indices[self._var_key(variable)]

    def add_variable(self, shape, initializer="zeros", dtype=None, aggregation="none", layout=None, name=None,
                     device=None):
        """Create and track an optimizer variable (not trainable), named `<optimizer name>/<name>`."""
        shape = tuple(int(d) for d in shape)
        torch_dtype = dtypes.to_torch_dtype(dtype if dtype is not None else backend_config.floatx())
        device = torch.device(device) if device is not None else get_device()
        value = initial_value(initializer, shape, torch_dtype, device)
        with naming.name_scope(self.name, caller=self):
            variable = Variable(value, dtype=torch_dtype, trainable=False, aggregation=aggregation, name=name,
                                device=device)
        self._track_variable(variable)
        return variable

    def add_variable_from_reference(self, reference_variable, name=None, initializer="zeros"):
        """Create a variable shaped like `reference_variable` (same dtype and device), named
        `{reference path with '/' replaced by '_'}_{name}` (e.g. `seq_dense_kernel_momentum`)."""
        name = name or "var"
        if dtensor_utils.is_dtensor(reference_variable):  # keras.distribution: a slot sharded like its variable
            return self._add_sharded_slot(reference_variable, name, initializer)
        path = getattr(reference_variable, "path", None)
        if isinstance(path, str):
            prefix = path.replace("/", "_")
        else:
            ref_name = getattr(reference_variable, "name", None)
            prefix = str(ref_name).replace("/", "_").replace(":", "_") if ref_name else "variable"
        slot = self.add_variable(shape=tuple(reference_variable.shape), initializer=initializer,
                                 dtype=reference_variable.dtype, name=f"{prefix}_{name}",
                                 device=reference_variable.device)
        if isinstance(reference_variable, torch.Tensor) and slot.stride() != reference_variable.stride():
            # Same memory layout as the variable (e.g. Dense kernels are stored column-major), so the
            # foreach updates walk every tensor contiguously.
            with torch.no_grad():
                slot.data = torch.empty_strided(tuple(slot.shape), reference_variable.stride(), dtype=slot.dtype,
                                                device=slot.device).copy_(slot.data)
        return slot

    def _add_sharded_slot(self, reference_variable, name, initializer):
        """keras.distribution: a slot for a sharded (DTensor) variable, split the same way: only this process's
        shard is allocated, laid out like the variable's shard."""
        from torchkeras.distribution import sharded_variable

        local = reference_variable.to_local()
        value = initial_value(initializer, tuple(local.shape), reference_variable.dtype, local.device)
        slot = sharded_variable.slot_like(reference_variable, value)
        slot._keras_name = f"{reference_variable.path.replace('/', '_')}_{name}"
        with naming.name_scope(self.name, caller=self):
            scope = naming.current_path()
        slot._keras_path = f"{scope}/{slot._keras_name}" if scope else slot._keras_name
        slot._trainable = False
        slot._autocast = True
        slot.aggregation = "none"
        slot.synchronization = "auto"
        slot.constraint = slot.regularizer = None
        slot.overwrite_with_gradient = False
        self._track_variable(slot)
        return slot

    def add_optimizer_variables(self, trainable_variables, name, initializer="zeros"):
        """For each variable, add a slot per name (interleaved, like Keras). Returns a list, or a tuple of
        lists when `name` is a list. A variable with `overwrite_with_gradient` gets `None` slots."""
        names = [name] if isinstance(name, str) else list(name)
        if isinstance(initializer, (list, tuple)):
            initializers = list(initializer)
        else:
            initializers = [initializer] * len(names)
        if len(names) != len(initializers):
            raise ValueError(
                "The number of provided names must match the number of provided initializers.  "
                f"Received name='{name}', initializer='{initializer}'"
            )
        result = tuple([] for _ in names)
        for variable in trainable_variables:
            overwrite = getattr(variable, "overwrite_with_gradient", False)
            for i, (slot_name, slot_init) in enumerate(zip(names, initializers)):
                result[i].append(
                    None if overwrite else self.add_variable_from_reference(variable, slot_name, slot_init)
                )
        return result[0] if isinstance(name, str) else result

    def _slot_lists(self):
        """`{slot name: list aligned with the trainable variables}` used by the fused update (subclasses)."""
        return {}

    # --- build ---------------------------------------------------------------------------------------
    def build(self, variables):
        """Create the optimizer's variables for `variables` (called by the first `apply`)."""
        variables = list(variables)
        if self.use_ema:
            self._model_variables_moving_average = self.add_optimizer_variables(variables, "average")
        if self.gradient_accumulation_steps:
            self._accumulated_gradients = [
                self.add_variable_from_reference(v, name="gradient_accumulator") for v in variables
            ]
        self._trainable_variables_indices = {self._var_key(v): i for i, v in enumerate(variables)}
        self._trainable_variables = variables[:]
        self._trainable_ids = [id(v) for v in variables]
        self._has_overwrite = any(getattr(v, "overwrite_with_gradient", False) for v in variables)
        self._init_torch_optimizer(variables)
        self._full_plan = None
        self._plans = {}
        self.built = True

    def _ensure_plan(self):
        if self._full_plan is None:
            self._full_plan = UpdatePlan(self, range(len(self._trainable_variables)))
            self._fill_torch_state()
            self._ema_lists = None
            if self.use_ema:
                pairs = [(a, v) for a, v in zip(self._model_variables_moving_average, self._trainable_variables)
                         if a is not None]
                self._ema_lists = ([a for a, _ in pairs], [v for _, v in pairs])
        return self._full_plan

    def _plan_for(self, indices):
        if indices is None:
            return self._full_plan if self._full_plan is not None else self._ensure_plan()
        self._ensure_plan()
        key = tuple(indices)
        plan = self._plans.get(key)
        if plan is None:
            if len(self._plans) > 64:
                self._plans.clear()
            plan = self._plans[key] = UpdatePlan(self, indices)
        return plan

    # --- apply ---------------------------------------------------------------------------------------
    def apply_gradients(self, grads_and_vars):
        """Apply `[(gradient, variable), ...]`; returns the iteration counter (like tf.keras)."""
        grads_and_vars = list(grads_and_vars)
        if not grads_and_vars:
            return self._iterations
        grads, trainable_variables = zip(*grads_and_vars)
        self.apply(grads, trainable_variables)
        return self._iterations

    def apply(self, grads, trainable_variables=None):
        """Update `trainable_variables` with `grads` (one per variable; `None` gradients are skipped).

        Without `trainable_variables`, the optimizer must be built and `grads` match the variables it was
        built with, one to one. The first call with variables builds the optimizer.
        """
        if torch.compiler.is_compiling() and not self._update_traces_in_graph():
            return run_eagerly(self.apply, grads, trainable_variables)
        grads = list(grads)
        if len(grads) == 0:
            return
        if trainable_variables is None:
            if not self.built:
                raise ValueError(
                    "When passing `grads` without `variables`, the optimizer must already be built on a list of "
                    "variables. Call `optimizer.build(trainable_variables)` first. "
                )
            if len(grads) != len(self._trainable_variables_indices):
                raise ValueError(
                    "When passing `grads` as a list of gradient tensors, the gradients must match "
                    f"`optimizer.variables` one-to-on. Received a list of {len(grads)} gradients, but the "
                    f"optimizer is tracking {len(self._trainable_variables)} trainable variables."
                )
            variables = self._trainable_variables
            indices = None
        else:
            variables = list(trainable_variables)
            if len(variables) != len(grads):
                raise ValueError(
                    f"Expected one gradient per variable. Received {len(grads)} gradients for "
                    f"{len(variables)} variables."
                )
            if not self.built:
                with naming.name_scope(self.name, caller=self):
                    self.build(variables)
                self.built = True
            indices = self._indices_of(variables)

        with torch.no_grad():
            grads, variables, indices = self._prepare_gradients(grads, variables, indices)
            if self._has_overwrite:
                grads, variables, indices = self._overwrite_variables_directly_with_gradients(
                    grads, variables, indices
                )
            if grads:
                self._apply_core(grads, indices)
            else:
                self._set_iteration(self._current_iteration() + 1)

    def stateless_apply(self, optimizer_variables, grads, trainable_variables):
        """`apply(grads)` on the given values of the optimizer's variables and of the trainable variables it
        was built with; returns `(trainable_variables, optimizer_variables)`, the new values (the variables
        themselves are unchanged)."""
        from torchkeras.backend.stateless_scope import StatelessScope

        if not self.built:
            raise ValueError("To call `stateless_apply`, the optimizer must be built: call `build(variables)`.")
        own_trainable, own_variables = list(self._trainable_variables), list(self.variables)
        if len(optimizer_variables) != len(own_variables):
            raise ValueError(
                f"Argument `optimizer_variables` must be a list of tensors corresponding 1:1 to "
                f"{type(self).__name__}().variables. Received list with length {len(optimizer_variables)}, but "
                f"expected {len(own_variables)} variables."
            )
        if len(trainable_variables) != len(own_trainable):
            raise ValueError(
                "Argument `trainable_variables` must be a list of tensors corresponding 1:1 to the variables "
                f"the optimizer was built with. Received list with length {len(trainable_variables)}, but "
                f"expected {len(own_trainable)} variables."
            )
        mapping = list(zip(own_variables, optimizer_variables)) + list(zip(own_trainable, trainable_variables))
        with StatelessScope(state_mapping=mapping) as scope:
            self.apply(grads, own_trainable)
        return ([scope.get_current_value(v) for v in own_trainable],
                [scope.get_current_value(v) for v in own_variables])

    def minimize(self, loss, var_list, tape=None):
        """Keras 2 API: compute the gradients of `loss` with respect to `var_list` and apply them.

        `loss` is a scalar tensor (still attached to its graph) or a zero-argument callable returning one;
        `var_list` a list of variables or a callable returning it. `tape` is accepted for compatibility and
        ignored (autograd records the graph). Returns the iteration counter.
        """
        variables = list(var_list() if callable(var_list) else var_list)
        with torch.enable_grad():
            value = loss() if callable(loss) else loss
            grads = torch.autograd.grad(value, variables, allow_unused=True)
        self.apply(grads, variables)
        return self._iterations

    def _indices_of(self, variables):
        """`None` when `variables` is exactly the built list, else their indices in it."""
        if len(variables) == len(self._trainable_ids) and list(map(id, variables)) == self._trainable_ids:
            return None
        lookup = self._trainable_variables_indices
        indices = []
        for v in variables:
            index = lookup.get(self._var_key(v))
            if index is None:
                raise ValueError(
                    f"Unknown variable: {v}. This optimizer can only be called for the variables it was "
                    "originally built with. When working with a new set of variables, you should recreate a "
                    "new optimizer instance."
                )
            indices.append(index)
        return indices

    def _prepare_gradients(self, grads, variables, indices):
        """Convert gradients to tensors like their variables, and drop `None` ones (Keras's warning)."""
        kept_grads = []
        kept_positions = []
        missing = []
        traced = torch.compiler.is_compiling()  # (dynamo cannot read `.grad` of a Variable)
        for position, (g, v) in enumerate(zip(grads, variables)):
            if g is None:
                missing.append(getattr(v, "path", None) or getattr(v, "name", None) or f"variable {position}")
                continue
            if traced or g is not v.grad:  # autograd's own `.grad` already matches its variable
                if not isinstance(g, torch.Tensor) or g.dtype != v.dtype or g.device != v.device:
                    g = to_tensor_like(g, v)
                if g.is_sparse:
                    g = g.to_dense()
                if g.shape != v.shape:
                    raise ValueError(
                        "Each gradient must have the shape of its variable. Received a gradient of shape "
                        f"{tuple(g.shape)} for variable {getattr(v, 'path', position)} of shape {tuple(v.shape)}."
                    )
            elif g.is_sparse:
                g = g.to_dense()
            kept_grads.append(g)
            kept_positions.append(position)
        if not kept_grads:
            raise ValueError("No gradients provided for any variable.")
        if missing:
            warnings.warn(
                f"Gradients do not exist for variables {missing} when minimizing the loss. If using "
                "`model.compile()`, did you forget to provide a `loss` argument?",
                stacklevel=3,
            )
            full = indices if indices is not None else range(len(variables))
            indices = [full[p] for p in kept_positions]
            variables = [variables[p] for p in kept_positions]
        return kept_grads, variables, indices

    def _overwrite_variables_directly_with_gradients(self, grads, variables, indices):
        """Variables with `overwrite_with_gradient=True` take their gradient as value (e.g. float8 scales)."""
        full = indices if indices is not None else list(range(len(variables)))
        keep = []
        steps = self.gradient_accumulation_steps
        for position, (g, v) in enumerate(zip(grads, variables)):
            if not getattr(v, "overwrite_with_gradient", False):
                keep.append(position)
                continue
            if steps:
                accumulator = self._accumulated_gradients[full[position]]
                merged = torch.maximum(g, accumulator)
                if (self._current_iteration() + 1) % steps == 0:
                    v.copy_(merged)
                    accumulator.zero_()
                else:
                    accumulator.copy_(merged)
            else:
                v.copy_(g)
        if len(keep) == len(grads):
            return grads, variables, indices
        return [grads[p] for p in keep], [variables[p] for p in keep], [full[p] for p in keep]

    # Optimizers whose update rule takes the step and the learning rate as tensors too (see `optimizer_utils`).
    _update_traces = False

    def _update_traces_in_graph(self):
        """Whether `apply` can be traced into a compiled train step (`jit_compile=True`) instead of running
        eagerly between two graphs: the update rule takes tensors, the learning rate is a variable (read in
        the graph, so changing it never recompiles), and nothing in the step depends on the host step count
        (gradient accumulation, EMA, gradient overwrites, a custom `update_step`). A schedule or callable
        learning rate traces only inside `jit_compile=True`'s own train function (`_feed_compiled_step`).

        The step counter and the learning rate live on the CPU, so this holds for CPU variables: on CUDA a
        CPU input would keep torch from running the step as a CUDA graph, and the update runs between the
        graphs instead."""
        return (self._update_traces and self.built and (self._lr_kind == LR_VARIABLE or self._lr_fed)
                and not self.gradient_accumulation_steps and not self.use_ema and not self._has_overwrite
                and type(self).update_step is Optimizer.update_step
                and all(v.device.type == "cpu" and not dtensor_utils.is_dtensor(v)
                        for v in self._trainable_variables[:1]))

    def _feed_compiled_step(self, active):
        """Called by a `jit_compile=True` train function around each compiled step (`active` before, False
        after): the host side of a traced update. A torch `lr_scheduler`'s change to `param_groups` is taken,
        and a schedule or callable learning rate is evaluated at this step into a CPU tensor that the graph
        reads. While fed, such a learning rate traces too; anywhere else it keeps the update eager."""
        if active and self.built:
            if self._lr_kind == LR_VARIABLE:
                self._adopt_group_learning_rate()
            else:
                value = self._host_learning_rate(self._current_iteration())
                if self._traced_lr is None:
                    self._traced_lr = torch.tensor(value, dtype=torch.float32)
                else:
                    self._traced_lr.fill_(value)
        self._lr_fed = active

    def _apply_core(self, grads, indices):
        """Keras's pipeline after the gradients are known: grads align with `indices` (None = all)."""
        plan = self._plan_for(indices)
        if torch.compiler.is_compiling():
            # Traced (see `_update_traces_in_graph`): the step counter and the learning rate are tensors.
            iteration = self._iterations
            if self.loss_scale_factor is not None:
                grads = torch._foreach_div(grads, self.loss_scale_factor)
            self._update(plan, grads, iteration, (iteration + 1).to(torch.float32))
            for variable in plan.constrained:
                variable.copy_(variable.constraint(variable))
            iteration.add_(1)
            return
        iteration = self._current_iteration()
        if self.loss_scale_factor is not None:
            grads = torch._foreach_div(grads, self.loss_scale_factor)
        steps = self.gradient_accumulation_steps
        if steps:
            if (iteration + 1) % steps != 0:
                torch._foreach_add_(plan.accumulators, grads)
            else:
                grads = torch._foreach_add(grads, plan.accumulators)
                torch._foreach_div_(grads, float(steps))
                self._update(plan, grads, iteration, iteration // steps + 1)
                torch._foreach_zero_([a for a in self._accumulated_gradients if a is not None])
        else:
            self._update(plan, grads, iteration, iteration + 1)
        if self.use_ema:
            self._update_model_variables_moving_average(iteration // steps if steps else iteration)
        for variable in plan.constrained:
            variable.copy_(variable.constraint(variable))
        self._set_iteration(iteration + 1)

    def _update(self, plan, grads, raw_iteration, local_step):
        """Clip, decay and run the update rule for one (accumulated) step."""
        if isinstance(raw_iteration, torch.Tensor):  # traced: the learning-rate variable, or the fed value
            lr = self._learning_rate if self._lr_kind == LR_VARIABLE else self._traced_lr
        else:
            lr = self._host_learning_rate(raw_iteration)
        if self.decay:  # Keras 2's `decay`: the learning rate over the number of updates done so far
            lr = lr / (1.0 + self.decay * (local_step - 1))
        grads = self._clip_gradients(grads)
        if self.weight_decay is not None and self.weight_decay != 0:
            factor = 1.0 - self.weight_decay * lr
            for group in plan.groups:
                if group.decay_params:
                    torch._foreach_mul_(group.decay_params, factor)
        self._update_groups(plan, grads, lr, local_step)

    def _update_groups(self, plan, grads, lr, local_step):
        """Run the update rule: the fused `_update_group` per device/dtype group, or a custom `update_step`
        per variable."""
        if type(self).update_step is not Optimizer.update_step:
            keep_variable = self._lr_kind == LR_VARIABLE and not self.decay
            learning_rate = self._learning_rate if keep_variable else torch.tensor(lr)
            for g, v in zip(grads, plan.variables):
                self.update_step(g, v, learning_rate)
            return
        for group, group_grads in plan.split(grads):
            self._update_group(group, group_grads, lr, local_step)

    def _update_group(self, group, grads, lr, local_step):
        raise NotImplementedError(
            f"Optimizer '{type(self).__name__}' must implement `update_step(gradient, variable, learning_rate)`."
        )

    def update_step(self, gradient, variable, learning_rate):
        """Update one variable with its gradient (Keras's per-variable hook; override it in subclasses)."""
        if type(self)._update_group is Optimizer._update_group:
            raise NotImplementedError(
                f"Optimizer '{type(self).__name__}' must implement `update_step(gradient, variable, "
                "learning_rate)`."
            )
        with torch.no_grad():
            plan = self._plan_for([self._get_variable_index(variable)])
            gradient = to_tensor_like(gradient, variable)
            lr = float(to_python(learning_rate))
            steps = self.gradient_accumulation_steps
            iteration = self._current_iteration()
            self._update_groups(plan, [gradient], lr, (iteration // steps if steps else iteration) + 1)

    # --- pipeline pieces -----------------------------------------------------------------------------
    def _clip_gradients(self, grads):
        if self.clipnorm and self.clipnorm > 0:
            return clipping.clip_by_norm(grads, self.clipnorm)
        if self.global_clipnorm and self.global_clipnorm > 0:
            return clipping.clip_by_global_norm(grads, self.global_clipnorm)
        if self.clipvalue and self.clipvalue > 0:
            return clipping.clip_by_value(grads, self.clipvalue)
        return grads

    def exclude_from_weight_decay(self, var_list=None, var_names=None):
        """Exclude variables from weight decay: those in `var_list`, and those whose name contains (as a
        regex search) any string in `var_names`, e.g. `var_names=["bias"]`."""
        self._exclude_from_weight_decay_variables = list(var_list) if var_list else []
        self._exclude_from_weight_decay = set(self._var_key(v) for v in self._exclude_from_weight_decay_variables)
        if var_names and len(var_names) > 0:
            self._exclude_from_weight_decay_pattern = re.compile("|".join(set(var_names)))
        else:
            self._exclude_from_weight_decay_pattern = None
        self._full_plan = None
        self._plans = {}

    def _use_weight_decay(self, variable):
        if self._var_key(variable) in getattr(self, "_exclude_from_weight_decay", ()):
            return False
        pattern = getattr(self, "_exclude_from_weight_decay_pattern", None)
        if pattern is not None and re.search(pattern, getattr(variable, "name", None) or "") is not None:
            return False
        return True

    def _update_model_variables_moving_average(self, iterations):
        averages, variables = self._ema_lists
        if not averages:
            return
        if iterations == 0:
            torch._foreach_copy_(averages, variables)
        else:
            momentum = self.ema_momentum
            torch._foreach_mul_(averages, momentum)
            torch._foreach_add_(averages, variables, alpha=1.0 - momentum)
        frequency = self.ema_overwrite_frequency
        if frequency and (iterations + 1) % frequency == 0:
            torch._foreach_copy_(variables, averages)

    def _overwrite_model_variables_with_average_value(self, trainable_variables):
        averages = self._model_variables_moving_average
        if len(trainable_variables) != len(averages):
            raise ValueError(
                f"The length of model variables ({len(trainable_variables)}) to override does not match the "
                f"length of model variables stored in the optimizer ({len(averages)}). Please check if the "
                "optimizer was called on your model."
            )
        with torch.no_grad():
            for variable, average in zip(trainable_variables, averages):
                if average is not None:
                    variable.copy_(average)

    def finalize_variable_values(self, var_list):
        """Set the final values of the model's variables: with `use_ema`, copy in their moving averages."""
        if self.use_ema:
            self._overwrite_model_variables_with_average_value(list(var_list))

    def scale_loss(self, loss):
        """Multiply the loss by `loss_scale_factor` (if set) before computing gradients."""
        if self.loss_scale_factor is not None:
            return loss * self.loss_scale_factor
        return loss

    # --- Keras helpers used by custom optimizers -----------------------------------------------------
    def assign(self, variable, value):
        """Set `variable` to `value` (use in `update_step`)."""
        with torch.no_grad():
            variable.copy_(to_tensor_like(value, variable))

    def assign_add(self, variable, value):
        """Add `value` to `variable` (use in `update_step`)."""
        with torch.no_grad():
            variable.add_(to_tensor_like(value, variable))

    def assign_sub(self, variable, value):
        """Subtract `value` from `variable` (use in `update_step`)."""
        with torch.no_grad():
            variable.sub_(to_tensor_like(value, variable))

    def _check_variables_are_known(self, variables):
        self._indices_of(list(variables))

    # --- state ---------------------------------------------------------------------------------------
    def set_weights(self, weights):
        """Set the optimizer's variables from a list of arrays (in `optimizer.variables` order)."""
        if not self.built:
            raise ValueError(
                "You are calling `set_weights()` on an optimizer that has not yet been built. Please call "
                "`optimizer.build(trainable_variables)` to create the optimizer weights before calling "
                "`set_weights()`."
            )
        for variable, weight in zip(self._variables, weights):
            if tuple(variable.shape) != tuple(np.shape(weight)):
                raise ValueError(
                    f"Optimizer variable {variable.path} has shape {tuple(variable.shape)} not compatible with "
                    f"provided weight shape {tuple(np.shape(weight))}."
                )
            variable.assign(weight)

    def get_weights(self):
        """The optimizer's variables as NumPy arrays (in `optimizer.variables` order)."""
        return [np.array(v.numpy()) for v in self._variables]

    def save_own_variables(self, store):
        """Write the variables to `store` as `"0"`, `"1"`, ... (Keras 3 `.weights.h5` layout)."""
        from torchkeras.saving import h5_utils

        for i, variable in enumerate(self.variables):
            store[str(i)] = h5_utils.to_numpy(variable).copy()

    def _check_load_own_variables(self, store):
        """Raise if the saved values are not numbers (a damaged or hostile file). A count or shape mismatch is
        no error: `load_own_variables` then keeps the optimizer's state, with a warning, as Keras does."""
        from torchkeras.saving import stores as stores_lib

        variables = self.variables
        if len(store.keys()) != len(variables):
            return
        for i, variable in enumerate(variables):
            value = store[str(i)]
            if tuple(np.shape(value)) == tuple(variable.shape):
                stores_lib.check_assignable(variable, value, f"optimizer '{self.name}'")

    def load_own_variables(self, store):
        """Read the variables written by `save_own_variables` (skipped with a warning if the count differs)."""
        from torchkeras.saving import stores as stores_lib

        self._check_load_own_variables(store)
        mismatch = [(v, store[str(i)]) for i, v in enumerate(self.variables)
                    if len(store.keys()) == len(self.variables) and tuple(np.shape(store[str(i)])) != tuple(v.shape)]
        if mismatch:
            variable, value = mismatch[0]
            warnings.warn(
                f"Skipping variable loading for optimizer '{self.name}', because the saved value of its variable "
                f"'{getattr(variable, 'path', None) or getattr(variable, 'name', '?')}' has shape "
                f"{tuple(np.shape(value))} instead of {tuple(variable.shape)}.",
                stacklevel=2,
            )
            return
        if len(store.keys()) != len(self.variables):
            msg = (
                f"Skipping variable loading for optimizer '{self.name}', because it has {len(self.variables)} "
                f"variables whereas the saved optimizer has {len(store.keys())} variables. "
            )
            if len(self.variables) == 0:
                msg += "This is likely because the optimizer has not been called/built yet."
            warnings.warn(msg, stacklevel=2)
            return
        for i, variable in enumerate(self.variables):
            stores_lib.assign(variable, store[str(i)])

    # --- config --------------------------------------------------------------------------------------
    def get_config(self):
        """The optimizer's hyperparameters (Keras 3 keys); the learning rate as its float32 value or a
        serialized schedule."""
        if isinstance(self._learning_rate, LearningRateSchedule):
            from torchkeras.optimizers.schedules import serialize as serialize_schedule

            learning_rate = serialize_schedule(self._learning_rate)
        elif self._lr_kind == LR_VARIABLE:
            learning_rate = float(self._learning_rate.numpy())
        else:
            from torchkeras.saving.serialization_lib import serialize_keras_object

            learning_rate = serialize_keras_object(self._learning_rate)
        return {
            "name": self.name,
            "learning_rate": learning_rate,
            "weight_decay": self.weight_decay,
            "clipnorm": self.clipnorm,
            "global_clipnorm": self.global_clipnorm,
            "clipvalue": self.clipvalue,
            "use_ema": self.use_ema,
            "ema_momentum": self.ema_momentum,
            "ema_overwrite_frequency": self.ema_overwrite_frequency,
            "loss_scale_factor": self.loss_scale_factor,
            "gradient_accumulation_steps": self.gradient_accumulation_steps,
            **({"decay": self.decay} if self.decay else {}),
        }

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """Create an optimizer from `get_config()`'s output (Keras 2 configs are accepted too)."""
        config = dict(config)
        if "lr" in config:
            lr = config.pop("lr")
            if "learning_rate" not in config:
                config["learning_rate"] = float(lr) if isinstance(lr, int) and not isinstance(lr, bool) else lr
        for keras2_key in ("jit_compile", "is_legacy_optimizer"):
            config.pop(keras2_key, None)
        if isinstance(config.get("learning_rate"), dict):
            from torchkeras.saving.serialization_lib import deserialize_keras_object

            config["learning_rate"] = deserialize_keras_object(config["learning_rate"],
                                                               custom_objects=custom_objects)
        return cls(**config)
