"""Pooling layers beside real Keras 3 (torch backend): same outputs, input gradients and configs."""
import pytest

import keras  # noqa: E402  (compat_tests/conftest.py skips the module when Keras is missing)
import numpy as np
import torch

from torchkeras import layers as tk_layers

ATOL = 1e-5


def _random(shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype("float32")


def _compare(keras_layer, tk_layer, x, mask=None):
    xk = torch.tensor(x, requires_grad=True)
    xt = torch.tensor(x, requires_grad=True)
    kwargs = {} if mask is None else {"mask": torch.tensor(mask)}
    out_k, out_t = keras_layer(xk, **kwargs), tk_layer(xt, **kwargs)
    assert tuple(out_t.shape) == tuple(out_k.shape)
    np.testing.assert_allclose(out_t.detach().numpy(), out_k.detach().numpy(), atol=ATOL, rtol=1e-5)
    r = torch.tensor(_random(tuple(out_k.shape), seed=1))
    (grad_k,) = torch.autograd.grad((out_k * r).sum(), xk)
    (grad_t,) = torch.autograd.grad((out_t * r).sum(), xt)
    np.testing.assert_allclose(grad_t.numpy(), grad_k.numpy(), atol=ATOL, rtol=1e-5)
    config_k, config_t = dict(keras_layer.get_config()), dict(tk_layer.get_config())
    assert set(config_t) == set(config_k), set(config_t) ^ set(config_k)
    config_k.pop("name"), config_t.pop("name")
    assert config_t == config_k
    assert keras_layer.compute_output_shape(x.shape) == tk_layer.compute_output_shape(x.shape)


SHAPES = {1: (2, 11, 3), 2: (2, 9, 8, 3), 3: (2, 5, 6, 7, 2)}


@pytest.mark.parametrize("mode", ["Max", "Average"])
@pytest.mark.parametrize("rank", [1, 2, 3])
@pytest.mark.parametrize("kwargs", [
    {"pool_size": 2},
    {"pool_size": 3},
    {"pool_size": 2, "padding": "same"},
    {"pool_size": 3, "strides": 2, "padding": "same"},
    {"pool_size": 3, "strides": 1, "padding": "same"},
    {"pool_size": 4, "strides": 1, "padding": "same"},
    {"pool_size": 4, "strides": 3, "padding": "same"},
    {"pool_size": 3, "strides": 1},
    {"pool_size": 2, "strides": 1, "padding": "same", "data_format": "channels_first"},
], ids=lambda kw: "-".join(f"{k}={v}" for k, v in kw.items()))
def test_pooling(mode, rank, kwargs):
    x = _random(SHAPES[rank])
    if kwargs.get("data_format") == "channels_first":
        x = np.moveaxis(x, -1, 1).copy()
    name = f"{mode}Pooling{rank}D"
    _compare(getattr(keras.layers, name)(**kwargs), getattr(tk_layers, name)(**kwargs), x)


@pytest.mark.parametrize("mode", ["Max", "Average"])
@pytest.mark.parametrize("rank", [1, 2, 3])
@pytest.mark.parametrize("kwargs", [{}, {"keepdims": True}, {"data_format": "channels_first"},
                                    {"data_format": "channels_first", "keepdims": True}])
def test_global_pooling(mode, rank, kwargs):
    x = _random(SHAPES[rank])
    name = f"Global{mode}Pooling{rank}D"
    _compare(getattr(keras.layers, name)(**kwargs), getattr(tk_layers, name)(**kwargs), x)


@pytest.mark.parametrize("kwargs", [{}, {"keepdims": True}, {"data_format": "channels_first"}])
def test_global_average_pooling1d_mask(kwargs):
    x = _random((3, 5, 4))
    if kwargs.get("data_format"):
        x = np.moveaxis(x, -1, 1).copy()
    mask = np.array([[1, 1, 0, 0, 1], [1, 0, 0, 0, 0], [1, 1, 1, 1, 1]], dtype=bool)
    _compare(keras.layers.GlobalAveragePooling1D(**kwargs), tk_layers.GlobalAveragePooling1D(**kwargs), x, mask)


@pytest.mark.parametrize("name,shape,output_size", [
    ("AdaptiveAveragePooling1D", (2, 11, 3), 4), ("AdaptiveMaxPooling1D", (2, 11, 3), 5),
    ("AdaptiveAveragePooling2D", (2, 9, 7, 3), (4, 3)), ("AdaptiveMaxPooling2D", (2, 9, 7, 3), 2),
    ("AdaptiveAveragePooling3D", (2, 5, 6, 7, 2), (2, 3, 4)), ("AdaptiveMaxPooling3D", (2, 5, 6, 7, 2), 3),
])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_adaptive_pooling(name, shape, output_size, data_format):
    x = _random(shape)
    if data_format == "channels_first":
        x = np.moveaxis(x, -1, 1).copy()
    _compare(getattr(keras.layers, name)(output_size, data_format=data_format),
             getattr(tk_layers, name)(output_size, data_format=data_format), x)


def test_masked_sequence_model_matches():
    """Embedding(mask_zero) -> Conv1D-free pooling path: the mask reaches GlobalAveragePooling1D in both."""
    import torchkeras

    def build(k):
        inputs = k.Input((6,), dtype="int32")
        x = k.layers.Embedding(12, 4, mask_zero=True)(inputs)
        x = k.layers.GlobalAveragePooling1D()(x)
        return k.Model(inputs, k.layers.Dense(2)(x))

    keras_model, tk_model = build(keras), build(torchkeras)
    tk_model.set_weights(keras_model.get_weights())
    tokens = np.array([[1, 2, 3, 0, 0, 0], [4, 0, 0, 0, 0, 0], [5, 6, 7, 8, 9, 10]])
    np.testing.assert_allclose(tk_model.predict(tokens, verbose=0), keras_model.predict(tokens, verbose=0),
                               atol=1e-6)
