"""`keras.callbacks.TorchLRScheduler`: step a `torch.optim.lr_scheduler` scheduler from `fit`.

The scheduler is stepped after each epoch (`step_every="epoch"`, torch's usual place) or after each training
batch (`step_every="batch"`, for OneCycleLR, warm-up schedules and the like). A plateau scheduler
(`torch.optim.lr_scheduler.ReduceLROnPlateau`, or any scheduler whose `step` takes `metrics`) receives the
monitored value from the logs. Like Keras's `LearningRateScheduler`, the learning rate in effect during the
epoch is written to the epoch logs as `learning_rate`.

The scheduler may drive a torch optimizer given to `compile` or a Keras optimizer (both are
`torch.optim.Optimizer`s with `param_groups`).
"""
import inspect
import warnings

import numpy as np
import torch

from torchkeras.api_export import keras_export
from torchkeras.callbacks.callback import Callback
from torchkeras.utils import io_utils


@keras_export("keras.callbacks.TorchLRScheduler")
class TorchLRScheduler(Callback):
    """Step a torch learning-rate scheduler during `fit`.

    Args:
        scheduler: a `torch.optim.lr_scheduler` scheduler (or any object with `step()` and an `optimizer`).
        step_every: `"epoch"` (default) or `"batch"`.
        monitor: for plateau schedulers, the log entry passed to `step(metrics)`. Defaults to `"val_loss"`,
            falling back to `"loss"` when there is no validation.
        verbose: 1 prints a message when the learning rate changes.
    """

    def __init__(self, scheduler, step_every="epoch", monitor=None, verbose=0):
        super().__init__()
        if step_every not in ("epoch", "batch"):
            raise ValueError(f"`step_every` must be 'epoch' or 'batch'. Received: step_every={step_every!r}")
        if not callable(getattr(scheduler, "step", None)):
            raise TypeError(
                "`TorchLRScheduler` expects a torch learning-rate scheduler (an object with a `step()` method), "
                f"e.g. `torch.optim.lr_scheduler.StepLR(optimizer, step_size=10)`. Received: {scheduler!r}"
            )
        self.scheduler = scheduler
        self.step_every = step_every
        self.monitor = monitor
        self.verbose = verbose
        self.takes_metrics = _step_takes_metrics(scheduler)
        self._iterations_seen = None

    @property
    def optimizer(self):
        return getattr(self.scheduler, "optimizer", None)

    def on_train_begin(self, logs=None):
        driven = self.optimizer
        model_optimizer = getattr(self.model, "optimizer", None)
        if driven is not None and model_optimizer is not None:
            candidates = (model_optimizer, getattr(model_optimizer, "torch_optimizer", None),
                          getattr(model_optimizer, "inner_optimizer", None))
            if not any(driven is c for c in candidates if c is not None):
                raise ValueError(
                    "The scheduler given to `TorchLRScheduler` drives an optimizer that is not the model's: "
                    "create it on the optimizer passed to `compile()` (or on `model.optimizer`)."
                )
        self._iterations_seen = self._iterations()

    def on_train_batch_end(self, batch, logs=None):
        if self.step_every == "batch":
            self._step(logs, "loss")

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["learning_rate"] = self._current_lr()
        if self.step_every == "epoch":
            before = self._current_lr()
            self._step(logs, "val_loss")
            after = self._current_lr()
            if self.verbose > 0 and after != before:
                io_utils.print_msg(f"\nEpoch {epoch + 1}: TorchLRScheduler setting learning rate to {after}.")

    def _step(self, logs, default_monitor):
        self._mark_optimizer_stepped()
        if not self.takes_metrics:
            self.scheduler.step()
            return
        logs = logs or {}
        monitor = self.monitor or (default_monitor if default_monitor in logs else "loss")
        value = logs.get(monitor)
        if value is None:
            warnings.warn(
                f"TorchLRScheduler: the scheduler steps on metric `{monitor}`, which is not available. Available "
                f"metrics are: {','.join(list(logs.keys()))}.",
                stacklevel=3,
            )
            return
        self.scheduler.step(float(np.asarray(value)))

    def _current_lr(self):
        optimizer = self.optimizer
        if optimizer is None or not optimizer.param_groups:
            return None
        lr = optimizer.param_groups[0]["lr"]
        return float(lr.detach().cpu()) if isinstance(lr, torch.Tensor) else float(lr)

    def _iterations(self):
        optimizer = getattr(self.model, "optimizer", None)
        iterations = getattr(optimizer, "iterations", None)
        if iterations is None:
            return None
        return int(iterations.detach().cpu()) if isinstance(iterations, torch.Tensor) else int(iterations)

    def _mark_optimizer_stepped(self):
        """Keras optimizers update through `apply`, not `step()`, so torch's "scheduler stepped before the
        optimizer" check cannot see their updates: tell it when the optimizer did update."""
        current = self._iterations()
        if current is not None and current != self._iterations_seen and self.optimizer is not None:
            try:
                self.optimizer._opt_called = True
            except AttributeError:
                pass
        self._iterations_seen = current


def _step_takes_metrics(scheduler):
    if isinstance(scheduler, torch.optim.lr_scheduler.ReduceLROnPlateau):
        return True
    try:
        params = inspect.signature(scheduler.step).parameters
    except (TypeError, ValueError):
        return False
    first = next(iter(params.values()), None)
    return first is not None and first.name in ("metrics", "metric") and first.default is inspect.Parameter.empty
