"""`keras.optimizers.LossScaleOptimizer`: dynamic loss scaling for float16 training.

The loss is multiplied by the current scale before `backward` (`scale_loss`), so small float16 gradients do
not underflow; `apply` divides the gradients by the scale again and then:
- if every gradient is finite, the inner optimizer applies them, and after `dynamic_growth_steps` such steps
  in a row the scale doubles;
- otherwise the update is skipped and the scale halves.
This is Keras 3's rule (the initial scale is 2**15, the growth interval 2000 steps), with the unscaling and
the finiteness check done by torch's fused AMP kernel (one host read per step, for the skip decision).
"""
import torch

from torchkeras.api_export import keras_export
from torchkeras.backend import naming
from torchkeras.optimizers.base_optimizer import Optimizer
from torchkeras.optimizers.optimizer_utils import run_eagerly

_BASE_DEFAULTS = {
    "weight_decay": None, "clipnorm": None, "global_clipnorm": None, "clipvalue": None, "use_ema": False,
    "ema_momentum": 0.99, "ema_overwrite_frequency": None, "loss_scale_factor": None,
    "gradient_accumulation_steps": None,
}


@keras_export("keras.optimizers.LossScaleOptimizer", "keras.mixed_precision.LossScaleOptimizer")
class LossScaleOptimizer(Optimizer):
    """An optimizer that dynamically scales the loss to prevent underflow of float16 gradients.

    Args:
        inner_optimizer: the optimizer to wrap (a Keras optimizer, or a `TorchOptimizer`).
        initial_scale: the initial loss scale. Defaults to `2.0**15`.
        dynamic_growth_steps: after this many steps with finite gradients, the scale is doubled. Defaults to
            `2000`.
        name: the optimizer's name.
    """

    def __init__(self, inner_optimizer, initial_scale=2.0**15, dynamic_growth_steps=2000, name=None, **kwargs):
        if not kwargs.pop("dynamic", True):
            raise ValueError(
                "LossScaleOptimizer no longer supports `dynamic=False`. Instead, simply set `loss_scale_factor` "
                "directly on the `inner_optimizer`."
            )
        for key, default in _BASE_DEFAULTS.items():
            if key not in kwargs:
                continue
            value = kwargs.pop(key)
            if (default is None and value is not None) or value != default:
                raise ValueError(
                    f"LossScaleOptimizer does not support `{key}`. Instead, set `{key}` on the `inner_optimizer`."
                )
        if kwargs:
            raise ValueError(f"LossScaleOptimizer does not support arguments: `{'`, `'.join(kwargs.keys())}`.")
        for method in ("apply", "build", "scale_loss"):
            if not callable(getattr(inner_optimizer, method, None)):
                raise TypeError(
                    "`inner_optimizer` must be a Keras optimizer (e.g. `keras.optimizers.Adam()`) or a "
                    f"`TorchOptimizer`. Received: {inner_optimizer!r}"
                )
        super().__init__(learning_rate=0.0, name=name)
        self.inner_optimizer = inner_optimizer
        self.initial_scale = initial_scale
        self.dynamic_growth_steps = dynamic_growth_steps
        # The inner optimizer must not scale again.
        self.inner_optimizer.loss_scale_factor = None
        self._scale = float(initial_scale)
        self._scale_version = None
        self._counter = 0
        self._counter_version = None

    # --- state ---------------------------------------------------------------------------------------
    def build(self, var_list):
        var_list = list(var_list)
        with naming.name_scope(self.name, caller=self):
            self.step_counter = self.add_variable(shape=(), dtype="int32", initializer="zeros", name="step_counter",
                                                  device="cpu")
            self.dynamic_scale = self.add_variable(shape=(), dtype="float32", initializer=self.initial_scale,
                                                   name="dynamic_scale", device="cpu")
        if not getattr(self.inner_optimizer, "built", False):
            with naming.name_scope(self.inner_optimizer.name, caller=self.inner_optimizer):
                self.inner_optimizer.build(var_list)
        self._trainable_variables = var_list
        self._scale = float(self.initial_scale)
        self._sync_versions()
        self.built = True

    @property
    def variables(self):
        """`iteration`, `learning_rate`, `step_counter`, `dynamic_scale`, then the inner optimizer's variables."""
        return self._variables[:] + list(self.inner_optimizer.variables)

    @property
    def iterations(self):
        return self.inner_optimizer.iterations

    @property
    def learning_rate(self):
        return self.inner_optimizer.learning_rate

    @learning_rate.setter
    def learning_rate(self, value):
        if "inner_optimizer" not in self.__dict__:
            return  # the base constructor's placeholder rate (0.0)
        self.inner_optimizer.learning_rate = value

    lr = learning_rate

    @property
    def loss_scale_factor(self):
        """The current loss scale (the trainer multiplies the loss by `scale_loss` when this is set)."""
        if "inner_optimizer" not in self.__dict__:
            return None
        return self._current_scale() if self.built else float(self.initial_scale)

    @loss_scale_factor.setter
    def loss_scale_factor(self, value):
        if value is not None:
            raise ValueError(
                "LossScaleOptimizer does not support `loss_scale_factor`. Instead, set `loss_scale_factor` on the "
                "`inner_optimizer`."
            )

    # The torch side is the inner optimizer's.
    @property
    def param_groups(self):
        return self.inner_optimizer.param_groups

    @param_groups.setter
    def param_groups(self, value):
        if "inner_optimizer" in self.__dict__:
            self.inner_optimizer.param_groups = value

    @property
    def state(self):
        return self.inner_optimizer.state

    @state.setter
    def state(self, value):
        if "inner_optimizer" in self.__dict__:
            self.inner_optimizer.state = value

    def zero_grad(self, set_to_none=True):
        self.inner_optimizer.zero_grad(set_to_none=set_to_none)

    # --- the update ----------------------------------------------------------------------------------
    def scale_loss(self, loss):
        """`loss * scale` (the current dynamic scale; the initial scale before the first step)."""
        return loss * (self._current_scale() if self.built else float(self.initial_scale))

    def apply(self, grads, trainable_variables=None):
        if torch.compiler.is_compiling():  # the finite check decides on the host whether to step
            return run_eagerly(self.apply, grads, trainable_variables)
        grads = list(grads)
        variables = list(trainable_variables) if trainable_variables is not None else None
        if not self.built:
            if variables is None:
                raise ValueError(
                    "When passing `grads` without `variables`, the optimizer must already be built on a list of "
                    "variables. Call `optimizer.build(trainable_variables)` first."
                )
            self.build(variables)
        if variables is not None:
            # Unscaling happens in place: copy gradients that are not the variables' own `.grad`.
            grads = [g if g is None or g is getattr(v, "grad", None) else torch.as_tensor(g).clone()
                     for g, v in zip(grads, variables)]
        present = [g for g in grads if g is not None]
        if not present:
            raise ValueError("No gradients provided for any variable.")
        scale = self._current_scale()
        with torch.no_grad():
            finite = _unscale_and_check(present, scale)
            if finite:
                self.inner_optimizer.apply(grads, variables)
                if self._current_counter() == self.dynamic_growth_steps - 1:
                    self._set_state(counter=0, scale=scale * 2.0)
                else:
                    self._set_state(counter=self._current_counter() + 1, scale=scale)
            else:
                self._set_state(counter=0, scale=scale * 0.5)

    def step(self, closure=None):
        """torch API: apply the gradients in `.grad` of the variables the optimizer was built with."""
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        if not self.built:
            raise ValueError("`LossScaleOptimizer.step()` needs a built optimizer: call `build(variables)` first.")
        variables = self._trainable_variables
        self.apply([p.grad for p in variables], variables)
        return loss

    def check_finite(self, grads):
        """True when every (non-None) gradient is finite."""
        tensors = [g for g in grads if g is not None]
        if not tensors:
            return True
        return bool(torch.stack([torch.isfinite(g).all() for g in tensors]).all())

    def finalize_variable_values(self, var_list):
        self.inner_optimizer.finalize_variable_values(var_list)

    # --- host mirrors of the two state variables -----------------------------------------------------
    def _current_scale(self):
        variable = self.dynamic_scale
        if variable._version != self._scale_version:
            self._scale = float(variable.item())
            self._scale_version = variable._version
        return self._scale

    def _current_counter(self):
        variable = self.step_counter
        if variable._version != self._counter_version:
            self._counter = int(variable.item())
            self._counter_version = variable._version
        return self._counter

    def _set_state(self, counter, scale):
        self.step_counter.fill_(counter)
        self.dynamic_scale.fill_(scale)
        self._counter = counter
        self._scale = scale
        self._sync_versions()

    def _sync_versions(self):
        self._scale_version = self.dynamic_scale._version
        self._counter_version = self.step_counter._version

    # --- config --------------------------------------------------------------------------------------
    def get_config(self):
        from torchkeras.saving import serialization_lib

        return {
            "name": self.name,
            "inner_optimizer": serialization_lib.serialize_keras_object(self.inner_optimizer),
            "initial_scale": self.initial_scale,
            "dynamic_growth_steps": self.dynamic_growth_steps,
        }

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from torchkeras.saving import serialization_lib

        config = dict(config)
        inner = config.pop("inner_optimizer")
        if isinstance(inner, dict):
            from torchkeras import optimizers

            try:
                inner = optimizers.deserialize(inner, custom_objects=custom_objects)
            except (TypeError, ValueError):
                inner = serialization_lib.deserialize_keras_object(inner, custom_objects=custom_objects)
        return cls(inner, **config)


def _unscale_and_check(grads, scale):
    """Divide `grads` by `scale` in place; True if they were all finite (one fused kernel per device)."""
    by_device = {}
    for g in grads:
        by_device.setdefault((g.device, g.dtype), []).append(g)
    flags = []
    for (device, _), group in by_device.items():
        found_inf = torch.zeros(1, dtype=torch.float32, device=device)
        inv_scale = torch.full((1,), 1.0 / scale, dtype=torch.float32, device=device)
        torch._amp_foreach_non_finite_check_and_unscale_(group, found_inf, inv_scale)
        flags.append(found_inf)
    total = flags[0] if len(flags) == 1 else torch.stack([f.to(flags[0].device) for f in flags]).sum()
    return not bool(total.item())
