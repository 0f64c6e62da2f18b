"""Shared helpers for the callback tests: a tiny model, its data, and scripted epoch logs."""
import numpy as np

import torchkeras as keras


class ScriptedLogs(keras.callbacks.Callback):
    """Sets `logs[key] = values[epoch]` at each epoch end, so that the callbacks after it see a known series."""

    def __init__(self, key, values):
        super().__init__()
        self.key = key
        self.values = values

    def on_epoch_end(self, epoch, logs=None):
        logs[self.key] = float(self.values[epoch])


class CrashAt(keras.callbacks.Callback):
    """Raises RuntimeError at the end of batch `batch` of epoch `epoch` (a simulated kill)."""

    def __init__(self, epoch, batch=0):
        super().__init__()
        self.epoch = epoch
        self.batch = batch
        self._current = None

    def on_epoch_begin(self, epoch, logs=None):
        self._current = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self._current == self.epoch and batch == self.batch:
            raise RuntimeError("simulated crash")


def make_model(optimizer=None, metrics=None, seed=1, units=4):
    """Dense(4, relu) -> Dense(1) on 3 features, compiled with mse (seeded weights)."""
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(units, activation="relu"),
                              keras.layers.Dense(1)])
    model.compile(optimizer if optimizer is not None else keras.optimizers.SGD(0.05), "mse", metrics=metrics)
    return model


def make_data(n=40, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, 3)).astype("float32")
    y = (x @ np.array([[0.5], [-1.0], [0.25]], dtype="float32") + 0.1).astype("float32")
    return x, y
