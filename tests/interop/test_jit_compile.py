"""`compile(jit_compile=True)`: the train step runs through torch.compile, with one warning on fallback.

The tests compile with backends that run the captured graphs as they are (the dynamo capture of the Keras
step, without inductor's code generation, which takes tens of seconds on CPU) by patching `torch.compile`.
"""
import functools
import warnings

import numpy as np
import pytest
import torch

import torchkeras as keras
from . import helpers

_real_compile = torch.compile


def model_pair():
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8, activation="relu"), keras.layers.Dense(1)])
    twin = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8, activation="relu"), keras.layers.Dense(1)])
    twin.set_weights(model.get_weights())
    return model, twin


def test_jit_compiled_fit_matches_eager(monkeypatch):
    calls, graphs = [], []

    def recording_backend(graph_module, example_inputs):
        graphs.append(graph_module)
        return graph_module.forward

    def counting_compile(fn, **kwargs):
        calls.append(fn)
        return _real_compile(fn, backend=recording_backend, **kwargs)

    monkeypatch.setattr(torch, "compile", counting_compile)
    model, twin = model_pair()
    x, y = helpers.regression_data()
    model.compile(keras.optimizers.Adam(0.01), "mse", metrics=["mae"], jit_compile=True)
    twin.compile(keras.optimizers.Adam(0.01), "mse", metrics=["mae"])
    assert model.jit_compile is True and twin.jit_compile is False
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        h1 = model.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    assert not [w for w in caught if "jit_compile=True" in str(w.message)]  # no fallback: it compiled
    h2 = twin.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    assert len(calls) == 1  # the train step was handed to torch.compile once
    assert graphs and any(len(g.graph.nodes) > 5 for g in graphs)  # dynamo captured the step's tensor work
    for key in ("loss", "mae"):
        np.testing.assert_allclose(h1.history[key], h2.history[key], rtol=1e-5)
    for a, b in zip(model.get_weights(), twin.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_a_step_that_cannot_compile_falls_back_with_one_warning(monkeypatch):
    def failing_backend(graph_module, example_inputs):
        raise RuntimeError("this backend cannot compile anything")

    monkeypatch.setattr(torch, "compile", functools.partial(_real_compile, backend=failing_backend))
    model, twin = model_pair()
    x, y = helpers.regression_data()
    model.compile(keras.optimizers.SGD(0.05), "mse", jit_compile=True)
    twin.compile(keras.optimizers.SGD(0.05), "mse")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    messages = [str(w.message) for w in caught if "jit_compile=True" in str(w.message)]
    assert len(messages) == 1 and "Falling back to eager execution" in messages[0]
    twin.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    for a, b in zip(model.get_weights(), twin.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("value", [False, "auto"])
def test_jit_compile_is_off_unless_true(value, monkeypatch):
    monkeypatch.setattr(torch, "compile", lambda *a, **k: pytest.fail("torch.compile must not be called"))
    model, _ = model_pair()
    model.compile("sgd", "mse", jit_compile=value)
    x, y = helpers.regression_data(n=8)
    model.fit(x, y, verbose=0)
    assert model.jit_compile is False


def _families():
    def mlp():
        return keras.Sequential([keras.Input((6,)), keras.layers.Dense(8, activation="relu"),
                                 keras.layers.Dropout(0.0), keras.layers.Dense(3, activation="softmax")])

    def convnet():
        return keras.Sequential([keras.Input((6, 6, 2)), keras.layers.Conv2D(4, 3, activation="relu"),
                                 keras.layers.BatchNormalization(), keras.layers.GlobalAveragePooling2D(),
                                 keras.layers.Dense(3, activation="softmax")])

    def lstm():
        return keras.Sequential([keras.Input((5, 6)), keras.layers.LSTM(4), keras.layers.Dense(3, activation="softmax")])

    def subclassed():
        class Net(keras.Model):
            def __init__(self):
                super().__init__()
                self.a = keras.layers.Dense(5, activation="tanh", kernel_regularizer="l2")
                self.b = keras.layers.Dense(3, activation="softmax")

            def call(self, x):
                return self.b(self.a(x))

        net = Net()
        net(np.zeros((1, 6), "float32"))
        return net

    return {"mlp": (mlp, (6,)), "convnet": (convnet, (6, 6, 2)), "lstm": (lstm, (5, 6)),
            "subclassed": (subclassed, (6,))}


@pytest.mark.parametrize("family", ["mlp", "convnet", "lstm", "subclassed"])
def test_compiled_fit_evaluate_predict_match_eager_for_each_family(family, monkeypatch):
    monkeypatch.setenv("TORCHKERAS_JIT_BACKEND", "aot_eager")
    build, shape = _families()[family]
    rng = np.random.default_rng(0)
    x = rng.standard_normal((24,) + shape).astype("float32")
    y = rng.integers(0, 3, 24)
    keras.utils.set_random_seed(1)
    compiled, eager = build(), build()
    eager.set_weights(compiled.get_weights())
    for model, jit in ((compiled, True), (eager, False)):
        model.compile(keras.optimizers.Adam(0.01), "sparse_categorical_crossentropy", metrics=["accuracy"],
                      jit_compile=jit)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        hc = compiled.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0, validation_data=(x, y))
    assert not [w for w in caught if "jit_compile=True" in str(w.message)]  # compiled: no fallback
    he = eager.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0, validation_data=(x, y))
    for key in he.history:
        np.testing.assert_allclose(hc.history[key], he.history[key], rtol=1e-5, atol=1e-6, err_msg=key)
    for a, b in zip(compiled.get_weights(), eager.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(compiled.predict(x, verbose=0), eager.predict(x, verbose=0), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(compiled.evaluate(x, y, verbose=0), eager.evaluate(x, y, verbose=0), rtol=1e-5)


def test_compiled_fit_honours_overrides_and_callbacks_that_stop(monkeypatch):
    monkeypatch.setenv("TORCHKERAS_JIT_BACKEND", "aot_eager")
    counts = {"train_step": 0, "compute_loss": 0}

    class Counted(keras.Sequential):
        def train_step(self, data):
            counts["train_step"] += 1
            return super().train_step(data)

        def compute_loss(self, *args, **kwargs):
            counts["compute_loss"] += 1
            return super().compute_loss(*args, **kwargs)

    class StopAfter(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            if batch == 1:
                self.model.stop_training = True

    model = Counted([keras.Input((4,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse", jit_compile=True)
    x, y = helpers.regression_data()
    history = model.fit(x, y, batch_size=4, epochs=3, verbose=0, callbacks=[StopAfter()])
    assert len(history.epoch) == 1
    # Python side effects run while dynamo traces (once), then the compiled graphs skip them: the hooks were
    # traced, not bypassed.
    assert counts["train_step"] >= 1 and counts["compute_loss"] >= 1
