import numpy as np
import pytest

import torchkeras as keras

from .helpers import ScriptedLogs
from .helpers import make_model

SERIES = [1.0, 0.9, 0.95, 0.91, 0.89, 0.92, 0.93, 0.94, 0.95, 0.96]


class WeightRecorder(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.weights = []

    def on_epoch_end(self, epoch, logs=None):
        self.weights.append(self.model.get_weights())


def _fit(data, callbacks, epochs=10, model=None, series=SERIES, key="score"):
    model = model or make_model()
    x, y = data
    history = model.fit(x, y, epochs=epochs, batch_size=10, shuffle=False, verbose=0,
                        callbacks=[ScriptedLogs(key, series)] + callbacks)
    return model, history


@pytest.mark.parametrize("kwargs, epochs_run", [
    (dict(patience=0), [0, 1, 2]),
    (dict(patience=2), [0, 1, 2, 3]),
    (dict(patience=2, min_delta=0.05), [0, 1, 2, 3]),
    (dict(patience=1, baseline=0.85), [0, 1, 2]),
    (dict(patience=1, start_from_epoch=3), [0, 1, 2, 3, 4, 5]),
    (dict(patience=3), [0, 1, 2, 3, 4, 5, 6, 7]),
])
def test_epochs_run_follow_keras_rules(data, kwargs, epochs_run):
    es = keras.callbacks.EarlyStopping(monitor="score", mode="min", **kwargs)
    _, history = _fit(data, [es])
    assert history.epoch == epochs_run
    assert es.stopped_epoch == epochs_run[-1]


def test_stop_happens_after_the_epoch_end_hooks(data):
    es = keras.callbacks.EarlyStopping(monitor="score", mode="min", patience=0)
    model, history = _fit(data, [es])
    assert model.stop_training is True
    assert len(history.history["loss"]) == 3
    assert int(model.optimizer.iterations.numpy()) == 3 * 4  # 40 samples / batch 10, three full epochs


def test_restore_best_weights_after_stopping(data, capsys):
    recorder = WeightRecorder()
    es = keras.callbacks.EarlyStopping(monitor="score", mode="min", patience=2, restore_best_weights=True,
                                       verbose=1)
    model, history = _fit(data, [recorder, es])
    assert history.epoch == [0, 1, 2, 3]
    assert es.best_epoch == 1
    for got, want in zip(model.get_weights(), recorder.weights[1]):
        np.testing.assert_array_equal(got, want)
    out = capsys.readouterr().out
    assert out == "Epoch 4: early stopping\nRestoring model weights from the end of the best epoch: 2.\n"


def test_restore_best_weights_even_without_stopping(data, capsys):
    # Keras 3 restores at train end even when training ran to the last epoch (Keras 2 did not).
    recorder = WeightRecorder()
    es = keras.callbacks.EarlyStopping(monitor="score", mode="min", patience=5, restore_best_weights=True,
                                       verbose=1)
    model, history = _fit(data, [recorder, es], epochs=5)
    assert history.epoch == [0, 1, 2, 3, 4]
    assert es.stopped_epoch == 0
    for got, want in zip(model.get_weights(), recorder.weights[4]):
        np.testing.assert_array_equal(got, want)
    assert capsys.readouterr().out == "Restoring model weights from the end of the best epoch: 5.\n"


def test_best_weights_are_numpy_arrays_of_the_best_epoch(data):
    recorder = WeightRecorder()
    es = keras.callbacks.EarlyStopping(monitor="score", mode="min", patience=1, restore_best_weights=True)
    _fit(data, [recorder, es])
    assert all(isinstance(w, np.ndarray) for w in es.best_weights)
    for got, want in zip(es.best_weights, recorder.weights[es.best_epoch]):
        np.testing.assert_array_equal(got, want)


def test_mode_max_and_auto_direction(data):
    rising = [0.1, 0.2, 0.3, 0.25, 0.2, 0.1]
    es = keras.callbacks.EarlyStopping(monitor="score", mode="max", patience=1)
    _, history = _fit(data, [es], series=rising, epochs=6)
    assert history.epoch == [0, 1, 2, 3]
    # auto mode: `accuracy` goes up, so it is maximized; `mae` goes down.
    es = keras.callbacks.EarlyStopping(monitor="accuracy", patience=1)
    model = make_model(metrics=["accuracy"])
    _, history = _fit(data, [es], model=model, series=rising, key="accuracy", epochs=6)
    assert history.epoch == [0, 1, 2, 3]
    es = keras.callbacks.EarlyStopping(monitor="val_mae", patience=1)
    model = make_model(metrics=["mae"])
    _, history = _fit(data, [es], model=model, series=rising, key="val_mae", epochs=6)
    assert history.epoch == [0, 1]


def test_auto_mode_unknown_metric_raises_at_first_epoch_end(data):
    es = keras.callbacks.EarlyStopping(monitor="val_auc_custom")
    with pytest.raises(ValueError) as e:
        _fit(data, [es], key="val_auc_custom")
    assert str(e.value) == (
        "EarlyStopping callback received monitor=val_auc_custom, but Keras isn't able to automatically "
        "determine whether that metric should be maximized or minimized. Pass `mode='max'` in order to monitor "
        "based on the highest metric value, or pass `mode='min'` in order to use the lowest value."
    )


def test_unknown_mode_warns_and_falls_back_to_auto():
    with pytest.warns(UserWarning, match="EarlyStopping mode 'maximum' is unknown, fallback to auto mode."):
        es = keras.callbacks.EarlyStopping(mode="maximum")
    assert es.mode == "auto"


def test_missing_monitor_warns_and_does_nothing(data):
    x, y = data
    model = make_model()
    es = keras.callbacks.EarlyStopping(patience=0)  # val_loss, but there is no validation data
    with pytest.warns(UserWarning) as record:
        history = model.fit(x, y, epochs=3, verbose=0, callbacks=[es])
    messages = [str(w.message) for w in record]
    assert ("Early stopping conditioned on metric `val_loss` which is not available. Available metrics are: loss"
            in messages)
    assert history.epoch == [0, 1, 2]


def test_instance_is_reset_between_fits(data):
    es = keras.callbacks.EarlyStopping(monitor="score", mode="min", patience=0)
    model, history = _fit(data, [es])
    assert history.epoch == [0, 1, 2]
    _, history = _fit(data, [es], model=model)
    assert history.epoch == [0, 1, 2]
    assert es.best == 0.9


def test_real_val_loss_early_stopping(data):
    # An overfitting-free regression: val_loss keeps improving, so nothing stops before the end.
    x, y = data
    model = make_model()
    es = keras.callbacks.EarlyStopping(patience=0)
    history = model.fit(x, y, epochs=4, batch_size=8, validation_split=0.25, shuffle=False, verbose=0,
                        callbacks=[es])
    val = history.history["val_loss"]
    assert all(b < a for a, b in zip(val, val[1:]))
    assert history.epoch == [0, 1, 2, 3]
