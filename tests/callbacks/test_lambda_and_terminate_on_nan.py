import math

import numpy as np
import pytest

import torchkeras as keras

from .helpers import make_model


def test_lambda_callback_hooks_and_signatures(data):
    x, y = data
    calls = []
    cb = keras.callbacks.LambdaCallback(
        on_train_begin=lambda logs: calls.append(("train_begin", logs)),
        on_epoch_begin=lambda epoch, logs: calls.append(("epoch_begin", epoch)),
        on_train_batch_begin=lambda batch, logs: calls.append(("batch_begin", batch)),
        on_train_batch_end=lambda batch, logs: calls.append(("batch_end", batch, sorted(logs))),
        on_epoch_end=lambda epoch, logs: calls.append(("epoch_end", epoch, sorted(logs))),
        on_train_end=lambda logs: calls.append(("train_end", sorted(logs))),
    )
    make_model(metrics=["mae"]).fit(x[:20], y[:20], epochs=2, batch_size=10, verbose=0, callbacks=[cb])
    assert calls == [
        ("train_begin", {}),
        ("epoch_begin", 0), ("batch_begin", 0), ("batch_end", 0, ["loss", "mae"]),
        ("batch_begin", 1), ("batch_end", 1, ["loss", "mae"]), ("epoch_end", 0, ["loss", "mae"]),
        ("epoch_begin", 1), ("batch_begin", 0), ("batch_end", 0, ["loss", "mae"]),
        ("batch_begin", 1), ("batch_end", 1, ["loss", "mae"]), ("epoch_end", 1, ["loss", "mae"]),
        ("train_end", ["loss", "mae"]),
    ]


def test_lambda_batch_logs_are_plain_floats(data):
    x, y = data
    seen = []
    cb = keras.callbacks.LambdaCallback(on_train_batch_end=lambda batch, logs: seen.append(logs))
    make_model().fit(x, y, epochs=1, batch_size=20, verbose=0, callbacks=[cb])
    assert len(seen) == 2 and all(type(logs) is dict and type(logs["loss"]) is float for logs in seen)


def test_lambda_keras2_batch_hooks_and_extra_attributes(data):
    x, y = data
    seen = []
    cb = keras.callbacks.LambdaCallback(on_batch_end=lambda batch, logs: seen.append(batch),
                                        on_test_end=lambda logs: seen.append(("test_end", sorted(logs))),
                                        note="kept")
    make_model().fit(x, y, epochs=1, batch_size=20, validation_split=0.5, verbose=0, callbacks=[cb])
    assert seen == [0, ("test_end", ["loss"])]
    assert cb.note == "kept"


def test_lambda_predict_and_test_batch_hooks(data):
    x, y = data
    seen = []
    cb = keras.callbacks.LambdaCallback(
        on_predict_batch_end=lambda batch, logs: seen.append(("predict", batch, tuple(logs["outputs"].shape))),
        on_test_batch_end=lambda batch, logs: seen.append(("test", batch, sorted(logs))))
    model = make_model()
    model.predict(x, batch_size=25, verbose=0, callbacks=[cb])
    model.evaluate(x, y, batch_size=40, verbose=0, callbacks=[cb])
    assert seen == [("predict", 0, (25, 1)), ("predict", 1, (15, 1)), ("test", 0, ["loss"])]


def _nan_data(data, bad_row=25):
    x, y = data
    x = x.copy()
    x[bad_row, 0] = np.nan
    return x, y


def test_terminate_on_nan_stops_after_the_bad_batch(data, capsys):
    x, y = _nan_data(data)
    model = make_model()
    ends = []
    history = model.fit(x, y, epochs=3, batch_size=10, shuffle=False, verbose=0,
                        callbacks=[keras.callbacks.TerminateOnNaN(),
                                   keras.callbacks.LambdaCallback(on_epoch_end=lambda e, logs: ends.append(e))])
    assert capsys.readouterr().out == "Batch 2: Invalid loss, terminating training\n"
    assert history.epoch == [0] and ends == [0]
    assert math.isnan(history.history["loss"][0])
    assert int(model.optimizer.iterations.numpy()) == 3


def test_terminate_on_nan_inf_loss(data, capsys):
    x, y = data
    y = y.copy()
    y[5, 0] = np.inf
    model = make_model()
    model.fit(x, y, epochs=2, batch_size=10, shuffle=False, verbose=0, callbacks=[keras.callbacks.TerminateOnNaN()])
    assert capsys.readouterr().out == "Batch 0: Invalid loss, terminating training\n"
    assert model.stop_training


def test_terminate_on_nan_raise_error(data):
    x, y = _nan_data(data, bad_row=3)
    with pytest.raises(RuntimeError) as e:
        make_model().fit(x, y, epochs=1, batch_size=10, shuffle=False, verbose=0,
                         callbacks=[keras.callbacks.TerminateOnNaN(raise_error=True)])
    assert str(e.value) == ("NaN or Inf loss encountered at batch 0. Loss value: nan. Terminating training "
                            "immediately.")


def test_terminate_on_nan_leaves_finite_training_alone(data):
    x, y = data
    history = make_model().fit(x, y, epochs=2, batch_size=10, verbose=0,
                               callbacks=[keras.callbacks.TerminateOnNaN()])
    assert history.epoch == [0, 1]


def test_terminate_on_nan_with_plain_dict_logs():
    class FakeModel:
        stop_training = False

    cb = keras.callbacks.TerminateOnNaN()
    cb.set_model(FakeModel())
    cb.on_batch_end(4, {"loss": 1.0})
    assert not cb.model.stop_training
    cb.on_batch_end(5, {"loss": float("inf")})
    assert cb.model.stop_training
