"""Noise and spatial dropout layers: torchkeras beside real Keras 3 (torch backend).

Seeded layers draw the same random numbers as Keras, so training-mode outputs match too.
"""
import json

import numpy as np
import pytest

import keras  # noqa: E402  (conftest sets KERAS_BACKEND=torch first)
import torch

from torchkeras import layers


def _json(config):
    """The config as JSON would store it, without the auto-generated name (uid counters differ per library)."""
    config = json.loads(json.dumps(config))
    config.pop("name", None)
    return config


def _run(layer, x, seed, **kwargs):
    xt = torch.tensor(x, requires_grad=True)
    out = layer(xt, **kwargs)
    grad = np.random.RandomState(seed).randn(*out.shape).astype("float32")
    (out * torch.tensor(grad)).sum().backward()
    return out.detach().numpy(), xt.grad.numpy()


CASES = [
    ("GaussianNoise", {"stddev": 0.3, "seed": 1}, (3, 4, 5)),
    ("GaussianDropout", {"rate": 0.3, "seed": 2}, (3, 4, 5)),
    ("AlphaDropout", {"rate": 0.3, "seed": 3}, (3, 4, 5)),
    ("AlphaDropout", {"rate": 0.5, "seed": 4, "noise_shape": (None, 1, 5)}, (3, 4, 5)),
    ("SpatialDropout1D", {"rate": 0.5, "seed": 5}, (3, 4, 5)),
    ("SpatialDropout2D", {"rate": 0.5, "seed": 6}, (2, 3, 4, 5)),
    ("SpatialDropout2D", {"rate": 0.5, "seed": 7, "data_format": "channels_first"}, (2, 5, 3, 4)),
    ("SpatialDropout3D", {"rate": 0.4, "seed": 8}, (2, 3, 4, 2, 5)),
    ("SpatialDropout3D", {"rate": 0.4, "seed": 9, "data_format": "channels_first"}, (2, 5, 3, 4, 2)),
]


@pytest.mark.parametrize("name,kwargs,shape", CASES)
def test_training_and_inference_match(name, kwargs, shape):
    k = getattr(keras.layers, name)(**kwargs)
    t = getattr(layers, name)(**kwargs)
    x = np.random.RandomState(0).randn(*shape).astype("float32")
    for step in range(3):
        ko, kg = _run(k, x, step, training=True)
        to, tg = _run(t, x, step, training=True)
        np.testing.assert_allclose(to, ko, atol=1e-6)
        np.testing.assert_allclose(tg, kg, atol=1e-6)
    for training in (False, None):
        ko, kg = _run(k, x, 9, training=training)
        to, tg = _run(t, x, 9, training=training)
        np.testing.assert_array_equal(to, ko)
        np.testing.assert_array_equal(tg, kg)
    assert _json(t.get_config()) == _json(k.get_config())
    assert _json(getattr(layers, name).from_config(k.get_config()).get_config()) == _json(k.get_config())


@pytest.mark.parametrize("name,kwargs,shape", CASES[:4])
def test_unseeded_layers_have_the_same_statistics(name, kwargs, shape):
    kwargs = {k: v for k, v in kwargs.items() if k != "seed"}
    x = np.ones((500, 400), "float32")
    kwargs.pop("noise_shape", None)
    k_out = keras.ops.convert_to_numpy(getattr(keras.layers, name)(**kwargs)(x, training=True))
    t_out = getattr(layers, name)(**kwargs)(torch.tensor(x), training=True).numpy()
    assert abs(k_out.mean() - t_out.mean()) < 0.02
    assert abs(k_out.std() - t_out.std()) < 0.02
