"""DepthwiseConv1D/2D and SeparableConv1D/2D: numbers against a NumPy reference, weights, config, errors."""
import numpy as np
import pytest
import torch

import torchkeras as keras
from torchkeras import layers

import conv_reference as ref

DEPTHWISE = {1: layers.DepthwiseConv1D, 2: layers.DepthwiseConv2D}
SEPARABLE = {1: layers.SeparableConv1D, 2: layers.SeparableConv2D}
SHAPES = {1: (2, 9, 3), 2: (2, 7, 8, 3)}


def _random(shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype("float32")


def _pads(layer, x, padding):
    if padding == "valid":
        return [(0, 0)] * (x.ndim - 2)
    return ref.same_pads(x.shape[1:-1], layer.kernel_size, layer.strides, layer.dilation_rate)


@pytest.mark.parametrize("rank", [1, 2])
@pytest.mark.parametrize("padding", ["valid", "same"])
@pytest.mark.parametrize("strides,dilation,multiplier", [(1, 1, 1), (2, 1, 2), (1, 2, 3)])
def test_depthwise_matches_reference(rank, padding, strides, dilation, multiplier, device):
    x = _random(SHAPES[rank])
    layer = DEPTHWISE[rank](3, strides=strides, dilation_rate=dilation, padding=padding,
                            depth_multiplier=multiplier, bias_initializer="random_normal")
    out = layer(torch.tensor(x, device=device)).detach().cpu().numpy()
    kernel, bias = layer.get_weights()
    expected = ref.depthwise(x, kernel, layer.strides, _pads(layer, x, padding), layer.dilation_rate) + bias
    assert out.shape[-1] == 3 * multiplier
    np.testing.assert_allclose(out, expected, atol=1e-5)


@pytest.mark.parametrize("rank", [1, 2])
@pytest.mark.parametrize("padding", ["valid", "same"])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_separable_is_depthwise_then_pointwise(rank, padding, data_format):
    x = _random(SHAPES[rank])
    layer = SEPARABLE[rank](5, 3, strides=2, padding=padding, depth_multiplier=2,
                            bias_initializer="random_normal", data_format=data_format)
    x_in = x if data_format == "channels_last" else np.moveaxis(x, -1, 1).copy()
    out = layer(x_in).detach().numpy()
    if data_format == "channels_first":
        out = np.moveaxis(out, 1, -1)
    depthwise, pointwise, bias = layer.get_weights()
    mid = ref.depthwise(x, depthwise, layer.strides, _pads(layer, x, padding), layer.dilation_rate)
    expected = ref.conv(mid, pointwise, (1,) * rank, [(0, 0)] * rank, (1,) * rank) + bias
    np.testing.assert_allclose(out, expected, atol=1e-5)


def test_depthwise_weights_use_keras3_names():
    layer = layers.DepthwiseConv2D(3, depth_multiplier=2, name="dw")
    layer.build((None, 8, 8, 4))
    assert [(w.path, tuple(w.shape)) for w in layer.weights] == [("dw/kernel", (3, 3, 4, 2)), ("dw/bias", (8,))]
    assert layer.depthwise_kernel is layer.kernel  # Keras 2's attribute name still reads the kernel


def test_separable_weights_order_and_shapes():
    layer = layers.SeparableConv2D(6, (3, 2), depth_multiplier=2, name="sep")
    layer.build((None, 8, 8, 4))
    assert [(w.path, tuple(w.shape)) for w in layer.weights] == [
        ("sep/depthwise_kernel", (3, 2, 4, 2)), ("sep/pointwise_kernel", (1, 1, 8, 6)), ("sep/bias", (6,))]
    conv1d = layers.SeparableConv1D(6, 3)
    conv1d.build((None, 10, 4))
    assert [tuple(w.shape) for w in conv1d.weights] == [(3, 4, 1), (1, 4, 6), (6,)]


def test_symbolic_shapes():
    inputs = keras.Input((None, None, 4))
    assert tuple(layers.DepthwiseConv2D(3, padding="same", depth_multiplier=3)(inputs).shape) == (None, None,
                                                                                                     None, 12)
    assert tuple(layers.SeparableConv2D(7, 3, strides=2)(keras.Input((9, 9, 4))).shape) == (None, 4, 4, 7)
    assert tuple(layers.DepthwiseConv1D(2, data_format="channels_first")(keras.Input((4, 10))).shape) == (
        None, 4, 9)


def test_configs_round_trip():
    depthwise = layers.DepthwiseConv2D(3, strides=2, padding="same", depth_multiplier=2, activation="relu",
                                       depthwise_regularizer="l2")
    config = depthwise.get_config()
    assert set(config) == {
        "name", "trainable", "dtype", "depth_multiplier", "kernel_size", "strides", "padding", "data_format",
        "dilation_rate", "activation", "use_bias", "depthwise_initializer", "bias_initializer",
        "depthwise_regularizer", "bias_regularizer", "activity_regularizer", "depthwise_constraint",
        "bias_constraint"}
    assert layers.DepthwiseConv2D.from_config(config).get_config() == config
    separable = layers.SeparableConv1D(4, 3, depth_multiplier=2, pointwise_initializer="ones")
    config = separable.get_config()
    assert config["pointwise_initializer"]["class_name"] == "Ones" and config["filters"] == 4
    assert layers.SeparableConv1D.from_config(config).get_config() == config


def test_keras2_depthwise_config_with_groups_loads():
    # tf.keras wrote DepthwiseConv2D configs with Conv2D's `groups` and `filters` keys.
    config = layers.DepthwiseConv2D(3).get_config()
    config.update({"groups": 1, "filters": None})
    assert layers.DepthwiseConv2D.from_config(config).kernel_size == (3, 3)


def test_aliases_and_errors():
    assert layers.SeparableConvolution2D is layers.SeparableConv2D
    assert layers.SeparableConvolution1D is layers.SeparableConv1D
    with pytest.raises(ValueError, match="depth_multiplier"):
        layers.DepthwiseConv2D(3, depth_multiplier=0)
    with pytest.raises(ValueError, match="padding"):
        layers.DepthwiseConv1D(3, padding="causal")
    with pytest.raises(ValueError, match="filters"):
        layers.SeparableConv2D(0, 3)
    with pytest.raises(TypeError, match="kernel_size"):
        layers.DepthwiseConv2D()
    with pytest.raises(ValueError, match="zero or negative"):
        layers.SeparableConv2D(2, 5)(_random((1, 3, 3, 2)))


def test_training_gradients():
    layer = layers.SeparableConv2D(4, 3, padding="same")
    x = torch.tensor(_random((2, 5, 5, 3)), requires_grad=True)
    layer(x).square().mean().backward()
    assert all(w.grad is not None for w in layer.trainable_weights) and x.grad is not None
