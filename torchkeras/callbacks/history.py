"""`keras.callbacks.History`: records the epoch logs; `fit` returns it."""
from torchkeras.api_export import keras_export
from torchkeras.callbacks.callback import Callback


@keras_export("keras.callbacks.History")
class History(Callback):
    """`history.history` maps each log key to its per-epoch values; `history.epoch` lists the epochs run."""

    def __init__(self):
        super().__init__()
        self.history = {}
        self.epoch = []

    def on_train_begin(self, logs=None):
        self.epoch = []

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        self.epoch.append(epoch)
        for k, v in logs.items():
            self.history.setdefault(k, []).append(v)
        self.model.history = self
