"""`keras.callbacks.CallbackList`: dispatches each hook to every callback, in order."""
from torchkeras.api_export import keras_export
from torchkeras.callbacks.callback import Callback
from torchkeras.callbacks.history import History
from torchkeras.callbacks.lazy_logs import LazyLogs, pythonify_logs
from torchkeras.callbacks.progbar_logger import ProgbarLogger
from torchkeras.utils import tree

_BATCH_HOOKS = {
    "on_train_batch_begin": ("on_train_batch_begin", "on_batch_begin"),
    "on_train_batch_end": ("on_train_batch_end", "on_batch_end"),
    "on_test_batch_begin": ("on_test_batch_begin",),
    "on_test_batch_end": ("on_test_batch_end",),
    "on_predict_batch_begin": ("on_predict_batch_begin",),
    "on_predict_batch_end": ("on_predict_batch_end",),
}


def _overrides(callback, names):
    cls = type(callback)
    return any(getattr(cls, n, None) is not getattr(Callback, n) or n in callback.__dict__ for n in names)


@keras_export("keras.callbacks.CallbackList")
class CallbackList(Callback):
    """A container of callbacks; `add_history`/`add_progbar` append the default History/ProgbarLogger."""

    def __init__(self, callbacks=None, add_history=False, add_progbar=False, model=None, **params):
        super().__init__()
        self.callbacks = tree.flatten(callbacks) if callbacks else []
        self._history = None
        self._progbar = None
        for cb in self.callbacks:
            if isinstance(cb, ProgbarLogger):
                self._progbar = cb
            elif isinstance(cb, History):
                self._history = cb
        if self._history is None and add_history:
            self._history = History()
            self.callbacks.append(self._history)
        if self._progbar is None and add_progbar:
            self._progbar = ProgbarLogger()
            self.callbacks.append(self._progbar)
        self._batch_targets = {
            hook: [cb for cb in self.callbacks if _overrides(cb, names)] for hook, names in _BATCH_HOOKS.items()
        }
        if model is not None:
            self.set_model(model)
        if params:
            self.set_params(params)

    def append(self, callback):
        self.callbacks.append(callback)
        for hook, names in _BATCH_HOOKS.items():
            if _overrides(callback, names):
                self._batch_targets[hook].append(callback)

    def set_params(self, params):
        self.params = params
        for cb in self.callbacks:
            cb.set_params(params)

    def set_model(self, model):
        super().set_model(model)
        if self._history is not None:
            model.history = self._history
        for cb in self.callbacks:
            cb.set_model(model)

    def _batch(self, hook, batch, logs):
        targets = self._batch_targets[hook]
        if not targets:
            return
        if not isinstance(logs, LazyLogs):
            logs = pythonify_logs(logs)  # Keras flattens nested dicts and converts tensors to floats
        plain = None
        for cb in targets:
            if isinstance(logs, LazyLogs) and not getattr(cb, "_accepts_lazy_logs", False):
                if plain is None:
                    plain = logs.materialize()
                getattr(cb, hook)(batch, plain)
            else:
                getattr(cb, hook)(batch, logs)

    def needs_batch_logs(self, hook):
        """Whether any callback reads the logs of `hook` (e.g. 'on_train_batch_end')."""
        return bool(self._batch_targets[hook])

    def on_batch_begin(self, batch, logs=None):
        self._batch("on_train_batch_begin", batch, logs)

    def on_batch_end(self, batch, logs=None):
        self._batch("on_train_batch_end", batch, logs)

    def on_train_batch_begin(self, batch, logs=None):
        self._batch("on_train_batch_begin", batch, logs)

    def on_train_batch_end(self, batch, logs=None):
        self._batch("on_train_batch_end", batch, logs)

    def on_test_batch_begin(self, batch, logs=None):
        self._batch("on_test_batch_begin", batch, logs)

    def on_test_batch_end(self, batch, logs=None):
        self._batch("on_test_batch_end", batch, logs)

    def on_predict_batch_begin(self, batch, logs=None):
        self._batch("on_predict_batch_begin", batch, logs)

    def on_predict_batch_end(self, batch, logs=None):
        self._batch("on_predict_batch_end", batch, logs)

    def _all(self, hook, *args):
        *head, logs = args
        logs = pythonify_logs(logs)  # Keras flattens nested dicts and converts tensors to floats
        for cb in self.callbacks:
            getattr(cb, hook)(*head, logs)

    def on_epoch_begin(self, epoch, logs=None):
        self._all("on_epoch_begin", epoch, logs)

    def on_epoch_end(self, epoch, logs=None):
        self._all("on_epoch_end", epoch, logs)

    def on_train_begin(self, logs=None):
        self._all("on_train_begin", logs)

    def on_train_end(self, logs=None):
        self._all("on_train_end", logs)

    def on_test_begin(self, logs=None):
        self._all("on_test_begin", logs)

    def on_test_end(self, logs=None):
        self._all("on_test_end", logs)

    def on_predict_begin(self, logs=None):
        self._all("on_predict_begin", logs)

    def on_predict_end(self, logs=None):
        self._all("on_predict_end", logs)
