"""`keras.callbacks.EarlyStopping`: stop training when a monitored quantity has stopped improving."""
import warnings

import numpy as np
import torch

from torchkeras.api_export import keras_export
from torchkeras.callbacks.monitor_callback import MonitorCallback
from torchkeras.utils import io_utils


@keras_export("keras.callbacks.EarlyStopping")
class EarlyStopping(MonitorCallback):
    """Stop training when `monitor` has not improved for `patience` epochs.

    Args:
        monitor: quantity to be monitored. Defaults to `"val_loss"`.
        min_delta: minimum change that counts as an improvement. Defaults to `0`.
        patience: number of epochs with no improvement after which training is stopped. Defaults to `0`.
        verbose: 0 (silent) or 1 (print a message when the callback acts).
        mode: `"auto"`, `"min"` or `"max"`.
        baseline: training stops if the model does not improve over this value within `patience` epochs.
        restore_best_weights: restore the weights of the best epoch at the end of training (Keras 3 restores
            them even when training was not stopped early).
        start_from_epoch: number of warm-up epochs during which improvement is not monitored.
    """

    def __init__(self, monitor="val_loss", min_delta=0, patience=0, verbose=0, mode="auto", baseline=None,
                 restore_best_weights=False, start_from_epoch=0):
        super().__init__(monitor, mode, min_delta=min_delta)
        self.patience = patience
        self.verbose = verbose
        self.baseline = baseline
        self.wait = 0
        self.stopped_epoch = 0
        self.restore_best_weights = restore_best_weights
        self.start_from_epoch = start_from_epoch
        self.best_epoch = 0
        self._best_tensors = None

    @property
    def best_weights(self):
        """The weights of the best epoch so far (NumPy arrays, as `model.get_weights()`), or None."""
        if self._best_tensors is None:
            return None
        return [np.array(t.detach().cpu().numpy()) for t in self._best_tensors]

    @best_weights.setter
    def best_weights(self, weights):
        self._best_tensors = None if weights is None else [torch.as_tensor(np.asarray(w)) for w in weights]

    def on_train_begin(self, logs=None):
        # Reset, so that one instance can be reused across `fit()` calls.
        self.wait = 0
        self.stopped_epoch = 0
        self.best = None
        self._best_tensors = None
        self.best_epoch = 0

    def on_epoch_end(self, epoch, logs=None):
        current = self.get_monitor_value(logs)
        if current is None or epoch < self.start_from_epoch:
            return
        if self.monitor_op is None:
            self._set_monitor_op()
        if self.restore_best_weights and self._best_tensors is None:
            self._snapshot()
            self.best_epoch = epoch
        self.wait += 1
        if self._is_improvement(current, self.best):
            self.best = current
            self.best_epoch = epoch
            if self.restore_best_weights:
                self._snapshot()
            # The wait restarts only when the value beats both the previous best and the baseline.
            if self.baseline is None or self._is_improvement(current, self.baseline):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.stopped_epoch > 0 and self.verbose > 0:
            io_utils.print_msg(f"Epoch {self.stopped_epoch + 1}: early stopping")
        if self.restore_best_weights and self._best_tensors is not None:
            if self.verbose > 0:
                io_utils.print_msg(f"Restoring model weights from the end of the best epoch: {self.best_epoch + 1}.")
            self._restore()

    def get_monitor_value(self, logs):
        logs = logs or {}
        value = logs.get(self.monitor)
        if value is None:
            warnings.warn(
                f"Early stopping conditioned on metric `{self.monitor}` which is not available. "
                f"Available metrics are: {','.join(list(logs.keys()))}",
                stacklevel=2,
            )
        return value

    def _snapshot(self):
        # Device copies: no host transfer, and the snapshot stays on the weights' device.
        with torch.no_grad():
            self._best_tensors = [w.detach().clone() for w in self.model.weights]

    def _restore(self):
        weights = self.model.weights
        if len(weights) != len(self._best_tensors):
            self.model.set_weights(self.best_weights)
            return
        with torch.no_grad():
            for w, saved in zip(weights, self._best_tensors):
                w.copy_(saved.to(w.device))
