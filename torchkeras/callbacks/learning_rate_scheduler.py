"""`keras.callbacks.LearningRateScheduler`: set the learning rate from a schedule at every epoch start."""
import numpy as np

from torchkeras.api_export import keras_export
from torchkeras.callbacks.callback import Callback
from torchkeras.callbacks.monitor_callback import inner_optimizers
from torchkeras.callbacks.monitor_callback import learning_rate_value
from torchkeras.utils import io_utils


@keras_export("keras.callbacks.LearningRateScheduler")
class LearningRateScheduler(Callback):
    """At the start of each epoch, set the learning rate to `schedule(epoch, lr)` (or `schedule(epoch)`).

    Args:
        schedule: a function of the epoch index (0-based) and the current learning rate (a float) that
            returns the new learning rate (a float).
        verbose: 0 (quiet) or 1 (print the new rate every epoch).
    """

    def __init__(self, schedule, verbose=0):
        super().__init__()
        self.schedule = schedule
        self.verbose = verbose

    def _update_optimizer_lr(self, optimizer, epoch):
        if not hasattr(optimizer, "learning_rate"):
            raise ValueError('Optimizer must have a "learning_rate" attribute.')
        try:
            learning_rate = self.schedule(epoch, learning_rate_value(optimizer))
        except TypeError:  # the Keras 1/2 signature: schedule(epoch)
            learning_rate = self.schedule(epoch)
        if not isinstance(learning_rate, (float, np.float32, np.float64)):
            raise ValueError(f"The output of the `schedule` function should be a float. Got: {learning_rate}")
        optimizer.learning_rate = learning_rate
        return learning_rate

    def on_epoch_begin(self, epoch, logs=None):
        optimizers, multi = inner_optimizers(self.model.optimizer)
        for opt in optimizers:
            learning_rate = self._update_optimizer_lr(opt, epoch)
            if self.verbose > 0:
                name = f"{opt.name} " if multi else ""
                io_utils.print_msg(f"\nEpoch {epoch + 1}: LearningRateScheduler setting {name}learning rate to "
                                   f"{learning_rate}.")

    def on_epoch_end(self, epoch, logs=None):
        logs = logs if logs is not None else {}
        optimizers, multi = inner_optimizers(self.model.optimizer)
        for opt in optimizers:
            logs[f"learning_rate_{opt.name}" if multi else "learning_rate"] = learning_rate_value(opt)
