"""The learning rate of an optimizer, as Keras keeps it: a float32 variable, a schedule, or a callable.

A float learning rate lives in a float32 `keras.Variable` on the CPU, so reading it never waits for a GPU;
the per-step value is a Python float, re-read only when the variable was written (its `_version` changed).
A schedule is evaluated at the optimizer's raw step counter. The torch side (`param_groups[0]["lr"]`) is
kept in sync both ways, so `torch.optim.lr_scheduler` schedulers drive a Keras optimizer too.
"""
import torch

from torchkeras.backend import config as backend_config
from torchkeras.backend import naming
from torchkeras.backend.variables import Variable
from torchkeras.optimizers.optimizer_utils import to_python
from torchkeras.optimizers.schedules.learning_rate_schedule import LearningRateSchedule
from torchkeras.optimizers.schedules.learning_rate_schedule import host_learning_rate

LR_VARIABLE = "variable"
LR_SCHEDULE = "schedule"
LR_CALLABLE = "callable"


class LearningRateState:
    """Mixin of `Optimizer`: `learning_rate` (get/set), Keras 2's `lr`, and the per-step host value."""

    def _set_learning_rate(self, learning_rate, validate=False):
        if isinstance(learning_rate, LearningRateSchedule):
            self._learning_rate = learning_rate
            self._lr_kind = LR_SCHEDULE
        elif callable(learning_rate) and not isinstance(learning_rate, torch.Tensor):
            self._learning_rate = learning_rate
            self._lr_kind = LR_CALLABLE
        else:
            if validate and not isinstance(learning_rate, float):
                raise ValueError(
                    "Argument `learning_rate` should be float, or an instance of LearningRateSchedule, or a "
                    "callable (that takes in the current iteration value and returns the corresponding "
                    f"learning rate value). Received instead: learning_rate={learning_rate}"
                )
            with naming.name_scope(self.name, caller=self):
                variable = Variable(float(learning_rate), name="learning_rate", dtype=backend_config.floatx(),
                                    trainable=False, aggregation="only_first_replica", device="cpu")
            self._variables.insert(1, variable)
            self._learning_rate = variable
            self._lr_kind = LR_VARIABLE
            self._lr_version = -1
            self._lr_value = None
        self._group_lr_seen = None

    @property
    def learning_rate(self):
        """The current learning rate: the float32 CPU variable, or the schedule's value at this step."""
        return self._get_current_learning_rate()

    @learning_rate.setter
    def learning_rate(self, learning_rate):
        previous = self._learning_rate if self._lr_kind == LR_VARIABLE else None
        if isinstance(learning_rate, LearningRateSchedule) or (
            callable(learning_rate) and not isinstance(learning_rate, torch.Tensor)
        ):
            self._set_learning_rate(learning_rate)
            if previous is not None:
                self._untrack_variable(previous)
            return
        if self._lr_kind == LR_SCHEDULE and isinstance(self._learning_rate, LearningRateSchedule):
            raise TypeError(
                "This optimizer was created with a `LearningRateSchedule` object as its `learning_rate` "
                "constructor argument, hence its learning rate is not settable. If you need the learning rate "
                "to be settable, you should instantiate the optimizer with a float `learning_rate` argument."
            )
        if previous is None:
            self._set_learning_rate(float(to_python(learning_rate)))
            return
        with torch.no_grad():
            previous.fill_(float(to_python(learning_rate)))
        if self.built:
            self.param_groups[0]["lr"] = self._group_lr_seen = previous.item()

    # Keras 2 scripts read and write `optimizer.lr`.
    lr = property(lambda self: self.learning_rate, lambda self, value: setattr(self, "learning_rate", value))

    def _get_current_learning_rate(self):
        if self._lr_kind == LR_VARIABLE:
            self._adopt_group_learning_rate()
            return self._learning_rate
        if self._lr_kind == LR_SCHEDULE:
            return self._learning_rate(self._iterations)
        return self._learning_rate()

    def _learning_rate_is_callable(self):
        """True for a schedule or a callable learning rate (Keras's `callable(self._learning_rate)`)."""
        return self._lr_kind != LR_VARIABLE

    def _host_learning_rate(self, raw_iteration):
        """The learning rate for this step as a Python float (no device read)."""
        group = self.param_groups[0] if self.built else None
        if self._lr_kind == LR_VARIABLE:
            variable = self._learning_rate
            self._adopt_group_learning_rate()
            if variable._version != self._lr_version:
                self._lr_value = variable.item()
                self._lr_version = variable._version
            value = self._lr_value
        elif self._lr_kind == LR_SCHEDULE:
            value = host_learning_rate(self._learning_rate, raw_iteration, self._iterations)
        else:
            value = to_python(self._learning_rate())
        if group is not None:
            group["lr"] = value
            self._group_lr_seen = value
        return value

    def _adopt_group_learning_rate(self):
        """If the torch `param_groups[0]["lr"]` was changed (e.g. by a `torch.optim.lr_scheduler`), take it."""
        if self.built and self._group_lr_seen is not None:
            group_lr = self.param_groups[0]["lr"]
            if group_lr != self._group_lr_seen:
                with torch.no_grad():
                    self._learning_rate.fill_(float(group_lr))
                self._group_lr_seen = group_lr

    def _initial_group_lr(self):
        try:
            return self._host_learning_rate_unbuilt()
        except Exception:  # noqa: BLE001 - a user callable may not be ready yet; torch only needs a number
            return 0.0

    def _host_learning_rate_unbuilt(self):
        if self._lr_kind == LR_VARIABLE:
            return self._learning_rate.item()
        if self._lr_kind == LR_SCHEDULE:
            return host_learning_rate(self._learning_rate, self._current_iteration(), self._iterations)
        return to_python(self._learning_rate())
