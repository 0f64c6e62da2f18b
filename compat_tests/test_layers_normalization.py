"""Normalization layers: torchkeras beside real Keras 3 (torch backend), with the same weights."""
import json

import numpy as np
import pytest

import keras  # noqa: E402  (conftest sets KERAS_BACKEND=torch first)
import torch

from torchkeras import layers

pytestmark = pytest.mark.filterwarnings("ignore:You passed `rms_scaling=True`")


def _json(config):
    """The config as JSON would store it, without the auto-generated name (uid counters differ per library)."""
    config = json.loads(json.dumps(config))
    config.pop("name", None)
    return config


def _pair(name, kwargs, shape, rng):
    """The same layer built in Keras and torchkeras, with the same (jittered) weights."""
    k = getattr(keras.layers, name)(name="under_test", **kwargs)
    t = getattr(layers, name)(name="under_test", **kwargs)
    k.build(shape)
    t.build(shape)
    weights = [(w + rng.uniform(-0.3, 0.3, w.shape)).astype(w.dtype) for w in k.get_weights()]
    k.set_weights(weights)
    t.set_weights(weights)
    return k, t


def _run(layer, x, seed, **kwargs):
    """Output and input gradient of `sum(layer(x) * g)` for a fixed random `g`."""
    xt = torch.tensor(x, requires_grad=True)
    out = layer(xt, **kwargs)
    grad = np.random.RandomState(seed).randn(*out.shape).astype("float32")
    (out * torch.tensor(grad)).sum().backward()
    return out.detach().cpu().numpy(), xt.grad.cpu().numpy()


def _compare(k, t, x, rng, **kwargs):
    seed = rng.randint(1 << 30)
    ko, kg = _run(k, x, seed, **kwargs)
    to, tg = _run(t, x, seed, **kwargs)
    np.testing.assert_allclose(to, ko, atol=1e-5)
    np.testing.assert_allclose(tg, kg, atol=1e-5)


def _assert_same_weights(k, t, rtol=1e-5):
    assert [w.path for w in t.weights] == [w.path for w in k.weights]
    for kw, tw in zip(k.get_weights(), t.get_weights()):
        np.testing.assert_allclose(tw, kw, rtol=rtol, atol=1e-7)


BN_CASES = [
    ({}, (8, 3)),
    ({}, (4, 5, 6, 3)),
    ({"axis": 1}, (4, 3, 5, 2)),
    ({"axis": 1}, (6, 3, 7)),
    ({"axis": 2}, (4, 3, 5, 2)),
    ({"momentum": 0.9, "epsilon": 1e-5, "center": False}, (6, 4)),
    ({"scale": False}, (5, 2, 3)),
    ({"renorm": True}, (6, 4)),
    ({"renorm": True, "renorm_clipping": {"rmax": 1.2, "rmin": 0.8, "dmax": 0.1}, "renorm_momentum": 0.9}, (6, 5, 4)),
]


@pytest.mark.parametrize("kwargs,shape", BN_CASES)
def test_batch_normalization_training_steps_and_moving_stats(kwargs, shape):
    rng = np.random.RandomState(0)
    k, t = _pair("BatchNormalization", kwargs, shape, rng)
    for _ in range(3):
        x = (rng.randn(*shape) * 2 + 1).astype("float32")
        _compare(k, t, x, rng, training=True)
        _assert_same_weights(k, t)
    _compare(k, t, rng.randn(*shape).astype("float32"), rng)
    _compare(k, t, rng.randn(*shape).astype("float32"), rng, training=False)
    assert _json(t.get_config()) == _json(k.get_config())


def test_batch_normalization_masked_training():
    rng = np.random.RandomState(1)
    k, t = _pair("BatchNormalization", {}, (3, 6, 4), rng)
    for _ in range(2):
        x = rng.randn(3, 6, 4).astype("float32")
        mask = rng.rand(3, 6) > 0.4
        _compare(k, t, x, rng, training=True, mask=torch.tensor(mask))
        _assert_same_weights(k, t)


def test_batch_normalization_frozen_runs_in_inference_mode():
    rng = np.random.RandomState(2)
    k, t = _pair("BatchNormalization", {}, (5, 3), rng)
    k.trainable = False
    t.trainable = False
    _compare(k, t, rng.randn(5, 3).astype("float32") * 3, rng, training=True)
    _assert_same_weights(k, t)


LN_CASES = [
    ({}, (3, 4, 6)),
    ({"axis": [1, 2]}, (3, 4, 6)),
    ({"axis": [-2, -1], "center": False}, (2, 3, 4, 5)),
    ({"axis": [1, 3]}, (2, 3, 4, 5)),  # non-contiguous axes: Keras's moments path
    ({"epsilon": 1e-6, "scale": False}, (4, 7)),
    ({"rms_scaling": True}, (3, 4, 6)),
]


@pytest.mark.parametrize("kwargs,shape", LN_CASES)
def test_layer_normalization(kwargs, shape):
    rng = np.random.RandomState(3)
    k, t = _pair("LayerNormalization", kwargs, shape, rng)
    _compare(k, t, (rng.randn(*shape) * 2 + 1).astype("float32"), rng)
    assert _json(t.get_config()) == _json(k.get_config())


GN_CASES = [
    ({"groups": 3}, (3, 4, 6)),
    ({"groups": -1}, (2, 3, 4, 6)),
    ({"groups": 1, "scale": False}, (2, 3, 4, 6)),
    ({"groups": 2, "axis": 1}, (3, 6, 5)),
    ({"groups": 2, "center": False, "epsilon": 1e-5}, (4, 6)),
]


@pytest.mark.parametrize("kwargs,shape", GN_CASES)
def test_group_normalization(kwargs, shape):
    rng = np.random.RandomState(4)
    k, t = _pair("GroupNormalization", kwargs, shape, rng)
    _compare(k, t, (rng.randn(*shape) * 2 - 1).astype("float32"), rng)
    assert _json(t.get_config()) == _json(k.get_config())


@pytest.mark.parametrize("name,kwargs,shape", [
    ("UnitNormalization", {}, (3, 4, 5)),
    ("UnitNormalization", {"axis": [1, 2]}, (3, 4, 5)),
    ("RMSNormalization", {}, (3, 4, 5)),
    ("RMSNormalization", {"axis": [2, 3], "epsilon": 1e-3}, (2, 3, 4, 5)),
])
def test_unit_and_rms_normalization(name, kwargs, shape):
    rng = np.random.RandomState(5)
    k, t = _pair(name, kwargs, shape, rng)
    _compare(k, t, rng.randn(*shape).astype("float32"), rng)
    assert _json(t.get_config()) == _json(k.get_config())


@pytest.mark.parametrize("inner,shape,power_iterations", [
    ("dense", (5, 4), 1),
    ("dense", (5, 4), 3),
    ("embedding", (3, 4), 2),
])
def test_spectral_normalization_training_steps(inner, shape, power_iterations):
    rng = np.random.RandomState(6)

    def make(lib):
        wrapped = lib.layers.Dense(3, name="inner") if inner == "dense" else lib.layers.Embedding(10, 3, name="inner")
        return lib.layers.SpectralNormalization(wrapped, power_iterations=power_iterations, name="sn")

    import torchkeras

    k, t = make(keras), make(torchkeras)
    k.build(shape)
    t.build(shape)
    t.set_weights(k.get_weights())
    _assert_same_weights(k, t)
    for _ in range(2):
        if inner == "dense":
            x = rng.randn(*shape).astype("float32")
            _compare(k, t, x, rng, training=True)
        else:
            ids = rng.randint(0, 10, shape)
            np.testing.assert_allclose(t(torch.tensor(ids), training=True).detach().numpy(),
                                       k(torch.tensor(ids), training=True).detach().numpy(), atol=1e-5)
        _assert_same_weights(k, t)
    assert _json(t.get_config())["power_iterations"] == power_iterations
    assert set(t.get_config()) == set(k.get_config())


def test_configs_load_across_libraries():
    k = keras.layers.BatchNormalization(axis=1, momentum=0.9, gamma_regularizer="l2", name="bn")
    t = layers.BatchNormalization.from_config(k.get_config())
    assert _json(t.get_config()) == _json(k.get_config())
    back = keras.layers.LayerNormalization.from_config(_json(layers.LayerNormalization(axis=[1, 2]).get_config()))
    assert back.axis == [1, 2]


@pytest.mark.parametrize("name,kwargs", [("BatchNormalization", {}), ("LayerNormalization", {}),
                                         ("GroupNormalization", {"groups": 2}), ("RMSNormalization", {})])
def test_half_precision_inputs_give_float32_outputs(name, kwargs):
    rng = np.random.RandomState(7)
    x = torch.tensor(rng.randn(6, 4).astype("float32")).to(torch.bfloat16)
    k = getattr(keras.layers, name)(**kwargs)
    t = getattr(layers, name)(**kwargs)
    ko = k(x, training=True)
    to = t(x, training=True) if name == "BatchNormalization" else t(x)
    assert to.dtype == ko.dtype
    np.testing.assert_allclose(to.float().detach().numpy(), ko.float().detach().numpy(), atol=1e-2)
