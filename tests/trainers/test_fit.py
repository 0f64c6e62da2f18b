import numpy as np
import pytest
import torch

import torchkeras as keras
from torchkeras import layers


def make_data(n=64, d=4, classes=3, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, d)).astype("float32")
    y = rng.integers(0, classes, n)
    return x, y


def mlp(d=4, classes=3):
    return keras.Sequential([keras.Input((d,)), layers.Dense(8, activation="relu"),
                             layers.Dense(classes, activation="softmax")])


def test_fit_evaluate_predict_history(device):
    x, y = make_data()
    model = mlp()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, epochs=3, batch_size=16, validation_split=0.25, verbose=0)
    assert sorted(history.history) == ["accuracy", "loss", "val_accuracy", "val_loss"]
    assert history.epoch == [0, 1, 2] and history.params == {"verbose": 0, "epochs": 3, "steps": 3}
    assert history.history["loss"][-1] < history.history["loss"][0]
    loss, acc = model.evaluate(x, y, verbose=0)
    assert 0 <= acc <= 1
    logs = model.evaluate(x, y, verbose=0, return_dict=True)
    assert set(logs) == {"loss", "accuracy"}
    preds = model.predict(x, verbose=0)
    assert preds.shape == (64, 3) and isinstance(preds, np.ndarray)
    assert model.weights[0].device.type == device


def test_fit_before_compile():
    with pytest.raises(ValueError, match="You must call `compile\\(\\)`"):
        mlp().fit(*make_data(), verbose=0)
    with pytest.raises(ValueError, match="You must call `compile\\(\\)`"):
        mlp().evaluate(*make_data(), verbose=0)


def test_unknown_identifiers():
    model = mlp()
    with pytest.raises(ValueError, match="Could not interpret optimizer identifier: adamx"):
        model.compile(optimizer="adamx", loss="mse")
    with pytest.raises(ValueError, match="Could not interpret loss identifier: msee"):
        model.compile(optimizer="adam", loss="msee")
    with pytest.raises(ValueError, match="Could not interpret metric identifier: acuracy"):
        model.compile(optimizer="adam", loss="mse", metrics=["acuracy"])


def test_wrong_input_shape_is_a_keras_error():
    model = mlp()
    model.compile("sgd", "sparse_categorical_crossentropy")
    x, y = make_data(d=5)
    with pytest.raises(ValueError, match="expected axis -1 of input shape to have value 4"):
        model.fit(x, y, verbose=0)


def test_unknown_fit_kwarg():
    model = mlp()
    model.compile("sgd", "mse")
    with pytest.raises(TypeError, match="nb_epoch"):
        model.fit(*make_data(), nb_epoch=2)


def test_class_weight_and_sample_weight_conflict():
    model = mlp()
    model.compile("sgd", "sparse_categorical_crossentropy")
    x, y = make_data()
    with pytest.raises(ValueError, match="You cannot `class_weight` and `sample_weight` at the same time"):
        model.fit(x, y, class_weight={0: 1.0}, sample_weight=np.ones(64), verbose=0)


def test_cardinality_error():
    model = mlp()
    model.compile("sgd", "sparse_categorical_crossentropy")
    x, y = make_data()
    with pytest.raises(ValueError, match="Data cardinality is ambiguous"):
        model.fit(x, y[:10], verbose=0)


def test_train_test_predict_on_batch():
    x, y = make_data()
    model = mlp()
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    out = model.train_on_batch(x, y)
    assert isinstance(out, list) and len(out) == 2
    logs = model.test_on_batch(x, y, return_dict=True)
    assert set(logs) == {"accuracy", "loss"}
    assert model.predict_on_batch(x).shape == (64, 3)


def test_multi_output_log_names():
    a = keras.Input((3,))
    out_a = layers.Dense(2, activation="softmax", name="out_a")(a)
    out_b = layers.Dense(1, name="out_b")(a)
    model = keras.Model(a, [out_a, out_b])
    model.compile("sgd", ["sparse_categorical_crossentropy", "mse"], loss_weights=[1.0, 0.5],
                  metrics=["accuracy", "mae"])
    x = np.random.rand(8, 3).astype("float32")
    ya, yb = np.random.randint(0, 2, 8), np.random.rand(8, 1).astype("float32")
    logs = model.evaluate(x, [ya, yb], verbose=0, return_dict=True)
    assert sorted(logs) == ["loss", "out_a_accuracy", "out_a_loss", "out_b_loss", "out_b_mae"]
    np.testing.assert_allclose(logs["loss"], logs["out_a_loss"] + 0.5 * logs["out_b_loss"], rtol=1e-5)
    values = model.evaluate(x, {"out_a": ya, "out_b": yb}, verbose=0)
    assert values[0] == pytest.approx(logs["loss"], rel=1e-6)


def test_dict_inputs_by_name():
    a = keras.Input((2,), name="left")
    b = keras.Input((3,), name="right")
    out = layers.Dense(1)(keras.ops.concatenate([a, b], axis=-1))
    model = keras.Model([a, b], out)
    model.compile("sgd", "mse")
    data = {"left": np.ones((8, 2), "float32"), "right": np.ones((8, 3), "float32")}
    model.fit(data, np.ones((8, 1), "float32"), verbose=0)
    assert model.predict(data, verbose=0).shape == (8, 1)


def test_generator_and_steps_per_epoch():
    x, y = make_data(n=32)

    def gen():
        while True:
            for i in range(0, 32, 8):
                yield x[i:i + 8], y[i:i + 8]

    model = mlp()
    model.compile("sgd", "sparse_categorical_crossentropy")
    history = model.fit(gen(), steps_per_epoch=4, epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2
    assert model.optimizer.iterations.numpy() == 8


def test_torch_dataloader():
    x, y = make_data(n=32)
    ds = torch.utils.data.TensorDataset(torch.from_numpy(x), torch.from_numpy(y))
    loader = torch.utils.data.DataLoader(ds, batch_size=8)
    model = mlp()
    model.compile("sgd", "sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(loader, epochs=2, verbose=0)
    assert history.params["steps"] == 4
    assert model.evaluate(loader, verbose=0, return_dict=True).keys() == {"loss", "accuracy"}


def test_subclassed_model_and_custom_train_step():
    class Net(keras.Model):
        def __init__(self):
            super().__init__()
            self.d1 = layers.Dense(8, activation="relu")
            self.d2 = layers.Dense(1)

        def call(self, x, training=None):
            return self.d2(self.d1(x))

    class Custom(Net):
        def train_step(self, data):
            x, y = data
            self.zero_grad()
            y_pred = self(x, training=True)
            loss = self.compute_loss(y=y, y_pred=y_pred)
            loss.backward()
            trainable = [v for v in self.trainable_weights]
            grads = [v.value.grad for v in trainable]
            with torch.no_grad():
                self.optimizer.apply(grads, trainable)
            for m in self.metrics:
                if m.name == "loss":
                    m.update_state(loss)
                else:
                    m.update_state(y, y_pred)
            return {m.name: m.result() for m in self.metrics}

    x = np.random.rand(32, 4).astype("float32")
    y = x.sum(axis=1, keepdims=True)
    for cls in (Net, Custom):
        model = cls()
        model.compile("adam", "mse", metrics=["mae"])
        history = model.fit(x, y, epochs=3, batch_size=8, verbose=0)
        assert history.history["loss"][-1] < history.history["loss"][0]
        assert len(model.layers) == 2


def test_callbacks_hook_order():
    events = []

    class Recorder(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            events.append("train_begin")

        def on_epoch_begin(self, epoch, logs=None):
            events.append(f"epoch_begin {epoch}")

        def on_train_batch_end(self, batch, logs=None):
            events.append(f"batch_end {batch} {sorted(logs)}")

        def on_test_begin(self, logs=None):
            events.append("test_begin")

        def on_epoch_end(self, epoch, logs=None):
            events.append(f"epoch_end {epoch} {sorted(logs)}")

        def on_train_end(self, logs=None):
            events.append("train_end")

    x, y = make_data(n=16)
    model = mlp()
    model.compile("sgd", "sparse_categorical_crossentropy")
    model.fit(x, y, batch_size=8, epochs=1, validation_data=(x, y), callbacks=[Recorder()], verbose=0)
    assert events == ["train_begin", "epoch_begin 0", "batch_end 0 ['loss']", "batch_end 1 ['loss']",
                      "test_begin", "epoch_end 0 ['loss', 'val_loss']", "train_end"]


def test_stop_training_from_callback():
    class Stop(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            if batch == 1:
                self.model.stop_training = True

    x, y = make_data(n=64)
    model = mlp()
    model.compile("sgd", "sparse_categorical_crossentropy")
    history = model.fit(x, y, batch_size=8, epochs=5, callbacks=[Stop()], verbose=0)
    assert history.epoch == [0] and int(model.optimizer.iterations.numpy()) == 2


def test_regularization_losses_in_reported_loss():
    x = np.ones((4, 2), "float32")
    y = np.zeros((4, 1), "float32")
    model = keras.Sequential([keras.Input((2,)), layers.Dense(1, kernel_initializer="ones",
                                                             kernel_regularizer=keras.regularizers.L2(0.1))])
    model.compile("sgd", "mse")
    loss = model.evaluate(x, y, verbose=0)
    np.testing.assert_allclose(loss, 4.0 + 0.1 * 2, rtol=1e-6)


def test_no_loss_error():
    model = mlp()
    model.compile("sgd")
    with pytest.raises(ValueError, match="No loss to compute"):
        model.fit(*make_data(), verbose=0)


def test_initial_epoch_and_validation_freq():
    x, y = make_data()
    model = mlp()
    model.compile("sgd", "sparse_categorical_crossentropy")
    history = model.fit(x, y, epochs=4, initial_epoch=1, validation_data=(x, y), validation_freq=2, verbose=0)
    assert history.epoch == [1, 2, 3]
    assert len(history.history["val_loss"]) == 2  # after epochs 2 and 4 (1-based)


def test_predict_multiple_outputs_structure():
    x = keras.Input((3,))
    model = keras.Model(x, {"a": layers.Dense(1)(x), "b": layers.Dense(2)(x)})
    out = model.predict(np.ones((5, 3), "float32"), batch_size=2, verbose=0)
    assert set(out) == {"a", "b"} and out["b"].shape == (5, 2)
