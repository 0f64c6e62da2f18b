"""`keras.remat` and `keras.RematScope`: torch.utils.checkpoint under Keras's rules; same numbers as without
rematerialization, fewer saved activations, state updated once."""
import numpy as np
import pytest
import torch

import torchkeras as keras
from torchkeras.backend.remat import RematMode, get_current_remat_mode


def _saved_bytes(fn):
    """The bytes of the tensors autograd saves for the backward pass while `fn()` runs."""
    total = [0]

    def pack(t):
        total[0] += t.numel() * t.element_size()
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        out = fn()
    return out, total[0]


def test_scope_stack_and_modes():
    assert get_current_remat_mode() is None
    with keras.RematScope(mode="full"):
        assert get_current_remat_mode() == RematMode("full", 1024, [])
        with keras.RematScope(mode="larger_than", output_size_threshold=10):
            assert get_current_remat_mode().mode == "larger_than"
            assert get_current_remat_mode().output_size_threshold == 10
        assert get_current_remat_mode().mode == "full"
    assert get_current_remat_mode() is None
    with pytest.raises(ValueError, match="Invalid mode 'invalid'"):
        keras.RematScope(mode="invalid")


def test_the_mode_is_taken_when_the_layer_is_created():
    with keras.RematScope(mode="list_of_layers", layer_names=["d1"]):
        d1 = keras.layers.Dense(3, name="d1")
    d2 = keras.layers.Dense(3, name="d2")
    assert d1._remat_mode == RematMode("list_of_layers", 1024, ["d1"])
    assert d2._remat_mode is None


def test_remat_function_gives_the_same_values_and_gradients_with_kwargs():
    def fn(x, scale=1.0, offset=0.0):
        return torch.tanh(x * scale + offset) ** 2

    x = torch.randn(4, 3, requires_grad=True)
    expected = fn(x, scale=2.0, offset=1.0)
    (g_expected,) = torch.autograd.grad(expected.sum(), x)
    got = keras.remat(fn)(x, scale=2.0, offset=1.0)
    (g_got,) = torch.autograd.grad(got.sum(), x)
    torch.testing.assert_close(got, expected)
    torch.testing.assert_close(g_got, g_expected)
    torch.testing.assert_close(keras.remat(fn)(x), fn(x))


def test_remat_of_a_layer_inside_a_lambda_model_trains():
    inputs = keras.Input((4,))
    h = keras.layers.Dense(4)(inputs)
    h = keras.layers.Lambda(keras.remat(keras.layers.ReLU()))(h)
    model = keras.Model(inputs, keras.layers.Dense(1)(h))
    x = np.random.default_rng(0).normal(size=(64, 4)).astype("float32")
    y = np.random.default_rng(1).normal(size=(64, 1)).astype("float32")
    model.compile(optimizer="sgd", loss="mse")
    history = model.fit(x, y, epochs=2, batch_size=16, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    np.testing.assert_allclose(keras.remat(keras.layers.ReLU())(x), np.maximum(x, 0))


def _mlp(mode=None, **scope_kwargs):
    keras.utils.set_random_seed(7)

    def make():
        return keras.Sequential([
            keras.Input((8,)),
            keras.layers.Dense(32, activation="gelu", name="d1"),
            keras.layers.BatchNormalization(name="bn"),
            keras.layers.Dropout(0.3, seed=3, name="drop"),
            keras.layers.GaussianNoise(0.1, seed=5, name="noise"),
            keras.layers.Dense(16, activation="tanh", activity_regularizer="l1", kernel_regularizer="l2", name="d2"),
            keras.layers.Dense(4, name="out"),
        ])

    if mode is None:
        return make()
    with keras.RematScope(mode=mode, **scope_kwargs):
        return make()


MODES = [("full", {}), ("activations", {}), ("larger_than", {"output_size_threshold": 100}),
         ("list_of_layers", {"layer_names": ["d1", "drop", "d2"]})]


@pytest.mark.parametrize("mode,kwargs", MODES)
def test_a_training_step_gives_the_same_numbers_as_without_remat(mode, kwargs):
    x = torch.tensor(np.random.default_rng(0).normal(size=(16, 8)).astype("float32"), requires_grad=True)
    results = []
    for m in (None, mode):
        model = _mlp(m, **kwargs)
        out = model(x, training=True)
        loss = (out * torch.arange(out.numel()).reshape(out.shape)).sum() + sum(model.losses)
        grads = torch.autograd.grad(loss, [x] + model.trainable_weights)
        results.append((out.detach(), grads, [w.numpy() for w in model.weights], len(model.losses)))
    (out0, grads0, weights0, n0), (out1, grads1, weights1, n1) = results
    torch.testing.assert_close(out1, out0, rtol=0, atol=0)
    for g1, g0 in zip(grads1, grads0):
        torch.testing.assert_close(g1, g0, rtol=1e-6, atol=1e-6)
    for w1, w0 in zip(weights1, weights0):  # moving statistics updated once, not again in the recomputation
        np.testing.assert_array_equal(w1, w0)
    assert n1 == n0


@pytest.mark.parametrize("mode,kwargs", MODES)
def test_fit_gives_the_same_weights_as_without_remat(mode, kwargs):
    x = np.random.default_rng(0).normal(size=(32, 8)).astype("float32")
    y = np.random.default_rng(1).normal(size=(32, 4)).astype("float32")
    results = []
    for m in (None, mode):
        model = _mlp(m, **kwargs)
        model.compile(optimizer="adam", loss="mse")
        history = model.fit(x, y, epochs=2, batch_size=8, shuffle=False, verbose=0)
        results.append((history.history["loss"], model.get_weights(), model.predict(x, verbose=0)))
    np.testing.assert_allclose(results[1][0], results[0][0], rtol=1e-6)
    for w1, w0 in zip(results[1][1], results[0][1]):
        np.testing.assert_allclose(w1, w0, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(results[1][2], results[0][2], rtol=1e-6, atol=1e-6)


def test_full_remat_keeps_fewer_activations():
    def make(mode):
        keras.utils.set_random_seed(1)
        layers = [keras.Input((64,))] + [keras.layers.Dense(128, activation="relu") for _ in range(6)]
        if mode is None:
            return keras.Sequential(layers + [keras.layers.Dense(1)])
        with keras.RematScope(mode=mode):
            return keras.Sequential(layers + [keras.layers.Dense(1)])

    x = torch.randn(256, 64)
    plain, plain_bytes = _saved_bytes(lambda: make(None)(x, training=True))
    rematted, remat_bytes = _saved_bytes(lambda: make("full")(x, training=True))
    torch.testing.assert_close(rematted, plain)
    assert remat_bytes < plain_bytes / 10


def test_list_of_layers_and_larger_than_choose_their_layers():
    x = torch.randn(8, 16)
    with keras.RematScope(mode="list_of_layers", layer_names=["big"]):
        big = keras.layers.Dense(64, activation="tanh", name="big")
        small = keras.layers.Dense(64, activation="tanh", name="small")
    _, saved_big = _saved_bytes(lambda: big(x))
    _, saved_small = _saved_bytes(lambda: small(x))
    assert saved_big < saved_small  # only `big`'s input is kept

    with keras.RematScope(mode="larger_than", output_size_threshold=8 * 32):
        wide = keras.layers.Dense(64)
        narrow = keras.layers.Dense(4)
    wide.build(x.shape)
    narrow.build(x.shape)
    call = wide.rematerialized_call(wide.call, x)
    assert call != wide.call
    assert narrow.rematerialized_call(narrow.call, x) == narrow.call
    torch.testing.assert_close(call(x), wide.call(x))


def test_activations_mode_wraps_only_the_activation():
    with keras.RematScope(mode="activations"):
        dense = keras.layers.Dense(4, activation="relu")
        flatten = keras.layers.Flatten()
    x = torch.randn(3, 5)
    dense(x)
    original = dense.activation
    wrapped = dense.rematerialized_call(dense.call, x)
    assert wrapped != dense.call
    torch.testing.assert_close(wrapped(x), dense.call(x))
    assert dense.activation is original  # put back after the call
    assert flatten.rematerialized_call(flatten.call, x) == flatten.call


def test_remat_outside_training_and_in_shape_inference_is_a_plain_call():
    with keras.RematScope(mode="full"):
        model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    symbolic = model(keras.Input((3,)))
    assert symbolic.shape == (None, 2)
    with torch.no_grad():
        out = model(torch.ones(2, 3))
    assert out.grad_fn is None
