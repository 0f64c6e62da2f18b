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


def _graph_breaks_during(fn):
    from torch._dynamo.utils import counters

    counters.clear()
    fn()
    return dict(counters["graph_break"])


TRACED_OPTIMIZERS = {
    "sgd": lambda: keras.optimizers.SGD(0.05),
    "sgd_nesterov": lambda: keras.optimizers.SGD(0.05, momentum=0.9, nesterov=True, weight_decay=0.01),
    "adam": lambda: keras.optimizers.Adam(0.01, clipnorm=1.0),
    "adam_amsgrad": lambda: keras.optimizers.Adam(0.01, amsgrad=True, global_clipnorm=1.0),
    "adamw": lambda: keras.optimizers.AdamW(0.01),
    "rmsprop": lambda: keras.optimizers.RMSprop(0.01, momentum=0.5, centered=True),
    "adagrad": lambda: keras.optimizers.Adagrad(0.05, clipvalue=0.5),
    "adamax": lambda: keras.optimizers.Adamax(0.01),
    "lion": lambda: keras.optimizers.Lion(0.001),
    "adadelta": lambda: keras.optimizers.Adadelta(1.0),
    "keras2_decay": lambda: keras.optimizers.SGD(0.05, decay=0.01),
    "nadam": lambda: keras.optimizers.Nadam(0.01),
    "lamb": lambda: keras.optimizers.Lamb(0.01),
    "schedule": lambda: keras.optimizers.Adam(keras.optimizers.schedules.ExponentialDecay(0.01, 2, 0.5)),
    "callable_lr": lambda: keras.optimizers.SGD(lambda: 0.05),
}


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.parametrize("name", sorted(TRACED_OPTIMIZERS))
def test_the_optimizer_update_runs_inside_the_compiled_step(name, monkeypatch):
    """The whole step (forward, loss, gradients, update, metrics) is one graph: the step counter and the
    learning rate are tensors in it, so a new learning rate (or a schedule's next value) takes effect without
    recompiling."""
    monkeypatch.setenv("TORCHKERAS_JIT_BACKEND", "aot_eager")
    model, twin = model_pair()
    x, y = helpers.regression_data()
    model.compile(TRACED_OPTIMIZERS[name](), "mse", metrics=["mae"], jit_compile=True)
    twin.compile(TRACED_OPTIMIZERS[name](), "mse", metrics=["mae"])

    from torch._dynamo.utils import counters

    graphs = []

    def train_twice(m):
        m.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
        graphs.append(counters["stats"]["unique_graphs"])
        if m.optimizer._lr_kind == "variable":
            m.optimizer.learning_rate = 0.5 * float(m.optimizer.learning_rate)
        m.fit(x, y, batch_size=8, epochs=1, shuffle=False, verbose=0)
        graphs.append(counters["stats"]["unique_graphs"])

    assert _graph_breaks_during(lambda: train_twice(model)) == {}
    assert graphs[0] == graphs[1]  # the new learning rate did not recompile
    train_twice(twin)
    assert int(model.optimizer.iterations) == int(twin.optimizer.iterations) == 3 * 4
    # float32: the traced update computes the bias corrections in float32 tensors, eager on the host in float64.
    for a, b in zip(model.get_weights(), twin.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    for a, b in zip(model.optimizer.variables, twin.optimizer.variables):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("make", [
    lambda: keras.optimizers.Adam(0.01, gradient_accumulation_steps=2),
    lambda: keras.optimizers.SGD(0.05, use_ema=True, ema_overwrite_frequency=3),
    lambda: keras.optimizers.Ftrl(0.05),
], ids=["accumulation", "ema", "ftrl"])
def test_host_driven_updates_run_eagerly_between_the_compiled_graphs(make, monkeypatch):
    monkeypatch.setenv("TORCHKERAS_JIT_BACKEND", "aot_eager")
    model, twin = model_pair()
    x, y = helpers.regression_data()
    model.compile(make(), "mse", jit_compile=True)
    twin.compile(make(), "mse")
    assert _graph_breaks_during(lambda: model.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0))
    twin.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    assert not model.optimizer._update_traces_in_graph()
    assert int(model.optimizer.iterations) == int(twin.optimizer.iterations)
    for a, b in zip(model.get_weights(), twin.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_every_model_of_a_process_gets_its_own_compiled_step(monkeypatch):
    """torch.compile caches per code object; the models' shared step code would exhaust dynamo's recompile
    limit (8) and silently run the ninth model on eagerly."""
    compiled_for = []

    def recording_compile(fn, **kwargs):
        def backend(graph_module, example_inputs):
            compiled_for.append(fn)
            return graph_module.forward
        return _real_compile(fn, backend=backend, **kwargs)

    monkeypatch.setattr(torch, "compile", recording_compile)
    x, y = helpers.regression_data(n=8)
    seen = 0
    for _ in range(torch._dynamo.config.recompile_limit + 2):
        model, _ = model_pair()
        model.compile("sgd", "mse", jit_compile=True)
        model.fit(x, y, batch_size=8, epochs=1, verbose=0)
        assert len(compiled_for) > seen  # this model's step was compiled, not run eagerly
        seen = len(compiled_for)


@pytest.mark.parametrize("make", [keras.optimizers.Adam, keras.optimizers.Nadam], ids=["adam", "nadam"])
def test_eager_steps_after_compiled_ones_continue_the_step_count(make, monkeypatch):
    """The host caches of the step count (and Nadam's momentum product) see what the compiled steps wrote."""
    monkeypatch.setenv("TORCHKERAS_JIT_BACKEND", "aot_eager")
    model, twin = model_pair()
    x, y = helpers.regression_data()
    model.compile(make(0.01), "mse", jit_compile=True)
    twin.compile(make(0.01), "mse")
    model.fit(x, y, batch_size=8, epochs=1, shuffle=False, verbose=0)
    model.compile(model.optimizer, "mse", jit_compile=False)
    model.fit(x, y, batch_size=8, epochs=1, shuffle=False, verbose=0)
    twin.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    assert model.optimizer._current_iteration() == int(twin.optimizer.iterations) == 8
    for a, b in zip(model.get_weights() + model.optimizer.variables, twin.get_weights() + twin.optimizer.variables):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-5, atol=1e-6)


def test_a_torch_lr_scheduler_drives_the_compiled_update(monkeypatch):
    """A torch scheduler writes `param_groups[0]["lr"]` between steps; the compiled step takes it."""
    from torchkeras.callbacks.torch_lr_scheduler import TorchLRScheduler

    monkeypatch.setenv("TORCHKERAS_JIT_BACKEND", "aot_eager")
    model, twin = model_pair()
    x, y = helpers.regression_data()
    weights = []
    for m, jit in ((model, True), (twin, False)):
        m.compile(keras.optimizers.SGD(0.1), "mse", jit_compile=jit)
        m.optimizer.build(m.trainable_weights)
        scheduler = torch.optim.lr_scheduler.LambdaLR(m.optimizer, lambda step: 1.0 / (1 + step))
        m.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0,
              callbacks=[TorchLRScheduler(scheduler, "batch")])
        weights.append(m.get_weights())
    assert float(np.asarray(model.optimizer.learning_rate)) == pytest.approx(0.1 / 9)
    for a, b in zip(*weights):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
