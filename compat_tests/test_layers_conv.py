"""Convolution layers beside real Keras 3 (torch backend): same weights in, same outputs, input and weight
gradients, weight names and configs out."""
import pytest

import keras  # noqa: E402  (compat_tests/conftest.py skips the module when Keras is missing)
import numpy as np
import torch

from torchkeras import layers as tk_layers

ATOL = 1e-5


def _random(shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype("float32")


def _compare(keras_layer, tk_layer, x):
    """Build the Keras layer, copy its weights over, and compare outputs and gradients of `sum(out * r)`."""
    xk = torch.tensor(x, requires_grad=True)
    xt = torch.tensor(x, requires_grad=True)
    keras_layer(xk)
    tk_layer(xt)
    tk_layer.set_weights(keras_layer.get_weights())
    out_k, out_t = keras_layer(xk), tk_layer(xt)
    assert tuple(out_t.shape) == tuple(out_k.shape)
    np.testing.assert_allclose(out_t.detach().numpy(), out_k.detach().numpy(), atol=ATOL, rtol=1e-5)
    r = torch.tensor(_random(tuple(out_k.shape), seed=1))
    grads_k = torch.autograd.grad((out_k * r).sum(), [xk] + [v.value for v in keras_layer.trainable_weights])
    grads_t = torch.autograd.grad((out_t * r).sum(), [xt] + list(tk_layer.trainable_weights))
    assert len(grads_k) == len(grads_t)
    for gk, gt in zip(grads_k, grads_t):
        np.testing.assert_allclose(gt.numpy(), gk.detach().numpy(), atol=ATOL, rtol=1e-5)
    assert [w.path.split("/")[-1] for w in tk_layer.weights] == [w.path.split("/")[-1] for w in keras_layer.weights]
    _compare_configs(keras_layer, tk_layer)


def _compare_configs(keras_layer, tk_layer):
    config_k, config_t = dict(keras_layer.get_config()), dict(tk_layer.get_config())
    assert set(config_t) == set(config_k), set(config_t) ^ set(config_k)
    config_k.pop("name"), config_t.pop("name")
    assert config_t == config_k


def _input(shape, data_format):
    x = _random(shape)
    return x if data_format == "channels_last" else np.moveaxis(x, -1, 1).copy()


CONV_SHAPES = {"Conv1D": (2, 10, 3), "Conv2D": (2, 9, 8, 3), "Conv3D": (2, 5, 6, 7, 4)}


@pytest.mark.parametrize("cls", ["Conv1D", "Conv2D", "Conv3D"])
@pytest.mark.parametrize("kwargs", [
    {"padding": "valid"},
    {"padding": "same"},
    {"padding": "same", "strides": 2},
    {"padding": "same", "strides": 3, "kernel_size": 2},
    {"padding": "same", "kernel_size": 4},
    {"padding": "valid", "strides": 2},
    {"padding": "same", "dilation_rate": 2},
    {"padding": "valid", "dilation_rate": 2, "use_bias": False},
    {"padding": "same", "strides": 2, "data_format": "channels_first"},
    {"padding": "valid", "groups": 2, "activation": "relu", "bias_initializer": "random_normal"},
], ids=lambda kw: "-".join(f"{k}={v}" for k, v in kw.items()))
def test_conv(cls, kwargs):
    kwargs = dict(kwargs)
    kernel_size = kwargs.pop("kernel_size", 3)
    data_format = kwargs.get("data_format", "channels_last")
    shape = CONV_SHAPES[cls]
    if kwargs.get("groups"):
        shape = shape[:-1] + (4,)
    x = _input(shape, data_format)
    _compare(getattr(keras.layers, cls)(4, kernel_size, **kwargs), getattr(tk_layers, cls)(4, kernel_size, **kwargs),
             x)


@pytest.mark.parametrize("kwargs", [{"padding": "causal"}, {"padding": "causal", "dilation_rate": 2},
                                    {"padding": "causal", "strides": 2}])
def test_conv1d_causal(kwargs):
    _compare(keras.layers.Conv1D(3, 3, **kwargs), tk_layers.Conv1D(3, 3, **kwargs), _random((2, 10, 2)))


TRANSPOSE_SHAPES = {"Conv1DTranspose": (2, 5, 3), "Conv2DTranspose": (2, 4, 5, 3),
                    "Conv3DTranspose": (2, 3, 4, 3, 2)}


@pytest.mark.parametrize("cls", ["Conv1DTranspose", "Conv2DTranspose", "Conv3DTranspose"])
@pytest.mark.parametrize("kwargs", [
    {"padding": "valid"},
    {"padding": "same"},
    {"padding": "valid", "strides": 2},
    {"padding": "same", "strides": 2},
    {"padding": "same", "strides": 2, "kernel_size": 4},
    {"padding": "same", "strides": 2, "kernel_size": 5},
    {"padding": "valid", "strides": 3, "kernel_size": 2},
    {"padding": "same", "strides": 3, "kernel_size": 2},
    {"padding": "valid", "strides": 2, "output_padding": 1},
    {"padding": "same", "strides": 2, "output_padding": 1},
    {"padding": "same", "strides": 3, "output_padding": 0, "kernel_size": 4},
    {"padding": "same", "dilation_rate": 2},
    {"padding": "same", "strides": 2, "data_format": "channels_first", "bias_initializer": "random_normal"},
], ids=lambda kw: "-".join(f"{k}={v}" for k, v in kw.items()))
def test_conv_transpose(cls, kwargs):
    kwargs = dict(kwargs)
    kernel_size = kwargs.pop("kernel_size", 3)
    x = _input(TRANSPOSE_SHAPES[cls], kwargs.get("data_format", "channels_last"))
    _compare(getattr(keras.layers, cls)(4, kernel_size, **kwargs), getattr(tk_layers, cls)(4, kernel_size, **kwargs),
             x)


@pytest.mark.parametrize("cls,shape", [("DepthwiseConv1D", (2, 10, 3)), ("DepthwiseConv2D", (2, 9, 8, 3))])
@pytest.mark.parametrize("kwargs", [
    {"padding": "valid"},
    {"padding": "same", "depth_multiplier": 2},
    {"padding": "same", "strides": 2, "depth_multiplier": 3},
    {"padding": "valid", "dilation_rate": 2, "use_bias": False},
    {"padding": "same", "data_format": "channels_first", "depth_multiplier": 2, "bias_initializer": "ones"},
], ids=lambda kw: "-".join(f"{k}={v}" for k, v in kw.items()))
def test_depthwise(cls, shape, kwargs):
    x = _input(shape, kwargs.get("data_format", "channels_last"))
    _compare(getattr(keras.layers, cls)(3, **kwargs), getattr(tk_layers, cls)(3, **kwargs), x)


@pytest.mark.parametrize("cls,shape", [("SeparableConv1D", (2, 10, 3)), ("SeparableConv2D", (2, 9, 8, 3))])
@pytest.mark.parametrize("kwargs", [
    {"padding": "valid"},
    {"padding": "same", "depth_multiplier": 2},
    {"padding": "same", "strides": 2, "activation": "relu"},
    {"padding": "valid", "dilation_rate": 2, "use_bias": False},
    {"padding": "same", "data_format": "channels_first", "bias_initializer": "random_normal"},
], ids=lambda kw: "-".join(f"{k}={v}" for k, v in kw.items()))
def test_separable(cls, shape, kwargs):
    x = _input(shape, kwargs.get("data_format", "channels_last"))
    _compare(getattr(keras.layers, cls)(5, 3, **kwargs), getattr(tk_layers, cls)(5, 3, **kwargs), x)


def test_regularized_conv_losses_match():
    kwargs = {"kernel_regularizer": "l2", "bias_regularizer": keras.regularizers.L1(0.2),
              "activity_regularizer": "l2", "bias_initializer": "ones"}
    tk_kwargs = dict(kwargs, bias_regularizer={"class_name": "L1", "config": {"l1": 0.2}})
    keras_layer, tk_layer = keras.layers.Conv2D(3, 3, **kwargs), tk_layers.Conv2D(3, 3, **tk_kwargs)
    x = _random((2, 6, 6, 2))
    keras_layer(x)
    tk_layer(x)
    tk_layer.set_weights(keras_layer.get_weights())
    keras_layer(x)
    tk_layer(x)
    total_k = sum(float(v.detach()) for v in keras_layer.losses)
    total_t = sum(float(v.detach()) for v in tk_layer.losses)
    np.testing.assert_allclose(total_t, total_k, rtol=1e-5)


def test_functional_convnet_predictions_match():
    """A small Keras model rebuilt from its own config in torchkeras, weights copied: same predictions."""
    import torchkeras

    def build(k):
        inputs = k.Input((12, 12, 2))
        x = k.layers.Conv2D(4, 3, padding="same", activation="relu")(inputs)
        x = k.layers.SeparableConv2D(6, 3, strides=2, padding="same")(x)
        x = k.layers.DepthwiseConv2D(3, depth_multiplier=2, padding="same", activation="tanh")(x)
        x = k.layers.Conv2DTranspose(3, 3, strides=2, padding="same")(x)
        x = k.layers.Conv2D(2, 1)(x)
        return k.Model(inputs, x)

    keras_model, tk_model = build(keras), build(torchkeras)
    tk_model.set_weights(keras_model.get_weights())
    x = _random((3, 12, 12, 2))
    np.testing.assert_allclose(tk_model.predict(x, verbose=0), keras_model.predict(x, verbose=0), atol=1e-5)


@pytest.mark.parametrize("fmt", ["keras", "h5"])
def test_saved_conv_models_load_both_ways(tmp_path, fmt):
    """A Keras-saved model loads in torchkeras with the same predictions, and the other way round."""
    import torchkeras

    def build(k):
        inputs = k.Input((10, 10, 3))
        x = k.layers.Conv2D(4, 3, padding="same", activation="relu")(inputs)
        x = k.layers.SeparableConv2D(6, 3, strides=2, padding="same")(x)
        x = k.layers.DepthwiseConv2D(3, depth_multiplier=2)(x)
        x = k.layers.Conv2DTranspose(3, 3, strides=2, padding="same", output_padding=1)(x)
        x = k.layers.Conv1D(2, 2, padding="causal")(k.layers.Reshape((-1, 3))(x))
        return k.Model(inputs, x)

    x = _random((2, 10, 10, 3))
    keras_model = build(keras)
    expected = keras_model.predict(x, verbose=0)
    keras_model.save(str(tmp_path / f"k.{fmt}"))
    loaded = torchkeras.models.load_model(str(tmp_path / f"k.{fmt}"))
    np.testing.assert_allclose(loaded.predict(x, verbose=0), expected, atol=1e-5)
    tk_model = build(torchkeras)
    tk_model.set_weights(keras_model.get_weights())
    tk_model.save(str(tmp_path / f"t.{fmt}"))
    reloaded = keras.models.load_model(str(tmp_path / f"t.{fmt}"), compile=False)
    np.testing.assert_allclose(reloaded.predict(x, verbose=0), expected, atol=1e-5)


def test_cnn_with_batchnorm_trains_like_keras():
    """Same initial weights, 2 epochs of `fit` (Adam, shuffle=False): same final weights and BN statistics."""
    import torchkeras

    pytest.importorskip("torchkeras.layers.normalization.batch_normalization")

    def build(k):
        model = k.Sequential([
            k.Input((8, 8, 2)),
            # No bias before BatchNormalization: its gradient is float noise that Adam would amplify.
            k.layers.Conv2D(4, 3, padding="same", use_bias=False),
            k.layers.BatchNormalization(),
            k.layers.Activation("relu"),
            k.layers.MaxPooling2D(),
            k.layers.Conv2D(6, 3, strides=2, padding="same", activation="relu"),
            k.layers.GlobalAveragePooling2D(),
            k.layers.Dense(3, activation="softmax"),
        ])
        model.compile(optimizer=k.optimizers.Adam(0.01), loss="categorical_crossentropy")
        return model

    rng = np.random.default_rng(0)
    x = rng.standard_normal((48, 8, 8, 2)).astype("float32")
    y = np.eye(3, dtype="float32")[rng.integers(0, 3, 48)]
    keras_model, tk_model = build(keras), build(torchkeras)
    tk_model.set_weights(keras_model.get_weights())
    history_k = keras_model.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0)
    history_t = tk_model.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0)
    np.testing.assert_allclose(history_t.history["loss"], history_k.history["loss"], rtol=1e-4)
    names = [w.path for w in keras_model.weights]
    for name, wk, wt in zip(names, keras_model.get_weights(), tk_model.get_weights()):
        np.testing.assert_allclose(wt, wk, rtol=1e-4, atol=1e-5, err_msg=name)
    bn_k = keras_model.layers[1]
    bn_t = tk_model.layers[1]
    for wk, wt in zip(bn_k.non_trainable_weights, bn_t.non_trainable_weights):
        np.testing.assert_allclose(wt.detach().numpy(), wk.numpy(), rtol=1e-4, atol=1e-6)
