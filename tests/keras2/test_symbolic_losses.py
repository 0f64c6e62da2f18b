"""Keras 2's symbolic losses and metrics on functional models (the VAE pattern), and `add_metric` in layers."""
import numpy as np
import pytest
import torch

import torchkeras as keras
from torchkeras import backend as K
from torchkeras.layers import Dense, Input, Lambda
from torchkeras.models import Model

RNG = np.random.default_rng(0)
X = RNG.random((32, 6)).astype("float32")


def vae_like(sample=True):
    """The Keras 2 `variational_autoencoder.py` structure (`sample=False`: z = z_mean, deterministic)."""
    keras.utils.set_random_seed(3)
    inputs = Input(shape=(6,), name="encoder_input")
    h = Dense(8, activation="relu", name="h")(inputs)
    z_mean = Dense(2, name="z_mean")(h)
    z_log_var = Dense(2, name="z_log_var")(h)

    def sampling(args):
        mean, log_var = args
        if not sample:
            return mean
        return mean + K.exp(0.5 * log_var) * K.random_normal(shape=(K.shape(mean)[0], K.int_shape(mean)[1]))

    z = Lambda(sampling, output_shape=(2,), name="z")([z_mean, z_log_var])
    encoder = Model(inputs, [z_mean, z_log_var, z], name="encoder")
    latent = Input(shape=(2,), name="z_sampling")
    decoded = Dense(6, activation="sigmoid", name="out")(Dense(8, activation="relu", name="g")(latent))
    decoder = Model(latent, decoded, name="decoder")
    outputs = decoder(encoder(inputs)[2])
    vae = Model(inputs, outputs, name="vae")
    reconstruction = keras.losses.mse(inputs, outputs) * 6
    kl = K.sum(1 + z_log_var - K.square(z_mean) - K.exp(z_log_var), axis=-1) * -0.5
    return vae, K.mean(reconstruction + kl), K.mean(kl)


def reference_loss(vae, x):
    """The same loss computed by hand with torch from the model's layers."""
    xt = torch.as_tensor(x)
    layer = {name: vae.get_layer("encoder").get_layer(name) for name in ("h", "z_mean", "z_log_var")}
    h = layer["h"](xt)
    mean, log_var = layer["z_mean"](h), layer["z_log_var"](h)
    decoder = vae.get_layer("decoder")
    out = decoder.get_layer("out")(decoder.get_layer("g")(mean))
    reconstruction = ((xt - out) ** 2).mean(dim=-1) * 6
    kl = -0.5 * (1 + log_var - mean ** 2 - log_var.exp()).sum(dim=-1)
    return float((reconstruction + kl).mean()), float(kl.mean())


def test_symbolic_loss_is_computed_every_step_from_the_inputs():
    vae, loss, kl = vae_like(sample=False)
    vae.add_loss(loss)
    vae.add_metric(kl, name="kl_loss", aggregation="mean")
    vae.compile(optimizer="adam")
    expected_loss, expected_kl = reference_loss(vae, X)
    logs = vae.evaluate(X, batch_size=32, verbose=0, return_dict=True)
    assert set(logs) == {"loss", "kl_loss"}
    assert logs["loss"] == pytest.approx(expected_loss, rel=1e-5)
    assert logs["kl_loss"] == pytest.approx(expected_kl, rel=1e-5, abs=1e-7)
    assert vae.metrics_names == ["loss", "kl_loss"]
    history = vae.fit(X, None, epochs=3, batch_size=8, validation_data=(X, None), verbose=0)
    assert set(history.history) == {"loss", "kl_loss", "val_loss", "val_kl_loss"}
    assert history.history["loss"][-1] < history.history["loss"][0]
    after, _ = reference_loss(vae, X)
    assert vae.evaluate(X, batch_size=32, verbose=0, return_dict=True)["loss"] == pytest.approx(after, rel=1e-5)


def test_vae_with_sampling_trains_and_its_loss_is_in_model_losses_after_a_call():
    vae, loss, _ = vae_like(sample=True)
    vae.add_loss(loss)
    vae.compile(optimizer=keras.optimizers.Adam(1e-2))
    weights = [w.copy() for w in vae.get_weights()]
    vae.fit(X, epochs=1, batch_size=16, verbose=0)
    assert any(not np.allclose(a, b) for a, b in zip(weights, vae.get_weights()))
    vae(torch.as_tensor(X))
    assert len(vae.losses) == 1 and vae.losses[0].dim() == 0
    assert vae.predict(X, verbose=0).shape == (32, 6)


def test_symbolic_loss_next_to_a_compiled_loss():
    inputs = Input((6,))
    hidden = Dense(4, name="hidden")(inputs)
    outputs = Dense(1, name="out")(hidden)
    model = Model(inputs, outputs)
    model.add_loss(0.1 * K.mean(K.square(hidden)))
    model.compile("sgd", "mse")
    y = X[:, :1]
    logs = model.evaluate(X, y, batch_size=32, verbose=0, return_dict=True)
    xt = torch.as_tensor(X)
    h = model.get_layer("hidden")(xt)
    expected = float(((model.get_layer("out")(h) - torch.as_tensor(y)) ** 2).mean() + 0.1 * (h ** 2).mean())
    assert logs["loss"] == pytest.approx(expected, rel=1e-5)


def test_loss_layers_used_only_by_the_symbolic_loss_are_trained():
    inputs = Input((6,))
    outputs = Dense(1, name="out")(inputs)
    model = Model(inputs, outputs)
    probe = Dense(1, name="probe")
    model.add_loss(K.mean(K.square(probe(inputs) - 3.0)))
    model.compile("sgd", "mse")
    assert any(w is probe.kernel for w in model.trainable_weights)
    before = probe.get_weights()[0].copy()
    model.fit(X, X[:, :1], epochs=1, batch_size=8, verbose=0)
    assert not np.allclose(before, probe.get_weights()[0])


def test_symbolic_loss_from_another_input_is_a_graph_disconnected_error():
    inputs, other = Input((6,)), Input((6,))
    model = Model(inputs, Dense(1)(inputs))
    with pytest.raises(ValueError, match="Graph disconnected.*not an input of model"):
        model.add_loss(K.mean(other))


def test_symbolic_loss_on_a_subclassed_model_explains_what_to_do():
    class Net(keras.Model):
        def call(self, x):
            return x

    with pytest.raises(ValueError, match="needs a functional model"):
        Net().add_loss(K.mean(Input((3,))))


def test_layer_losses_added_during_functional_construction_join_the_model():
    inputs = Input((6,))
    dense = Dense(3, name="d")
    hidden = dense(inputs)
    dense.add_loss(K.sum(K.abs(hidden)) * 0.0 + 2.0 * K.mean(hidden))
    model = Model(inputs, Dense(1)(hidden))
    model(torch.as_tensor(X))
    expected = 2.0 * float(dense(torch.as_tensor(X)).mean())
    model(torch.as_tensor(X))
    assert [float(v) for v in model.losses] == pytest.approx([expected], rel=1e-5)


def test_losses_added_by_layer_calls_are_not_kept_from_shape_inference():
    class Penalized(keras.layers.Layer):
        def call(self, x):
            self.add_loss(K.mean(x) * 0 + 1.0)
            return x

    inputs = Input((6,))
    model = Model(inputs, Penalized()(inputs))
    assert model.losses == []
    model(torch.as_tensor(X))
    assert [float(v) for v in model.losses] == [1.0]


def test_add_metric_in_a_custom_layer_shows_in_the_logs():
    class ActivityLogger(keras.layers.Layer):
        def call(self, x):
            self.add_metric(K.mean(x), name="mean_activation", aggregation="mean")
            return x

    inputs = Input((6,))
    outputs = Dense(1)(ActivityLogger()(inputs))
    model = Model(inputs, outputs)
    model.compile("sgd", "mse")
    history = model.fit(X, X[:, :1], epochs=1, batch_size=8, shuffle=False, validation_data=(X, X[:, :1]),
                        verbose=0)
    assert "mean_activation" in history.history and "val_mean_activation" in history.history
    assert history.history["mean_activation"][0] == pytest.approx(float(X.mean()), rel=1e-5)
    assert model.metrics_names == ["loss", "mean_activation"]


def test_add_metric_arguments_as_keras_2():
    layer = keras.layers.Layer()
    with pytest.raises(ValueError, match="provide a name"):
        layer.add_metric(torch.ones(2))
    with pytest.raises(ValueError, match="aggregation"):
        layer.add_metric(torch.ones(2), name="m", aggregation="sum")
    layer.add_metric(torch.ones(2), "mean", "m")  # Keras 2.3's positional order: (value, aggregation, name)
    layer.add_metric(torch.zeros(2), name="m")
    (metric,) = layer._tracked_metrics
    assert metric.name == "m" and float(metric.result()) == 0.5


def test_a_layer_loss_is_counted_once_when_its_model_is_nested():
    inputs = Input((6,))
    dense = Dense(3, name="d")
    hidden = dense(inputs)
    dense.add_loss(K.mean(hidden))
    inner = Model(inputs, hidden)
    outer_in = Input((6,))
    outer = Model(outer_in, Dense(1)(inner(outer_in)))
    outer(torch.as_tensor(X))
    assert len(outer.losses) == 1
    assert float(outer.losses[0]) == pytest.approx(float(dense(torch.as_tensor(X)).mean()), rel=1e-5)
