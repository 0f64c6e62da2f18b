"""`keras.callbacks.ReduceLROnPlateau`: reduce the learning rate when a metric has stopped improving."""
import warnings

import numpy as np

from torchkeras.api_export import keras_export
from torchkeras.callbacks.monitor_callback import MonitorCallback
from torchkeras.callbacks.monitor_callback import inner_optimizers
from torchkeras.callbacks.monitor_callback import learning_rate_value
from torchkeras.utils import io_utils


@keras_export("keras.callbacks.ReduceLROnPlateau")
class ReduceLROnPlateau(MonitorCallback):
    """Multiply the learning rate by `factor` once `monitor` has not improved for `patience` epochs.

    Every epoch end also writes the current learning rate to the logs as `learning_rate`.

    Args:
        monitor: quantity to be monitored. Defaults to `"val_loss"`.
        factor: `new_lr = lr * factor`; must be < 1. Defaults to `0.1`.
        patience: epochs with no improvement after which the rate is reduced. Defaults to `10`.
        verbose: 0 (quiet) or 1 (print a message on every reduction).
        mode: `"auto"`, `"min"` or `"max"`.
        min_delta: threshold for measuring a new optimum. Defaults to `1e-4`.
        cooldown: epochs to wait after a reduction before counting again. Defaults to `0`.
        min_lr: lower bound on the learning rate. Defaults to `0.0`.
    """

    def __init__(self, monitor="val_loss", factor=0.1, patience=10, verbose=0, mode="auto", min_delta=1e-4,
                 cooldown=0, min_lr=0.0, **kwargs):
        if "epsilon" in kwargs:  # Keras 2 spelling
            min_delta = kwargs.pop("epsilon")
            warnings.warn("`epsilon` argument is deprecated and will be removed, use `min_delta` instead.",
                          stacklevel=2)
        super().__init__(monitor, mode, min_delta=min_delta)
        if factor >= 1.0:
            raise ValueError(f"ReduceLROnPlateau does not support a factor >= 1.0. Received factor={factor}")
        self.factor = factor
        self.min_lr = min_lr
        self.patience = patience
        self.verbose = verbose
        self.cooldown = cooldown
        self.cooldown_counter = 0
        self.wait = 0

    def _reset(self):
        self.best = None
        self.cooldown_counter = 0
        self.wait = 0

    def on_train_begin(self, logs=None):
        self._reset()

    def in_cooldown(self):
        return self.cooldown_counter > 0

    def on_epoch_end(self, epoch, logs=None):
        logs = logs if logs is not None else {}
        optimizers, multi = inner_optimizers(self.model.optimizer)
        for opt in optimizers:
            key = f"learning_rate_{opt.name}" if multi else "learning_rate"
            logs[key] = learning_rate_value(opt)
        current = logs.get(self.monitor)
        if current is None:
            warnings.warn(
                f"Learning rate reduction is conditioned on metric `{self.monitor}` which is not available. "
                f"Available metrics are: {','.join(list(logs.keys()))}.",
                stacklevel=2,
            )
            return
        if self.monitor_op is None:
            self._set_monitor_op()
        if self.in_cooldown():
            self.cooldown_counter -= 1
            self.wait = 0
        if self._is_improvement(current, self.best):
            self.best = current
            self.wait = 0
        elif not self.in_cooldown():
            self.wait += 1
            if self.wait >= self.patience:
                reduced = False
                for opt in optimizers:
                    if self._reduce_optimizer_lr(opt, epoch, opt.name if multi else ""):
                        reduced = True
                if reduced:
                    self.cooldown_counter = self.cooldown
                    self.wait = 0

    def _reduce_optimizer_lr(self, optimizer, epoch, name=""):
        old_lr = learning_rate_value(optimizer)
        if old_lr <= np.float32(self.min_lr):
            return False
        new_lr = max(old_lr * self.factor, self.min_lr)
        optimizer.learning_rate = new_lr
        if self.verbose > 0:
            name_str = f" {name}" if name else ""
            io_utils.print_msg(f"\nEpoch {epoch + 1}: ReduceLROnPlateau reducing{name_str} learning rate to {new_lr}.")
        return True
