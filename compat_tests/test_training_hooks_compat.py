"""Keras's training hooks, side by side: which overrides `fit`/`evaluate`/`predict` call, how often, and what
the logs and History hold, for the patterns of the keras.io guides on customizing `fit()` with PyTorch."""
import collections

import numpy as np
import pytest
import torch

import keras

import torchkeras

HOOKS = ("train_step", "test_step", "predict_step", "compute_loss", "compute_metrics", "make_train_function",
         "make_test_function", "make_predict_function", "call")


def _data(n=20, d=3, seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, d)).astype("float32"), rng.standard_normal((n, 1)).astype("float32")


def _counting_subclass(lib, counts):
    """A subclassed model whose every hook counts its real (non-symbolic) calls, then defers to Keras's."""

    def is_real(value):
        return isinstance(value, torch.Tensor) and value.device.type != "meta" and \
            type(value).__name__ in ("Tensor", "Parameter")

    class Net(lib.Model):
        def __init__(self):
            super().__init__()
            self.d1 = lib.layers.Dense(4, activation="relu")
            self.d2 = lib.layers.Dense(1)

        def call(self, x, training=None):
            counts["call"] += 1
            return self.d2(self.d1(x))

    def wrap(name):
        base = getattr(lib.Model, name)

        def hook(self, *args, **kwargs):
            counts[name] += 1
            return base(self, *args, **kwargs)

        return hook

    for name in HOOKS:
        if name != "call":
            setattr(Net, name, wrap(name))
    return Net()


def _run_all(lib):
    counts = collections.Counter()
    x, y = _data()
    model = _counting_subclass(lib, counts)
    model.compile("sgd", "mse", metrics=["mae"])
    per_api = {}
    for api, run in [
        ("fit", lambda: model.fit(x, y, batch_size=8, epochs=2, validation_data=(x, y), verbose=0)),
        ("evaluate", lambda: model.evaluate(x, y, batch_size=8, verbose=0)),
        ("predict", lambda: model.predict(x, batch_size=8, verbose=0)),
        ("train_on_batch", lambda: model.train_on_batch(x, y)),
        ("test_on_batch", lambda: model.test_on_batch(x, y)),
        ("predict_on_batch", lambda: model.predict_on_batch(x)),
    ]:
        counts.clear()
        run()
        per_api[api] = dict(counts)
    return per_api


def test_hooks_are_called_as_often_as_keras_calls_them():
    k_counts, t_counts = _run_all(keras), _run_all(torchkeras)
    for api in k_counts:
        k, t = dict(k_counts[api]), dict(t_counts[api])
        # The first `fit` builds the model from the data's shapes: Keras calls `call` symbolically there, and so
        # does torchkeras (on small stand-in tensors); both count the same number of calls in all.
        assert t == k, api


def test_compute_loss_and_compute_metrics_overrides_are_used():
    x, y = _data(32, 4)

    def build(lib):
        class Net(lib.Model):
            def __init__(self):
                super().__init__()
                self.dense = lib.layers.Dense(1)
                self.extra = lib.metrics.Mean(name="pred_mean")

            def call(self, x):
                return self.dense(x)

            def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
                return lib.ops.mean(lib.ops.abs(y - y_pred)) + 0.5 * super().compute_loss(
                    x, y, y_pred, sample_weight, training)

            def compute_metrics(self, x, y, y_pred, sample_weight=None):
                results = super().compute_metrics(x, y, y_pred, sample_weight)
                self.extra.update_state(y_pred)
                results["pred_mean"] = self.extra.result()
                return results

        model = Net()
        model(np.zeros((1, 4), "float32"))
        return model

    k, t = build(keras), build(torchkeras)
    t.set_weights(k.get_weights())
    for m in (k, t):
        m.compile(keras.optimizers.SGD(0.1) if m is k else torchkeras.optimizers.SGD(0.1), "mse", metrics=["mae"])
    kh = k.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    th = t.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    assert sorted(th.history) == sorted(kh.history)
    for key in kh.history:
        np.testing.assert_allclose(th.history[key], kh.history[key], rtol=1e-5, atol=1e-6, err_msg=key)
    np.testing.assert_allclose(t.evaluate(x, y, verbose=0), k.evaluate(x, y, verbose=0), rtol=1e-5)


def _guide_model(lib, pattern):
    """The keras.io guide's patterns of a custom `train_step` (written here from the guide's description)."""

    class Net(lib.Model):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            if pattern == "own_trackers":
                self.loss_tracker = lib.metrics.Mean(name="loss")
                self.mae_metric = lib.metrics.MeanAbsoluteError(name="mae")
                self.loss_fn = lib.losses.MeanSquaredError()

        def train_step(self, data):
            x, y = data
            self.zero_grad()
            y_pred = self(x, training=True)
            if pattern == "own_trackers":
                loss = self.loss_fn(y, y_pred)
            else:
                loss = self.compute_loss(y=y, y_pred=y_pred)
            loss.backward()
            weights = [v for v in self.trainable_weights]
            with torch.no_grad():
                self.optimizer.apply([v.value.grad for v in weights], weights)
            if pattern == "own_trackers":
                self.loss_tracker.update_state(loss)
                self.mae_metric.update_state(y, y_pred)
                return {"loss": self.loss_tracker.result(), "mae": self.mae_metric.result()}
            for metric in self.metrics:
                if metric.name == "loss":
                    metric.update_state(loss)
                else:
                    metric.update_state(y, y_pred)
            return {m.name: m.result() for m in self.metrics}

        def test_step(self, data):
            x, y = data
            y_pred = self(x, training=False)
            if pattern == "own_trackers":
                self.loss_tracker.update_state(self.loss_fn(y, y_pred))
                self.mae_metric.update_state(y, y_pred)
                return {m.name: m.result() for m in self.metrics}
            loss = self.compute_loss(y=y, y_pred=y_pred)
            for metric in self.metrics:
                if metric.name == "loss":
                    metric.update_state(loss)
                else:
                    metric.update_state(y, y_pred)
            return {m.name: m.result() for m in self.metrics}

        if pattern == "own_trackers":
            @property
            def metrics(self):
                return [self.loss_tracker, self.mae_metric]

    inputs = lib.Input((6,))
    outputs = lib.layers.Dense(1)(lib.layers.Dense(5, activation="tanh")(inputs))
    return Net(inputs, outputs)


@pytest.mark.parametrize("pattern", ["compiled_metrics", "own_trackers"])
def test_guide_custom_train_step_logs_history_and_progress_bar(pattern, capsys):
    x, y = _data(40, 6, seed=2)
    k, t = _guide_model(keras, pattern), _guide_model(torchkeras, pattern)
    t.set_weights(k.get_weights())
    for lib, m in ((keras, k), (torchkeras, t)):
        if pattern == "own_trackers":
            m.compile(optimizer=lib.optimizers.Adam(0.01))
        else:
            m.compile(optimizer=lib.optimizers.Adam(0.01), loss="mse", metrics=["mae"])
    kh = k.fit(x, y, batch_size=10, epochs=3, shuffle=False, validation_data=(x, y), verbose=0)
    th = t.fit(x, y, batch_size=10, epochs=3, shuffle=False, validation_data=(x, y), verbose=1)
    out = capsys.readouterr().out
    assert "loss:" in out and "mae:" in out  # the progress bar shows the flattened logs
    assert sorted(th.history) == sorted(kh.history) == ["loss", "mae", "val_loss", "val_mae"]
    for key in kh.history:
        np.testing.assert_allclose(th.history[key], kh.history[key], rtol=1e-5, atol=1e-6, err_msg=key)
    kev = k.evaluate(x, y, verbose=0, return_dict=True)
    tev = t.evaluate(x, y, verbose=0, return_dict=True)
    assert tev.keys() == kev.keys()
    for key in kev:
        np.testing.assert_allclose(tev[key], kev[key], rtol=1e-5, atol=1e-6)


def test_gan_train_step_with_two_optimizers():
    latent, dim = 3, 4
    rng = np.random.default_rng(5)
    real = rng.standard_normal((24, dim)).astype("float32")
    noise = rng.standard_normal((24, latent)).astype("float32")

    def build(lib):
        disc = lib.Sequential([lib.Input((dim,)), lib.layers.Dense(5, activation="relu"), lib.layers.Dense(1)])
        gen = lib.Sequential([lib.Input((latent,)), lib.layers.Dense(5, activation="relu"), lib.layers.Dense(dim)])

        class GAN(lib.Model):
            def __init__(self):
                super().__init__()
                self.discriminator = disc
                self.generator = gen
                self.d_loss_tracker = lib.metrics.Mean(name="d_loss")
                self.g_loss_tracker = lib.metrics.Mean(name="g_loss")
                self.built = True  # as in the guide: the sub-models are built; the GAN has no `call`

            def compile(self, d_optimizer, g_optimizer, loss_fn):
                super().compile()
                self.d_optimizer = d_optimizer
                self.g_optimizer = g_optimizer
                self.loss_fn = loss_fn

            @property
            def metrics(self):
                return [self.d_loss_tracker, self.g_loss_tracker]

            def train_step(self, data):
                images, z = data
                fake = self.generator(z)
                both = lib.ops.concatenate([fake, images], axis=0)
                labels = lib.ops.concatenate([lib.ops.ones((z.shape[0], 1)), lib.ops.zeros((images.shape[0], 1))],
                                             axis=0)
                self.zero_grad()
                d_loss = self.loss_fn(labels, self.discriminator(both))
                d_loss.backward()
                d_weights = self.discriminator.trainable_weights
                with torch.no_grad():
                    self.d_optimizer.apply([v.value.grad for v in d_weights], d_weights)
                self.zero_grad()
                g_loss = self.loss_fn(lib.ops.zeros((z.shape[0], 1)), self.discriminator(self.generator(z)))
                g_loss.backward()
                g_weights = self.generator.trainable_weights
                with torch.no_grad():
                    self.g_optimizer.apply([v.value.grad for v in g_weights], g_weights)
                self.d_loss_tracker.update_state(d_loss)
                self.g_loss_tracker.update_state(g_loss)
                return {"d_loss": self.d_loss_tracker.result(), "g_loss": self.g_loss_tracker.result()}

        gan = GAN()
        gan.compile(lib.optimizers.Adam(3e-3), lib.optimizers.Adam(3e-3),
                    lib.losses.BinaryCrossentropy(from_logits=True))
        return gan

    k, t = build(keras), build(torchkeras)
    t.discriminator.set_weights(k.discriminator.get_weights())
    t.generator.set_weights(k.generator.get_weights())
    kh = k.fit(real, noise, batch_size=8, epochs=3, shuffle=False, verbose=0)
    th = t.fit(real, noise, batch_size=8, epochs=3, shuffle=False, verbose=0)
    assert sorted(th.history) == sorted(kh.history) == ["d_loss", "g_loss"]
    for key in kh.history:
        np.testing.assert_allclose(th.history[key], kh.history[key], rtol=1e-5, atol=1e-6, err_msg=key)
    for kw, tw in zip(k.generator.get_weights(), t.generator.get_weights()):
        np.testing.assert_allclose(tw, kw, rtol=1e-5, atol=1e-6)


def test_make_train_function_override_is_used():
    x, y = _data(16)
    seen = []

    def build(lib):
        class Net(lib.Model):
            def __init__(self):
                super().__init__()
                self.dense = lib.layers.Dense(1)

            def call(self, x):
                return self.dense(x)

            def make_train_function(self, force=False):
                super().make_train_function(force)
                inner = self.train_function

                def train_function(data):
                    seen.append(lib.__name__)
                    return inner(data)

                self.train_function = train_function
                return train_function

        model = Net()
        model.compile("sgd", "mse")
        return model

    for lib in (keras, torchkeras):
        build(lib).fit(x, y, batch_size=8, epochs=1, verbose=0)
    assert seen.count("keras") == seen.count("torchkeras") == 2
