"""`keras.callbacks.ProgbarLogger`: the progress bar printed by fit, evaluate and predict."""
import time

from torchkeras.api_export import keras_export
from torchkeras.callbacks.callback import Callback
from torchkeras.callbacks.lazy_logs import LazyLogs


@keras_export("keras.callbacks.ProgbarLogger")
class ProgbarLogger(Callback):
    """Prints metrics to stdout, Keras 3's progress bar (added automatically unless `verbose=0`)."""

    _accepts_lazy_logs = True

    def __init__(self, count_mode=None, stateful_metrics=None):
        super().__init__()
        self.seen = 0
        self.progbar = None
        self.target = None
        self.verbose = 1
        self.epochs = 1
        self._called_in_fit = False

    def set_params(self, params):
        verbose = params.get("verbose", 1)
        if verbose == "auto":
            verbose = 1
        self.verbose = verbose
        self.epochs = params.get("epochs", 1)
        self.target = params.get("steps")

    def on_train_begin(self, logs=None):
        self._called_in_fit = True

    def on_test_begin(self, logs=None):
        if not self._called_in_fit:
            self._reset_progbar()
            self._maybe_init_progbar()

    def on_predict_begin(self, logs=None):
        self._reset_progbar()
        self._maybe_init_progbar()

    def on_epoch_begin(self, epoch, logs=None):
        self._reset_progbar()
        self._maybe_init_progbar()
        if self.verbose and self.epochs > 1:
            from torchkeras.utils import io_utils

            io_utils.print_msg(f"Epoch {epoch + 1}/{self.epochs}")

    def on_train_batch_end(self, batch, logs=None):
        self._update_progbar(batch, logs)

    def on_test_batch_end(self, batch, logs=None):
        if not self._called_in_fit:
            self._update_progbar(batch, logs)

    def on_predict_batch_end(self, batch, logs=None):
        self._update_progbar(batch, None)

    def on_epoch_end(self, epoch, logs=None):
        self._finalize_progbar(logs)

    def on_test_end(self, logs=None):
        if not self._called_in_fit:
            self._finalize_progbar(logs)

    def on_predict_end(self, logs=None):
        self._finalize_progbar(logs)

    def _reset_progbar(self):
        self.seen = 0
        self.progbar = None

    def _maybe_init_progbar(self):
        if self.progbar is None:
            from torchkeras.utils.progbar import Progbar

            self.progbar = Progbar(target=self.target, verbose=self.verbose, unit_name="step",
                                   stateless_metrics=set())

    def _update_progbar(self, batch, logs=None):
        self._maybe_init_progbar()
        self.seen = batch + 1
        if self.verbose != 1:
            return
        bar = self.progbar
        if getattr(bar, "_plain", False):
            return  # not a terminal: only the finished bar is printed, so nothing to read now
        # Skip throttled updates before reading the logs: reading them would sync the device.
        last = getattr(bar, "_last_update", 0)
        if batch > 0 and time.time() - last < getattr(bar, "interval", 0.05):
            return
        if isinstance(logs, LazyLogs):
            logs = logs.materialize()
        bar.update(self.seen, list((logs or {}).items()), finalize=False)

    def _finalize_progbar(self, logs):
        if isinstance(logs, LazyLogs):
            logs = logs.materialize()
        logs = logs or {}
        self._maybe_init_progbar()
        if self.target is None:
            self.target = self.seen
            self.progbar.target = self.target
        self.progbar.update(self.target, list(logs.items()), finalize=True)
