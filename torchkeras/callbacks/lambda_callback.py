"""`keras.callbacks.LambdaCallback`: a callback built from plain functions."""
from torchkeras.api_export import keras_export
from torchkeras.callbacks.callback import Callback
from torchkeras.callbacks.lazy_logs import LazyLogs

_BATCH_HOOKS = (
    "on_train_batch_begin", "on_train_batch_end", "on_batch_begin", "on_batch_end",
    "on_test_batch_begin", "on_test_batch_end", "on_predict_batch_begin", "on_predict_batch_end",
)
_OTHER_HOOKS = (
    "on_epoch_begin", "on_epoch_end", "on_train_begin", "on_train_end", "on_test_begin", "on_test_end",
    "on_predict_begin", "on_predict_end",
)


def _plain(logs):
    return logs.materialize() if isinstance(logs, LazyLogs) else logs


@keras_export("keras.callbacks.LambdaCallback")
class LambdaCallback(Callback):
    """Build a callback from functions: `on_epoch_begin(epoch, logs)`, `on_epoch_end(epoch, logs)`,
    `on_train_begin(logs)`, `on_train_end(logs)`, `on_train_batch_begin(batch, logs)`,
    `on_train_batch_end(batch, logs)`. Other hooks (`on_batch_end`, `on_test_end`, ...) may be given as
    keyword arguments too; any other keyword argument becomes an attribute of the callback.
    """

    # Batch logs are turned into floats only for a batch hook that was actually given.
    _accepts_lazy_logs = True

    def __init__(self, on_epoch_begin=None, on_epoch_end=None, on_train_begin=None, on_train_end=None,
                 on_train_batch_begin=None, on_train_batch_end=None, **kwargs):
        super().__init__()
        given = dict(on_epoch_begin=on_epoch_begin, on_epoch_end=on_epoch_end, on_train_begin=on_train_begin,
                     on_train_end=on_train_end, on_train_batch_begin=on_train_batch_begin,
                     on_train_batch_end=on_train_batch_end)
        for name in list(kwargs):
            if name in _BATCH_HOOKS or name in _OTHER_HOOKS:
                given[name] = kwargs.pop(name)
        self.__dict__.update(kwargs)
        self._batch_fns = {}
        for name, fn in given.items():
            if fn is None:
                continue
            if name in _BATCH_HOOKS:
                self._batch_fns[name] = fn
            else:
                setattr(self, name, fn)

    def _run(self, name, batch, logs, fallback=None):
        fn = self._batch_fns.get(name)
        if fn is not None:
            fn(batch, _plain(logs))
        elif fallback is not None:
            getattr(self, fallback)(batch, logs)

    def on_train_batch_begin(self, batch, logs=None):
        self._run("on_train_batch_begin", batch, logs, fallback="on_batch_begin")

    def on_train_batch_end(self, batch, logs=None):
        self._run("on_train_batch_end", batch, logs, fallback="on_batch_end")

    def on_batch_begin(self, batch, logs=None):
        self._run("on_batch_begin", batch, logs)

    def on_batch_end(self, batch, logs=None):
        self._run("on_batch_end", batch, logs)

    def on_test_batch_begin(self, batch, logs=None):
        self._run("on_test_batch_begin", batch, logs)

    def on_test_batch_end(self, batch, logs=None):
        self._run("on_test_batch_end", batch, logs)

    def on_predict_batch_begin(self, batch, logs=None):
        self._run("on_predict_batch_begin", batch, logs)

    def on_predict_batch_end(self, batch, logs=None):
        self._run("on_predict_batch_end", batch, logs)
