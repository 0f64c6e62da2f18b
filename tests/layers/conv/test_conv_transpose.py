"""Conv1D/2D/3DTranspose: Keras's output-size rules, the adjoint property, weights, config and errors."""
import numpy as np
import pytest
import torch

import torchkeras as keras
from torchkeras import layers

import conv_reference as ref

TRANSPOSE = {1: layers.Conv1DTranspose, 2: layers.Conv2DTranspose, 3: layers.Conv3DTranspose}
CONV = {1: layers.Conv1D, 2: layers.Conv2D, 3: layers.Conv3D}


def _random(shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype("float32")


def _keras_length(size, kernel, stride, padding, output_padding, dilation=1):
    """Keras's documented output length of a transposed convolution."""
    eff = (kernel - 1) * dilation + 1
    if padding == "valid":
        extra = max(eff, stride) - eff if output_padding is None else output_padding
        return (size - 1) * stride + eff + extra
    if output_padding is None:
        return size * stride
    return (size - 1) * stride + eff % 2 + output_padding


@pytest.mark.parametrize("padding", ["valid", "same"])
@pytest.mark.parametrize("kernel", [1, 2, 3, 4, 5])
@pytest.mark.parametrize("stride,output_padding,dilation", [(1, None, 1), (2, None, 1), (3, None, 1),
                                                            (2, 1, 1), (3, 2, 1), (3, 0, 1), (1, None, 2)])
def test_output_length_rules(padding, kernel, stride, output_padding, dilation):
    layer = layers.Conv1DTranspose(2, kernel, strides=stride, padding=padding, output_padding=output_padding,
                                   dilation_rate=dilation)
    out = layer(_random((1, 5, 3)))
    expected = _keras_length(5, kernel, stride, padding, output_padding, dilation)
    assert tuple(out.shape) == (1, expected, 2)
    assert layer.compute_output_shape((None, 5, 3)) == (None, expected, 2)


@pytest.mark.parametrize("rank", [1, 2, 3])
@pytest.mark.parametrize("padding,stride,kernel", [("valid", 1, 3), ("valid", 2, 3), ("valid", 3, 2),
                                                   ("same", 1, 3), ("same", 2, 3), ("same", 2, 4),
                                                   ("same", 2, 5), ("same", 3, 2)])
def test_is_the_adjoint_of_conv(rank, padding, stride, kernel, device):
    """`ConvTranspose(x)` with kernel K is the gradient of `<Conv(y), x>` with respect to `y`, where the Conv
    uses the same K (layout `(*k, filters, channels)`) and `y` has the transposed output's shape."""
    spatial = (4, 3, 3)[:rank]
    x = torch.tensor(_random((2,) + spatial + (3,)), device=device)
    transpose = TRANSPOSE[rank](5, kernel, strides=stride, padding=padding, use_bias=False)
    out = transpose(x)
    conv = CONV[rank](3, kernel, strides=stride, padding=padding, use_bias=False)
    conv.build((None,) + tuple(out.shape[1:-1]) + (5,))
    conv.set_weights(transpose.get_weights())
    y = torch.zeros(out.shape, device=device, requires_grad=True)
    produced = conv(y)
    assert tuple(produced.shape) == tuple(x.shape)
    (grad,) = torch.autograd.grad((produced * x).sum(), y)
    np.testing.assert_allclose(out.detach().cpu().numpy(), grad.cpu().numpy(), atol=1e-5)


def test_matches_scatter_reference_with_output_padding_and_bias():
    """Keras semantics written out: scatter every input pixel times the kernel, crop, add the bias."""
    x = _random((1, 3, 2))
    layer = layers.Conv1DTranspose(2, 3, strides=2, padding="same", output_padding=1,
                                   bias_initializer="random_normal")
    out = layer(x).detach().numpy()
    kernel, bias = layer.get_weights()  # kernel (3, filters=2, channels=2)
    full = np.zeros((1, (3 - 1) * 2 + 3, 2))
    for i in range(3):
        for t in range(3):
            full[0, i * 2 + t] += kernel[t] @ x[0, i]
    # same + output_padding=1: length (3 - 1) * 2 + 3 % 2 + 1 = 6; Keras crops 0 before and 1 after here.
    np.testing.assert_allclose(out, full[:, :6] + bias, atol=1e-5)


def test_valid_output_padding_extends_with_bias_only():
    x = _random((1, 2, 1))
    layer = layers.Conv1DTranspose(1, 1, strides=3, padding="valid", bias_initializer="ones")
    out = layer(x).detach().numpy()[0, :, 0]
    # length (2 - 1) * 3 + max(1, 3) = 6: positions not hit by the kernel hold the bias alone.
    assert out.shape == (6,)
    np.testing.assert_allclose(out[[1, 2, 4, 5]], 1.0)


def test_channels_first():
    x = _random((2, 4, 5, 3))
    last = layers.Conv2DTranspose(6, 3, strides=2, padding="same")
    out_last = last(x)
    first = layers.Conv2DTranspose(6, 3, strides=2, padding="same", data_format="channels_first")
    first.build((None, 3, 4, 5))
    first.set_weights(last.get_weights())
    out_first = first(np.moveaxis(x, -1, 1).copy())
    assert tuple(out_first.shape) == (2, 6, 8, 10)
    # two memory layouts, two sets of convolution kernels
    np.testing.assert_allclose(np.moveaxis(out_first.detach().numpy(), 1, -1), out_last.detach().numpy(),
                               rtol=1e-5, atol=1e-6)


def test_weights_layout_filters_before_channels():
    layer = layers.Conv2DTranspose(5, (3, 2), name="up")
    layer.build((None, 4, 4, 7))
    assert [(w.path, tuple(w.shape)) for w in layer.weights] == [("up/kernel", (3, 2, 5, 7)), ("up/bias", (5,))]


def test_symbolic_shapes():
    inputs = keras.Input((None, 6, 3))
    out = layers.Conv2DTranspose(4, 3, strides=2, padding="same")(inputs)
    assert tuple(out.shape) == (None, None, 12, 4)
    out3 = layers.Conv3DTranspose(2, 2, strides=(1, 2, 3), padding="valid")(keras.Input((2, 3, 4, 1)))
    assert tuple(out3.shape) == (None, 3, 6, 12, 2)


def test_config_round_trip():
    layer = layers.Conv2DTranspose(4, 3, strides=2, padding="same", output_padding=1, activation="tanh")
    config = layer.get_config()
    assert config["output_padding"] == (1, 1) and config["strides"] == (2, 2)
    assert set(config) == {
        "name", "trainable", "dtype", "filters", "kernel_size", "strides", "padding", "output_padding",
        "data_format", "dilation_rate", "activation", "use_bias", "kernel_initializer", "bias_initializer",
        "kernel_regularizer", "bias_regularizer", "activity_regularizer", "kernel_constraint", "bias_constraint"}
    assert layers.Conv2DTranspose.from_config(config).get_config() == config
    assert layers.Conv1DTranspose(2, 3).get_config()["output_padding"] is None


def test_aliases():
    assert layers.Convolution2DTranspose is layers.Conv2DTranspose
    assert layers.Convolution1DTranspose is layers.Conv1DTranspose
    assert layers.Deconvolution2D is layers.Conv2DTranspose


@pytest.mark.parametrize("kwargs,match", [
    ({"strides": 2, "output_padding": 2}, "strictly less than"),
    ({"strides": 2, "dilation_rate": 2}, "not supported in conjunction"),
    ({"padding": "causal"}, "padding"),
    ({"filters": -1}, "strictly positive"),
])
def test_errors(kwargs, match):
    args = {"filters": 3, "kernel_size": 3}
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        layers.Conv2DTranspose(**args)


def test_reference_helper_is_consistent():
    # Sanity check of the test helper itself against a direct convolution.
    x = _random((1, 5, 1))
    kernel = _random((3, 1, 1), seed=1)
    out = ref.conv(x, kernel, (1,), [(0, 0)], (1,))
    direct = np.array([sum(x[0, i + t, 0] * kernel[t, 0, 0] for t in range(3)) for i in range(3)])
    np.testing.assert_allclose(out[0, :, 0], direct, atol=1e-6)
