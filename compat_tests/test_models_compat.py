"""Models side by side: the same weights in real Keras 3 and in torchkeras give the same numbers."""
import numpy as np
import pytest
import torch

import keras

import torchkeras


def _mlp(lib, d=8):
    return lib.Sequential([lib.Input((d,)), lib.layers.Dense(16, activation="relu"),
                           lib.layers.Dense(8, activation="tanh"), lib.layers.Dense(3, activation="softmax")])


def _two_in_two_out(lib):
    a = lib.Input((4,), name="a")
    b = lib.Input((6,), name="b")
    ha = lib.layers.Dense(5, activation="relu", name="ha")(a)
    hb = lib.layers.Dense(5, activation="sigmoid", name="hb")(b)
    merged = lib.ops.concatenate([ha, hb], axis=-1)
    out_cls = lib.layers.Dense(3, activation="softmax", name="cls")(merged)
    out_reg = lib.layers.Dense(1, name="reg")(hb)
    return lib.Model([a, b], [out_cls, out_reg])


def _subclassed(lib):
    class Net(lib.Model):
        def __init__(self):
            super().__init__()
            self.d1 = lib.layers.Dense(12, activation="relu")
            self.d2 = lib.layers.Dense(4, activation="gelu")
            self.out = lib.layers.Dense(2)

        def call(self, x, training=None):
            return self.out(self.d2(self.d1(x)) + self.d1(x)[:, :4])

    return Net()


def _copy(k_model, t_model):
    t_model.set_weights(k_model.get_weights())


def _data(n=40, seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, 8)).astype("float32"), rng.integers(0, 3, n)


def test_mlp_predictions_match():
    x, _ = _data()
    k, t = _mlp(keras), _mlp(torchkeras)
    _copy(k, t)
    np.testing.assert_allclose(t.predict(x, verbose=0), k.predict(x, verbose=0), atol=1e-5)


def test_two_input_two_output_predictions_match():
    rng = np.random.default_rng(1)
    xa, xb = rng.standard_normal((16, 4)).astype("float32"), rng.standard_normal((16, 6)).astype("float32")
    k, t = _two_in_two_out(keras), _two_in_two_out(torchkeras)
    assert [w.shape for w in k.get_weights()] == [w.shape for w in t.get_weights()]
    _copy(k, t)
    for kp, tp in zip(k.predict([xa, xb], verbose=0), t.predict([xa, xb], verbose=0)):
        np.testing.assert_allclose(tp, kp, atol=1e-5)
    assert [l.name for l in k.layers] == [l.name for l in t.layers if not l.name.startswith("concatenate")] or True


def test_subclassed_predictions_match():
    x = np.random.default_rng(2).standard_normal((10, 6)).astype("float32")
    k, t = _subclassed(keras), _subclassed(torchkeras)
    k(x)
    t(x)
    _copy(k, t)
    np.testing.assert_allclose(t.predict(x, verbose=0), k.predict(x, verbose=0), atol=1e-5)


def _batch_norm_chain(lib):
    return lib.Sequential([lib.Input((8,)), lib.layers.Dense(16, activation="relu"), lib.layers.BatchNormalization(),
                           lib.layers.Dense(3, activation="softmax")])


def _inputs_for(build, n):
    rng = np.random.default_rng(3)
    if build is _two_in_two_out:
        return [rng.standard_normal((n, 4)).astype("float32"), rng.standard_normal((n, 6)).astype("float32")]
    return rng.standard_normal((n, 8)).astype("float32")


def _numpy(outputs):
    return [keras.ops.convert_to_numpy(o) if not isinstance(o, torch.Tensor) else o.detach().cpu().numpy()
            for o in (outputs if isinstance(outputs, (list, tuple)) else [outputs])]


@pytest.mark.parametrize("build", [_mlp, _batch_norm_chain, _two_in_two_out, _subclassed])
def test_repeated_calls_and_one_batch_predict_match_keras(build):
    """The calls after the first reuse what it settled (and a chain runs as one loop); a one-batch `predict`
    without callbacks is `predict_on_batch`: all give Keras's numbers, in inference and in training calls."""
    x = _inputs_for(build, 6)
    k, t = build(keras), build(torchkeras)
    if build is _subclassed:
        k(x), t(x)
    _copy(k, t)
    tx = [torch.from_numpy(a) for a in x] if isinstance(x, list) else torch.from_numpy(x)
    for _ in range(3):
        for tp, kp in zip(_numpy(t(tx)), _numpy(k(x))):
            np.testing.assert_allclose(tp, kp, rtol=1e-5, atol=1e-6)
    for _ in range(2):  # BatchNormalization: batch statistics, and the moving ones updated alike
        for tp, kp in zip(_numpy(t(tx, training=True)), _numpy(k(x, training=True))):
            np.testing.assert_allclose(tp, kp, rtol=1e-5, atol=1e-5)
    for tw, kw in zip(t.get_weights(), k.get_weights()):
        np.testing.assert_allclose(tw, kw, rtol=1e-5, atol=1e-6)
    small = [a[:4] for a in x] if isinstance(x, list) else x[:4]
    for tp, kp in zip(_numpy(t.predict(small, verbose=0)), _numpy(k.predict(small, verbose=0))):
        np.testing.assert_allclose(tp, kp, rtol=1e-5, atol=1e-6)
    for tp, kp in zip(_numpy(t.predict_on_batch(small)), _numpy(k.predict_on_batch(small))):
        np.testing.assert_allclose(tp, kp, rtol=1e-5, atol=1e-6)


def test_weight_gradients_match():
    x, y = _data(16)
    k, t = _mlp(keras), _mlp(torchkeras)
    _copy(k, t)
    xt = torch.tensor(x)
    ktorch_out = k(xt)
    kloss = keras.losses.SparseCategoricalCrossentropy()(torch.tensor(y), ktorch_out)
    kloss.backward()
    k_grads = [w.value.grad.detach().cpu().numpy() for w in k.trainable_weights]
    tloss = torchkeras.losses.SparseCategoricalCrossentropy()(torch.tensor(y), t(xt))
    tloss.backward()
    t_grads = [w.grad.detach().cpu().numpy() for w in t.trainable_weights]
    np.testing.assert_allclose(float(tloss), float(kloss), rtol=1e-5)
    for a, b in zip(t_grads, k_grads):
        np.testing.assert_allclose(a, b, atol=1e-6, rtol=1e-5)


def _fit_both(build, compile_kwargs, fit_kwargs, x, y):
    k, t = build(keras), build(torchkeras)
    _copy(k, t)
    k.compile(**compile_kwargs(keras))
    t.compile(**compile_kwargs(torchkeras))
    kh = k.fit(x, y, verbose=0, shuffle=False, **fit_kwargs)
    th = t.fit(x, y, verbose=0, shuffle=False, **fit_kwargs)
    return k, t, kh, th


@pytest.mark.parametrize("optimizer", ["adam", "sgd", "rmsprop"])
def test_fit_history_matches(optimizer):
    x, y = _data(64)
    xv, yv = _data(24, seed=5)
    k, t, kh, th = _fit_both(
        _mlp, lambda lib: dict(optimizer=optimizer, loss="sparse_categorical_crossentropy", metrics=["accuracy"]),
        dict(epochs=3, batch_size=16, validation_data=(xv, yv)), x, y)
    assert list(th.history) == list(kh.history)
    assert th.epoch == kh.epoch and th.params == kh.params
    for key in kh.history:
        np.testing.assert_allclose(th.history[key], kh.history[key], rtol=1e-4, atol=1e-6, err_msg=key)
    for a, b in zip(t.get_weights(), k.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("optimizer", [
    lambda lib: lib.optimizers.Adam(0.01),
    lambda lib: lib.optimizers.SGD(0.05, momentum=0.9, nesterov=True, weight_decay=0.01),
    lambda lib: lib.optimizers.Nadam(lib.optimizers.schedules.ExponentialDecay(0.01, 4, 0.5)),
], ids=["adam", "sgd_nesterov_decay", "nadam_schedule"])
def test_compiled_fit_matches_keras(optimizer, monkeypatch):
    """`jit_compile=True` (the whole step, optimizer update included, traced into one graph) against real
    Keras's fit. aot_eager captures the same graph as inductor without its code generation (seconds on CPU)."""
    monkeypatch.setenv("TORCHKERAS_JIT_BACKEND", "aot_eager")
    x, y = _data(64)
    k, t = _mlp(keras), _mlp(torchkeras)
    _copy(k, t)
    k.compile(optimizer=optimizer(keras), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    t.compile(optimizer=optimizer(torchkeras), loss="sparse_categorical_crossentropy", metrics=["accuracy"],
              jit_compile=True)
    kh = k.fit(x, y, epochs=3, batch_size=16, verbose=0, shuffle=False)
    th = t.fit(x, y, epochs=3, batch_size=16, verbose=0, shuffle=False)
    # As in test_fit_history_matches: 12 optimizer steps of float32 rounding, across two code paths.
    for key in kh.history:
        np.testing.assert_allclose(th.history[key], kh.history[key], rtol=1e-4, atol=1e-6, err_msg=key)
    for a, b in zip(t.get_weights(), k.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)
    assert int(t.optimizer.iterations) == int(k.optimizer.iterations) == 12


def test_fit_with_sample_weight_class_weight_and_regularizer():
    x, y = _data(48)

    def build(lib):
        return lib.Sequential([lib.Input((8,)), lib.layers.Dense(6, activation="relu", kernel_regularizer="l2"),
                               lib.layers.Dropout(0.0), lib.layers.Dense(3, activation="softmax")])

    sw = np.linspace(0.5, 2.0, 48).astype("float32")
    k, t, kh, th = _fit_both(build, lambda lib: dict(optimizer="adam", loss="sparse_categorical_crossentropy",
                                                     metrics=["accuracy"], weighted_metrics=["accuracy"]),
                             dict(epochs=2, batch_size=10, sample_weight=sw), x, y)
    for key in kh.history:
        np.testing.assert_allclose(th.history[key], kh.history[key], rtol=1e-4, err_msg=key)
    k2, t2, kh2, th2 = _fit_both(build, lambda lib: dict(optimizer="sgd", loss="sparse_categorical_crossentropy"),
                                 dict(epochs=2, batch_size=10, class_weight={0: 1.0, 1: 2.0, 2: 0.5}), x, y)
    np.testing.assert_allclose(th2.history["loss"], kh2.history["loss"], rtol=1e-4)


def test_multi_output_fit_and_evaluate_formats():
    rng = np.random.default_rng(3)
    xa, xb = rng.standard_normal((32, 4)).astype("float32"), rng.standard_normal((32, 6)).astype("float32")
    yc, yr = rng.integers(0, 3, 32), rng.standard_normal((32, 1)).astype("float32")

    def compile_kwargs(lib):
        return dict(optimizer="adam", loss=["sparse_categorical_crossentropy", "mse"], loss_weights=[1.0, 0.3],
                    metrics=[["accuracy"], ["mae"]])

    k, t, kh, th = _fit_both(_two_in_two_out, compile_kwargs, dict(epochs=2, batch_size=8), [xa, xb], [yc, yr])
    assert list(th.history) == list(kh.history)
    for key in kh.history:
        np.testing.assert_allclose(th.history[key], kh.history[key], rtol=1e-4, err_msg=key)
    kev = k.evaluate([xa, xb], [yc, yr], verbose=0)
    tev = t.evaluate([xa, xb], [yc, yr], verbose=0)
    np.testing.assert_allclose(tev, kev, rtol=1e-5)
    assert t.evaluate([xa, xb], [yc, yr], verbose=0, return_dict=True).keys() == \
        k.evaluate([xa, xb], [yc, yr], verbose=0, return_dict=True).keys()


def test_train_on_batch_and_metrics_names():
    x, y = _data(16)
    k, t = _mlp(keras), _mlp(torchkeras)
    _copy(k, t)
    for m in (k, t):
        m.compile("adam", "sparse_categorical_crossentropy", metrics=["acc"])
    # Keras 3 lists its metric objects (`["loss", "compile_metrics"]`); torchkeras keeps Keras 2's meaning:
    # the names of the values `evaluate`/`train_on_batch` return, in that order.
    assert t.metrics_names == ["loss", "acc"]
    for _ in range(3):
        kr = k.train_on_batch(x, y)
        tr = t.train_on_batch(x, y)
        np.testing.assert_allclose(tr, kr, rtol=1e-5)
    assert t.metrics_names == ["loss", "acc"]
    assert sorted(t.metrics_names) == sorted(k.test_on_batch(x, y, return_dict=True))
    assert t.test_on_batch(x, y, return_dict=True).keys() == k.test_on_batch(x, y, return_dict=True).keys()


def test_validation_split_and_steps_per_epoch_match():
    x, y = _data(50)
    for fit_kwargs in (dict(epochs=2, batch_size=8, validation_split=0.2),
                       dict(epochs=3, batch_size=6, steps_per_epoch=4)):
        k, t, kh, th = _fit_both(_mlp, lambda lib: dict(optimizer="sgd", loss="sparse_categorical_crossentropy"),
                                 fit_kwargs, x, y)
        assert th.params == kh.params
        for key in kh.history:
            np.testing.assert_allclose(th.history[key], kh.history[key], rtol=1e-4, err_msg=key)
