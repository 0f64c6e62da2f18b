import numpy as np
import pytest

import torchkeras as keras

from .helpers import ScriptedLogs
from .helpers import make_model


def _fit(data, callbacks, epochs=6, model=None, verbose=0):
    x, y = data
    model = model or make_model(keras.optimizers.SGD(0.01))
    history = model.fit(x, y, epochs=epochs, batch_size=10, shuffle=False, verbose=verbose, callbacks=callbacks)
    return model, history


def _f32(values):
    return [float(np.float32(v)) for v in values]


def test_reduce_lr_on_plateau_schedule_and_logs(data):
    rlr = keras.callbacks.ReduceLROnPlateau(monitor="score", mode="min", factor=0.5, patience=1,
                                            min_lr=0.002)
    model, history = _fit(data, [ScriptedLogs("score", [1.0] * 6), rlr])
    # The logged rate is the one in effect during the epoch (before that epoch's reduction).
    assert history.history["learning_rate"] == _f32([0.01, 0.01, 0.005, 0.0025, 0.002, 0.002])
    assert float(model.optimizer.learning_rate.numpy()) == np.float32(0.002)


def test_reduce_lr_on_plateau_improvement_and_cooldown(data):
    rlr = keras.callbacks.ReduceLROnPlateau(monitor="score", factor=0.1, patience=2, cooldown=2, mode="min")
    series = [1.0, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9]
    _, history = _fit(data, [ScriptedLogs("score", series), rlr], epochs=9)
    lr = history.history["learning_rate"]
    # Reduced at the end of epoch index 3. The cooldown counter is decremented before the wait test, so with
    # cooldown=2 epoch 5 already counts as waiting, and the next reduction comes at the end of epoch 6.
    np.testing.assert_allclose(lr, [0.01] * 4 + [0.001] * 3 + [0.0001] * 2, rtol=1e-6)


def test_reduce_lr_min_delta_counts_small_changes_as_no_improvement(data):
    rlr = keras.callbacks.ReduceLROnPlateau(monitor="score", mode="min", factor=0.5, patience=1,
                                            min_delta=0.1)
    _, history = _fit(data, [ScriptedLogs("score", [1.0, 0.95, 0.92, 0.5]), rlr], epochs=4)
    np.testing.assert_allclose(history.history["learning_rate"], [0.01, 0.01, 0.005, 0.0025], rtol=1e-6)


def test_reduce_lr_verbose_message(data, capsys):
    rlr = keras.callbacks.ReduceLROnPlateau(monitor="score", mode="min", factor=0.5, patience=1,
                                            verbose=1)
    _fit(data, [ScriptedLogs("score", [1.0, 1.0]), rlr], epochs=2)
    assert capsys.readouterr().out == "\nEpoch 2: ReduceLROnPlateau reducing learning rate to 0.004999999888241291.\n"


def test_reduce_lr_errors_and_warnings(data):
    with pytest.raises(ValueError, match=r"ReduceLROnPlateau does not support a factor >= 1.0. Received factor=1.5"):
        keras.callbacks.ReduceLROnPlateau(factor=1.5)
    rlr = keras.callbacks.ReduceLROnPlateau(patience=0)
    with pytest.warns(UserWarning, match="Learning rate reduction is conditioned on metric `val_loss` which is not "
                                         "available. Available metrics are: loss,learning_rate."):
        _fit(data, [rlr], epochs=1)


def test_reduce_lr_keras2_epsilon(data):
    with pytest.warns(UserWarning, match="`epsilon` argument is deprecated"):
        rlr = keras.callbacks.ReduceLROnPlateau(epsilon=0.3)
    assert rlr.min_delta == 0.3


def test_reduce_lr_with_a_schedule_raises_type_error(data):
    schedule = keras.optimizers.schedules.ExponentialDecay(0.01, decay_steps=10, decay_rate=0.9)
    model = make_model(keras.optimizers.SGD(schedule))
    rlr = keras.callbacks.ReduceLROnPlateau(monitor="score", mode="min", patience=0)
    with pytest.raises(TypeError, match="learning rate is not settable"):
        _fit(data, [ScriptedLogs("score", [1.0, 1.0]), rlr], epochs=2, model=model)


def test_learning_rate_scheduler_two_argument_schedule(data, capsys):
    def schedule(epoch, lr):
        return lr if epoch < 2 else lr * 0.5

    model, history = _fit(data, [keras.callbacks.LearningRateScheduler(schedule, verbose=1)], epochs=4)
    np.testing.assert_allclose(history.history["learning_rate"], [0.01, 0.01, 0.005, 0.0025], rtol=1e-6)
    out = capsys.readouterr().out
    assert out.startswith("\nEpoch 1: LearningRateScheduler setting learning rate to 0.009999999776482582.\n")
    assert "\nEpoch 3: LearningRateScheduler setting learning rate to 0.004999999888241291.\n" in out


def test_learning_rate_scheduler_one_argument_schedule(data):
    _, history = _fit(data, [keras.callbacks.LearningRateScheduler(lambda epoch: 0.1 / (epoch + 1))], epochs=3)
    assert history.history["learning_rate"] == _f32([0.1, 0.05, 0.1 / 3])


def test_learning_rate_scheduler_changes_training(data):
    x, y = data
    a = make_model(keras.optimizers.SGD(0.01))
    b = make_model(keras.optimizers.SGD(0.05))
    a.fit(x, y, epochs=2, batch_size=10, shuffle=False, verbose=0,
          callbacks=[keras.callbacks.LearningRateScheduler(lambda e, lr: 0.05)])
    b.fit(x, y, epochs=2, batch_size=10, shuffle=False, verbose=0)
    for wa, wb in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_allclose(wa, wb, rtol=1e-6, atol=1e-7)


def test_learning_rate_scheduler_requires_a_float(data):
    with pytest.raises(ValueError) as e:
        _fit(data, [keras.callbacks.LearningRateScheduler(lambda epoch: 1)], epochs=1)
    assert str(e.value) == "The output of the `schedule` function should be a float. Got: 1"


def test_scheduler_and_progress_bar_order(data, capsys):
    # The scheduler's message comes before the epoch header; `learning_rate` is printed after the metrics.
    _fit(data, [keras.callbacks.LearningRateScheduler(lambda e, lr: lr, verbose=1)], epochs=2, verbose=2)
    out = capsys.readouterr().out
    assert out.startswith("\nEpoch 1: LearningRateScheduler setting learning rate to 0.009999999776482582.\n"
                          "Epoch 1/2\n")
    assert " - loss: " in out and out.rstrip().endswith("learning_rate: 0.0100")
