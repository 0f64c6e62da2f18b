"""The public hooks are the training path: Keras 2's containers, nested logs, Sequential build errors, repr."""
import numpy as np
import pytest
import torch

import torchkeras as keras
from torchkeras import layers


def _data(n=32, d=4, seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, d)).astype("float32"), rng.standard_normal((n, 1)).astype("float32")


def _mlp():
    keras.utils.set_random_seed(3)
    return keras.Sequential([keras.Input((4,)), layers.Dense(6, activation="tanh", kernel_regularizer="l2"),
                             layers.Dense(1)])


def test_keras2_compiled_loss_and_compiled_metrics_train_like_the_default_step():
    class Keras2Style(keras.Sequential):
        def train_step(self, data):
            x, y = data
            y_pred = self(x, training=True)
            loss = self.compiled_loss(y, y_pred, regularization_losses=self.losses)
            self.zero_grad()
            loss.backward()
            self.optimizer.apply([v.grad for v in self.trainable_weights], self.trainable_weights)
            self.compiled_metrics.update_state(y, y_pred)
            return {m.name: m.result() for m in self.metrics}

    x, y = _data()
    reference = _mlp()
    model = Keras2Style([keras.Input((4,)), layers.Dense(6, activation="tanh", kernel_regularizer="l2"),
                         layers.Dense(1)])
    model.set_weights(reference.get_weights())
    for m in (reference, model):
        m.compile(keras.optimizers.SGD(0.05), "mse", metrics=["mae"])
    expected = reference.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0).history
    got = model.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0).history
    assert sorted(got) == sorted(expected) == ["loss", "mae"]
    for key in expected:  # another step implementation over 8 steps: equal up to float32 rounding
        np.testing.assert_allclose(got[key], expected[key], rtol=1e-5)


def test_nested_logs_are_flattened_for_every_callback():
    seen = []

    class Spy(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            seen.append(("batch", dict(logs)))

        def on_epoch_end(self, epoch, logs=None):
            seen.append(("epoch", dict(logs)))

    class Nested(keras.Sequential):
        def train_step(self, data):
            logs = super().train_step(data)
            return {"losses": {"loss": logs["loss"]}, "extra": {"deeper": {"one": torch.tensor(1.0)}}}

    x, y = _data()
    model = Nested([keras.Input((4,)), layers.Dense(1)])
    model.compile("sgd", "mse")
    history = model.fit(x, y, batch_size=16, epochs=1, verbose=0, callbacks=[Spy()])
    assert sorted(history.history) == ["loss", "one"]
    assert all(sorted(logs) == ["loss", "one"] and all(isinstance(v, float) for v in logs.values())
               for _, logs in seen)


def test_sequential_reports_errors_raised_while_building():
    class Broken(layers.Layer):
        def call(self, x):
            raise RuntimeError("broken layer")

    with pytest.raises(RuntimeError, match="broken layer"):
        keras.Sequential([keras.Input((3,)), Broken()])


def test_sequential_without_shape_inference_runs_eagerly_like_keras():
    class NoSpec(layers.Layer):
        def call(self, x):
            return x * 2

        def compute_output_spec(self, x):
            raise NotImplementedError

    model = keras.Sequential([keras.Input((3,)), NoSpec(), layers.Dense(2)])
    assert model.built and model._graph_plan is None
    with pytest.raises(AttributeError, match="inputs"):
        model.inputs
    assert model.predict(np.ones((4, 3), "float32"), verbose=0).shape == (4, 2)


def test_sequential_graph_attributes_are_its_functional_graph():
    model = keras.Sequential([keras.Input((3,)), layers.Dense(2)])
    graph = model._functional
    assert model.inputs is graph.inputs and model.outputs is graph.outputs
    assert model._graph_plan is graph._graph_plan
    model.add(layers.Dense(5))
    assert model._functional is not graph and model.outputs[0].shape == (None, 5)


def test_print_model_shows_each_layer_and_its_hyperparameters():
    model = keras.Sequential([keras.Input((8, 8, 1)), layers.Conv2D(4, 3, activation="relu", name="c"),
                              layers.Flatten(name="f"), layers.Dropout(0.25, name="d"),
                              layers.Dense(3, activation="softmax", kernel_initializer="he_normal", name="o")],
                             name="net")
    text = str(model)
    assert text.splitlines()[0] == "Sequential("
    assert "(c): Conv2D(name=c, filters=4, kernel_size=(3, 3), activation=relu)" in text
    assert "(d): Dropout(name=d, rate=0.25)" in text
    assert "(o): Dense(name=o, units=3, activation=softmax, kernel_initializer=HeNormal)" in text
    assert repr(layers.Dense(2, name="plain")) == "Dense(name=plain, units=2)"
