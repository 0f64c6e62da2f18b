"""Activation layers: torchkeras beside real Keras 3 (torch backend): outputs, input gradients, configs."""
import json

import numpy as np
import pytest

import keras  # noqa: E402  (conftest sets KERAS_BACKEND=torch first)
import torch

from torchkeras import layers

pytestmark = pytest.mark.filterwarnings("ignore:Argument `alpha` is deprecated")


def _json(config):
    """The config as JSON would store it, without the auto-generated name (uid counters differ per library)."""
    config = json.loads(json.dumps(config))
    config.pop("name", None)
    return config


def _inputs(shape=(3, 4, 5)):
    rng = np.random.RandomState(0)
    x = (rng.randn(*shape) * 3).astype("float32")
    x.flat[:4] = [0.0, 1.0, 6.0, -1.0]  # kinks and thresholds
    return x


def _run(layer, x, seed, **kwargs):
    xt = torch.tensor(x, requires_grad=True)
    out = layer(xt, **kwargs)
    grad = np.random.RandomState(seed).randn(*out.shape).astype("float32")
    (out * torch.tensor(grad)).sum().backward()
    return out.detach().numpy(), xt.grad.numpy()


def _compare(name, kwargs, x, jitter=True, **call_kwargs):
    k = getattr(keras.layers, name)(**kwargs)
    t = getattr(layers, name)(**kwargs)
    if k.weights or not k.built:
        k.build(x.shape)
        t.build(x.shape)
        rng = np.random.RandomState(1)
        weights = [(w + rng.uniform(0.0, 0.5, w.shape)).astype("float32") if jitter else w for w in k.get_weights()]
        k.set_weights(weights)
        t.set_weights(weights)
    ko, kg = _run(k, x, 2, **call_kwargs)
    to, tg = _run(t, x, 2, **call_kwargs)
    np.testing.assert_allclose(to, ko, atol=1e-6)
    np.testing.assert_allclose(tg, kg, atol=1e-6)
    assert _json(t.get_config()) == _json(k.get_config())


@pytest.mark.parametrize("kwargs", [{}, {"max_value": 6.0}, {"max_value": 2.5}, {"negative_slope": 0.1},
                                    {"threshold": 1.0}, {"max_value": 6.0, "negative_slope": 0.2, "threshold": 0.5}])
def test_relu(kwargs):
    _compare("ReLU", kwargs, _inputs())


@pytest.mark.parametrize("kwargs", [{}, {"negative_slope": 0.05}, {"alpha": 0.2}])
def test_leaky_relu(kwargs):
    _compare("LeakyReLU", kwargs, _inputs())


@pytest.mark.parametrize("kwargs", [{}, {"alpha": 0.5}])
def test_elu(kwargs):
    _compare("ELU", kwargs, _inputs())


@pytest.mark.parametrize("kwargs", [{}, {"shared_axes": [1]}, {"shared_axes": [1, 2]},
                                    {"alpha_initializer": "ones", "alpha_regularizer": "l2"}])
def test_prelu(kwargs):
    _compare("PReLU", kwargs, _inputs())
    k = keras.layers.PReLU(**kwargs)
    t = layers.PReLU(**kwargs)
    k.build((None, 4, 5))
    t.build((None, 4, 5))
    assert [tuple(w.shape) for w in t.weights] == [tuple(w.shape) for w in k.weights]


@pytest.mark.parametrize("axis", [-1, 1, [1, 2], (2,)])
def test_softmax(axis):
    _compare("Softmax", {"axis": axis}, _inputs())


@pytest.mark.parametrize("mask_shape,dtype", [((3, 4, 5), bool), ((3, 4, 1), bool), ((4, 5), bool),
                                              ((3, 4, 5), "float32")])
def test_softmax_mask(mask_shape, dtype):
    rng = np.random.RandomState(3)
    mask = rng.rand(*mask_shape)
    mask = (mask > 0.3) if dtype is bool else mask.astype(dtype)
    _compare("Softmax", {}, _inputs(), mask=torch.tensor(mask))
    _compare("Softmax", {"axis": [1, 2]}, _inputs(), mask=torch.tensor(mask))


def test_thresholded_relu_matches_keras_relu_threshold():
    """Keras 3 has no ThresholdedReLU; for inputs away from theta it equals `relu(x) * (x > theta)`."""
    x = _inputs()
    out = layers.ThresholdedReLU(theta=1.5)(torch.tensor(x)).numpy()
    reference = keras.ops.convert_to_numpy(keras.ops.where(x > 1.5, x, 0.0))
    np.testing.assert_allclose(out, reference)
