import numpy as np
import pytest

import torchkeras as keras

from .helpers import make_model


def _ema_model():
    return make_model(keras.optimizers.SGD(0.05, use_ema=True, ema_momentum=0.9))


def _fit(model, data, callbacks, epochs=3):
    x, y = data
    return model.fit(x, y, epochs=epochs, batch_size=8, validation_split=0.25, shuffle=False, verbose=0,
                     callbacks=callbacks)


def _averages(model):
    return [np.array(a.numpy()) for a in model.optimizer._model_variables_moving_average]


def test_validation_runs_with_the_averaged_weights(data):
    x, y = data
    model = _ema_model()
    history = _fit(model, data, [keras.callbacks.SwapEMAWeights()])
    # At the end of fit the model holds the averages (finalize_variable_values), i.e. the last validation's weights.
    val = model.evaluate(x[30:], y[30:], verbose=0)
    # (validation ran in batches of 8, evaluate in one batch of 10)
    np.testing.assert_allclose(history.history["val_loss"][-1], val, rtol=1e-5)
    plain = _ema_model()
    plain_history = _fit(plain, data, [])
    assert abs(plain_history.history["val_loss"][-1] - history.history["val_loss"][-1]) > 1e-6


def test_training_itself_is_unchanged(data):
    swapped, plain = _ema_model(), _ema_model()
    a = _fit(swapped, data, [keras.callbacks.SwapEMAWeights()])
    b = _fit(plain, data, [])
    assert a.history["loss"] == b.history["loss"]
    for wa, wb in zip(swapped.get_weights(), plain.get_weights()):
        np.testing.assert_array_equal(wa, wb)


def test_weights_seen_during_validation_and_after(data):
    model = _ema_model()
    seen = {}

    class Probe(keras.callbacks.Callback):
        def on_test_begin(self, logs=None):
            seen.setdefault("test", []).append((self.model.get_weights(), _averages(self.model)))

        def on_train_batch_begin(self, batch, logs=None):
            seen.setdefault("train", []).append(self.model.get_weights())

    _fit(model, data, [keras.callbacks.SwapEMAWeights(), Probe()], epochs=2)
    for weights, averages in seen["test"]:
        for w, a in zip(weights, averages):
            np.testing.assert_array_equal(w, a)
    # The first batch of epoch 2 starts from the trained (not averaged) weights.
    assert any(np.abs(w - a).max() > 0 for w, a in zip(seen["train"][4], seen["test"][0][1]))


def test_swap_on_epoch_puts_the_averages_in_for_later_callbacks(data):
    model = _ema_model()
    at_epoch_end = []
    probe = keras.callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: at_epoch_end.append((model.get_weights(), _averages(model))))
    _fit(model, data, [keras.callbacks.SwapEMAWeights(swap_on_epoch=True), probe], epochs=3)
    for weights, averages in at_epoch_end:
        for w, a in zip(weights, averages):
            np.testing.assert_array_equal(w, a)
    plain = _ema_model()
    _fit(plain, data, [])
    for wa, wb in zip(model.get_weights(), plain.get_weights()):
        np.testing.assert_array_equal(wa, wb)


def test_swap_on_epoch_with_early_stop(data):
    # Stopping early must still leave the averages in the model (and the training weights untouched before).
    model = _ema_model()
    stop = keras.callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: setattr(model, "stop_training", epoch == 1))
    _fit(model, data, [keras.callbacks.SwapEMAWeights(swap_on_epoch=True), stop], epochs=5)
    plain = _ema_model()
    _fit(plain, data, [], epochs=2)
    for wa, wb in zip(model.get_weights(), plain.get_weights()):
        np.testing.assert_array_equal(wa, wb)


def test_predict_with_averages_then_weights_are_put_back(data):
    x, y = data
    model = _ema_model()
    _fit(model, data, [], epochs=1)
    model.train_on_batch(x[:8], y[:8])  # now the weights differ from their averages
    trained = model.get_weights()
    out = model.predict(x, verbose=0, callbacks=[keras.callbacks.SwapEMAWeights()])
    for w, t in zip(model.get_weights(), trained):
        np.testing.assert_array_equal(w, t)
    model.set_weights(_averages(model))
    np.testing.assert_allclose(out, model.predict(x, verbose=0), rtol=1e-6)


def test_requires_an_ema_optimizer(data):
    model = make_model(keras.optimizers.SGD(0.05))
    with pytest.raises(ValueError) as e:
        _fit(model, data, [keras.callbacks.SwapEMAWeights()], epochs=1)
    assert str(e.value) == ("SwapEMAWeights must be used when `use_ema=True` is set on the optimizer. "
                            "Received: use_ema=False")
