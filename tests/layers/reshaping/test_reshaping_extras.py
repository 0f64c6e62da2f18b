"""UpSampling1D/2D/3D, ZeroPadding1D/2D/3D and Cropping1D/2D/3D."""
import warnings

import numpy as np
import pytest
import torch

import torchkeras as keras
from torchkeras import layers


def _random(shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype("float32")


# --- UpSampling -------------------------------------------------------------------------------------------
def test_upsampling1d(device):
    x = _random((2, 3, 4))
    out = layers.UpSampling1D(3)(torch.tensor(x, device=device)).cpu().numpy()
    np.testing.assert_array_equal(out, np.repeat(x, 3, axis=1))


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_upsampling2d_nearest(data_format):
    x = _random((2, 3, 4, 2))
    axes = (1, 2) if data_format == "channels_last" else (2, 3)
    if data_format == "channels_first":
        x = np.moveaxis(x, -1, 1).copy()
    out = layers.UpSampling2D((2, 3), data_format=data_format)(x).numpy()
    np.testing.assert_array_equal(out, np.repeat(np.repeat(x, 2, axis=axes[0]), 3, axis=axes[1]))


def test_upsampling2d_bilinear_half_pixel_centers():
    x = np.array([0.0, 1.0], dtype="float32").reshape(1, 1, 2, 1)
    out = layers.UpSampling2D((1, 2), interpolation="bilinear")(x).numpy()[0, 0, :, 0]
    # Output pixel centres map back to -0.25, 0.25, 0.75, 1.25 (clamped): 0, 0.25, 0.75, 1.
    np.testing.assert_allclose(out, [0.0, 0.25, 0.75, 1.0])
    cubic = layers.UpSampling2D(2, interpolation="bicubic")(_random((1, 3, 3, 2)))
    assert tuple(cubic.shape) == (1, 6, 6, 2)


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_upsampling3d(data_format):
    x = _random((1, 2, 3, 2, 2))
    first = 1 if data_format == "channels_last" else 2
    out = layers.UpSampling3D((2, 1, 3), data_format=data_format)(x).numpy()
    expected = np.repeat(np.repeat(x, 2, axis=first), 3, axis=first + 2)
    np.testing.assert_array_equal(out, expected)


def test_upsampling_gradients_sum_over_copies():
    x = torch.ones((1, 2, 2, 1), requires_grad=True)
    layers.UpSampling2D((2, 3))(x).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.full((1, 2, 2, 1), 6.0))


def test_upsampling_shapes_configs_and_errors():
    assert tuple(layers.UpSampling2D()(keras.Input((None, 5, 3))).shape) == (None, None, 10, 3)
    assert tuple(layers.UpSampling1D(4)(keras.Input((3, 2))).shape) == (None, 12, 2)
    assert tuple(layers.UpSampling3D(2, data_format="channels_first")(keras.Input((1, 2, 3, 4))).shape) == (
        None, 1, 4, 6, 8)
    config = layers.UpSampling2D((2, 3), interpolation="Bilinear").get_config()
    assert config["size"] == (2, 3) and config["interpolation"] == "bilinear"
    assert set(config) == {"name", "trainable", "dtype", "size", "data_format", "interpolation"}
    assert layers.UpSampling2D.from_config(config).get_config() == config
    assert layers.UpSampling1D.from_config(layers.UpSampling1D(3).get_config()).size == 3
    assert layers.UpSampling3D.from_config(layers.UpSampling3D(2).get_config()).size == (2, 2, 2)
    with pytest.raises(TypeError, match="integer"):
        layers.UpSampling1D(2.5)
    with pytest.raises(ValueError, match="positive"):
        layers.UpSampling1D(0)
    with pytest.raises(ValueError, match="interpolation"):
        layers.UpSampling2D(interpolation="lanczos3")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        assert layers.UpSampling1D(length=3).size == 3
        assert layers.UpSampling2D(dim_ordering="th").data_format == "channels_first"


# --- ZeroPadding ------------------------------------------------------------------------------------------
def test_zero_padding1d(device):
    x = _random((2, 3, 4))
    out = layers.ZeroPadding1D((1, 2))(torch.tensor(x, device=device)).cpu().numpy()
    np.testing.assert_array_equal(out, np.pad(x, ((0, 0), (1, 2), (0, 0))))
    out = layers.ZeroPadding1D(2, data_format="channels_first")(x).numpy()
    np.testing.assert_array_equal(out, np.pad(x, ((0, 0), (0, 0), (2, 2))))


@pytest.mark.parametrize("padding,pads", [(1, ((1, 1), (1, 1))), ((1, 2), ((1, 1), (2, 2))),
                                          (((0, 1), (2, 3)), ((0, 1), (2, 3)))])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_zero_padding2d(padding, pads, data_format):
    x = _random((2, 3, 4, 2))
    layer = layers.ZeroPadding2D(padding, data_format=data_format)
    assert layer.padding == pads
    if data_format == "channels_last":
        expected = np.pad(x, ((0, 0),) + pads + ((0, 0),))
    else:
        expected = np.pad(x, ((0, 0), (0, 0)) + pads)
    out = layer(x).numpy()
    np.testing.assert_array_equal(out, expected)
    assert tuple(out.shape) == layer.compute_output_shape(x.shape)


def test_zero_padding3d_and_keras1_forms():
    x = _random((1, 2, 2, 2, 1))
    out = layers.ZeroPadding3D(((1, 0), (0, 2), (1, 1)))(x).numpy()
    np.testing.assert_array_equal(out, np.pad(x, ((0, 0), (1, 0), (0, 2), (1, 1), (0, 0))))
    assert layers.ZeroPadding3D(2).padding == ((2, 2),) * 3
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        assert layers.ZeroPadding2D((1, 2, 3, 4)).padding == ((1, 2), (3, 4))
        assert layers.ZeroPadding2D(1, dim_ordering="th").data_format == "channels_first"


def test_zero_padding_shapes_configs_and_errors():
    assert tuple(layers.ZeroPadding2D(((1, 2), (0, 1)))(keras.Input((None, 4, 3))).shape) == (None, None, 5, 3)
    config = layers.ZeroPadding2D(((1, 2), (0, 1))).get_config()
    assert config["padding"] == ((1, 2), (0, 1)) and set(config) == {"name", "trainable", "dtype", "padding",
                                                                      "data_format"}
    assert layers.ZeroPadding2D.from_config(config).get_config() == config
    assert layers.ZeroPadding1D(3).get_config()["padding"] == (3, 3)
    with pytest.raises(ValueError, match="two elements|2 elements"):
        layers.ZeroPadding2D((1, 2, 3))
    with pytest.raises(ValueError, match="padding"):
        layers.ZeroPadding1D(-1)
    with pytest.raises(ValueError, match="3 elements"):
        layers.ZeroPadding3D((1, 1))


# --- Cropping ---------------------------------------------------------------------------------------------
def test_cropping1d(device):
    x = _random((2, 6, 3))
    np.testing.assert_array_equal(layers.Cropping1D((1, 2))(torch.tensor(x, device=device)).cpu().numpy(),
                                  x[:, 1:4])
    np.testing.assert_array_equal(layers.Cropping1D((2, 0))(x).numpy(), x[:, 2:])


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_cropping2d_and_3d(data_format):
    x = _random((2, 5, 6, 3))
    v = _random((1, 4, 5, 6, 2))
    if data_format == "channels_first":
        x, v = np.moveaxis(x, -1, 1).copy(), np.moveaxis(v, -1, 1).copy()
    layer = layers.Cropping2D(((1, 0), (2, 1)), data_format=data_format)
    expected = x[:, 1:, 2:-1] if data_format == "channels_last" else x[:, :, 1:, 2:-1]
    np.testing.assert_array_equal(layer(x).numpy(), expected)
    layer3 = layers.Cropping3D(((1, 1), (0, 2), (3, 0)), data_format=data_format)
    expected3 = v[:, 1:-1, :-2, 3:] if data_format == "channels_last" else v[:, :, 1:-1, :-2, 3:]
    np.testing.assert_array_equal(layer3(v).numpy(), expected3)


def test_cropping_is_a_view_and_propagates_gradients():
    x = torch.tensor(_random((1, 4, 4, 1)), requires_grad=True)
    out = layers.Cropping2D(1)(x)
    assert out.untyped_storage().data_ptr() == x.untyped_storage().data_ptr()  # no copy
    out.sum().backward()
    expected = np.zeros((1, 4, 4, 1))
    expected[:, 1:3, 1:3] = 1
    np.testing.assert_array_equal(x.grad.numpy(), expected)


def test_cropping_shapes_configs_and_errors():
    assert tuple(layers.Cropping2D(((1, 2), (0, 1)))(keras.Input((None, 4, 3))).shape) == (None, None, 3, 3)
    assert tuple(layers.Cropping1D()(keras.Input((5, 2))).shape) == (None, 3, 2)
    config = layers.Cropping3D(1).get_config()
    assert config["cropping"] == ((1, 1),) * 3 and set(config) == {"name", "trainable", "dtype", "cropping",
                                                                    "data_format"}
    assert layers.Cropping3D.from_config(config).get_config() == config
    assert layers.Cropping1D.from_config(layers.Cropping1D((0, 3)).get_config()).cropping == (0, 3)
    with pytest.raises(ValueError, match="smaller than the input length"):
        layers.Cropping1D((2, 2))(_random((1, 4, 1)))
    with pytest.raises(ValueError, match="smaller than the corresponding spatial dimension"):
        layers.Cropping2D(((2, 2), (0, 0)))(keras.Input((4, 5, 1)))
    with pytest.raises(ValueError, match="cannot be negative"):
        layers.Cropping2D(-1)
    with pytest.raises(ValueError, match="2 elements|two elements"):
        layers.Cropping2D((1, 1, 1))


def test_in_a_model():
    model = keras.Sequential([
        keras.Input((6, 6, 1)),
        layers.ZeroPadding2D(1),
        layers.Conv2D(2, 3),
        layers.UpSampling2D(),
        layers.Cropping2D(((1, 1), (2, 2))),
    ])
    assert tuple(model.output_shape) == (None, 10, 8, 2)
    assert model.predict(_random((3, 6, 6, 1)), verbose=0).shape == (3, 10, 8, 2)
