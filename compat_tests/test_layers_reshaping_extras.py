"""UpSampling, ZeroPadding and Cropping beside real Keras 3 (torch backend): outputs, gradients, configs."""
import pytest

import keras  # noqa: E402  (compat_tests/conftest.py skips the module when Keras is missing)
import numpy as np
import torch

from torchkeras import layers as tk_layers


def _random(shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype("float32")


def _compare(name, kwargs, shape):
    x = _random(shape)
    keras_layer, tk_layer = getattr(keras.layers, name)(**kwargs), getattr(tk_layers, name)(**kwargs)
    xk = torch.tensor(x, requires_grad=True)
    xt = torch.tensor(x, requires_grad=True)
    out_k, out_t = keras_layer(xk), tk_layer(xt)
    assert tuple(out_t.shape) == tuple(out_k.shape)
    np.testing.assert_allclose(out_t.detach().numpy(), out_k.detach().numpy(), atol=1e-5, rtol=1e-5)
    r = torch.tensor(_random(tuple(out_k.shape), seed=1))
    (grad_k,) = torch.autograd.grad((out_k * r).sum(), xk)
    (grad_t,) = torch.autograd.grad((out_t * r).sum(), xt)
    np.testing.assert_allclose(grad_t.numpy(), grad_k.numpy(), atol=1e-5, rtol=1e-5)
    config_k, config_t = dict(keras_layer.get_config()), dict(tk_layer.get_config())
    assert set(config_t) == set(config_k), set(config_t) ^ set(config_k)
    config_k.pop("name"), config_t.pop("name")
    assert config_t == config_k
    symbolic = (None,) + tuple(shape[1:])
    assert tuple(keras_layer.compute_output_shape(symbolic)) == tuple(tk_layer.compute_output_shape(symbolic))


CASES = [
    ("UpSampling1D", {}, (2, 4, 3)),
    ("UpSampling1D", {"size": 3}, (2, 4, 3)),
    ("UpSampling2D", {}, (2, 3, 4, 2)),
    ("UpSampling2D", {"size": (2, 3), "data_format": "channels_first"}, (2, 2, 3, 4)),
    ("UpSampling2D", {"size": (2, 3), "interpolation": "bilinear"}, (2, 3, 4, 2)),
    ("UpSampling2D", {"size": 3, "interpolation": "bilinear", "data_format": "channels_first"}, (2, 2, 3, 4)),
    ("UpSampling2D", {"size": (3, 2), "interpolation": "bicubic"}, (2, 4, 3, 2)),
    ("UpSampling3D", {}, (2, 2, 3, 2, 2)),
    ("UpSampling3D", {"size": (1, 2, 3), "data_format": "channels_first"}, (2, 2, 2, 3, 2)),
    ("ZeroPadding1D", {}, (2, 4, 3)),
    ("ZeroPadding1D", {"padding": (0, 3)}, (2, 4, 3)),
    ("ZeroPadding1D", {"padding": 2, "data_format": "channels_first"}, (2, 3, 4)),
    ("ZeroPadding2D", {}, (2, 3, 4, 2)),
    ("ZeroPadding2D", {"padding": (2, 1)}, (2, 3, 4, 2)),
    ("ZeroPadding2D", {"padding": ((1, 0), (0, 2)), "data_format": "channels_first"}, (2, 2, 3, 4)),
    ("ZeroPadding3D", {}, (2, 2, 3, 2, 2)),
    ("ZeroPadding3D", {"padding": ((0, 1), (2, 0), (1, 1)), "data_format": "channels_first"}, (2, 2, 2, 3, 2)),
    ("Cropping1D", {}, (2, 5, 3)),
    ("Cropping1D", {"cropping": (0, 2)}, (2, 5, 3)),
    ("Cropping2D", {}, (2, 5, 4, 2)),
    ("Cropping2D", {"cropping": ((1, 0), (0, 2))}, (2, 5, 4, 2)),
    ("Cropping2D", {"cropping": (1, 1), "data_format": "channels_first"}, (2, 2, 5, 4)),
    ("Cropping3D", {}, (2, 4, 5, 3, 2)),
    ("Cropping3D", {"cropping": ((0, 1), (2, 0), (1, 1)), "data_format": "channels_first"}, (2, 2, 4, 5, 3)),
]


@pytest.mark.parametrize("name,kwargs,shape", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_layer(name, kwargs, shape):
    _compare(name, kwargs, shape)


def test_unet_like_model_matches():
    import torchkeras

    def build(k):
        inputs = k.Input((8, 8, 1))
        down = k.layers.Conv2D(4, 3, padding="same", activation="relu")(inputs)
        x = k.layers.MaxPooling2D()(down)
        x = k.layers.Conv2D(8, 3, padding="same", activation="relu")(x)
        x = k.layers.UpSampling2D(interpolation="bilinear")(x)
        x = k.layers.ZeroPadding2D(1)(x)
        x = k.layers.Cropping2D(1)(x)
        x = k.layers.Concatenate()([x, down])
        return k.Model(inputs, k.layers.Conv2D(1, 1, activation="sigmoid")(x))

    keras_model, tk_model = build(keras), build(torchkeras)
    tk_model.set_weights(keras_model.get_weights())
    x = _random((2, 8, 8, 1))
    np.testing.assert_allclose(tk_model.predict(x, verbose=0), keras_model.predict(x, verbose=0), atol=1e-5)
