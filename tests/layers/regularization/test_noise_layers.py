import numpy as np
import pytest
import torch

import torchkeras as keras
from torchkeras import layers


def _np(t):
    return t.detach().cpu().numpy()


NOISE = [
    (layers.GaussianNoise, {"stddev": 0.5}),
    (layers.GaussianDropout, {"rate": 0.3}),
    (layers.AlphaDropout, {"rate": 0.3}),
    (layers.SpatialDropout1D, {"rate": 0.5}),
]


@pytest.mark.parametrize("cls,kwargs", NOISE)
def test_identity_at_inference_noise_in_training(cls, kwargs, device):
    layer = cls(**kwargs)
    x = torch.randn(4, 6, 8, device=device)
    assert torch.equal(layer(x), x) and torch.equal(layer(x, training=False), x)
    assert not torch.allclose(layer(x, training=True), x)
    assert layer(keras.Input((6, 8))).shape == (None, 6, 8)


@pytest.mark.parametrize("cls,kwargs", NOISE)
def test_seeded_layers_are_reproducible_and_advance(cls, kwargs):
    x = torch.randn(4, 6, 8)
    a, b = cls(seed=7, **kwargs), cls(seed=7, **kwargs)
    first = a(x, training=True)
    assert torch.equal(first, b(x, training=True))
    assert not torch.equal(first, a(x, training=True))
    config = a.get_config()
    assert config["seed"] == 7
    assert cls.from_config(config).get_config() == config


def test_gaussian_noise_and_dropout_statistics():
    x = torch.ones(200, 500)
    noisy = _np(layers.GaussianNoise(0.2, seed=1)(x, training=True))
    assert abs(noisy.mean() - 1.0) < 0.01 and abs(noisy.std() - 0.2) < 0.01
    dropped = _np(layers.GaussianDropout(0.2, seed=1)(x, training=True))
    assert abs(dropped.mean() - 1.0) < 0.01 and abs(dropped.std() - np.sqrt(0.2 / 0.8)) < 0.01


def test_alpha_dropout_keeps_mean_and_variance():
    x = torch.randn(400, 500)
    out = _np(layers.AlphaDropout(0.2, seed=3)(x, training=True))
    assert abs(out.mean()) < 0.02 and abs(out.std() - 1.0) < 0.02
    alpha_p = -1.6732632423543772 * 1.0507009873554805
    a = ((1 - 0.2) * (1 + 0.2 * alpha_p ** 2)) ** -0.5
    dropped = np.isclose(out, a * alpha_p + (-a * alpha_p * 0.2), atol=1e-6)
    assert abs(dropped.mean() - 0.2) < 0.01


def test_alpha_dropout_noise_shape_shares_the_mask():
    layer = layers.AlphaDropout(0.5, noise_shape=(None, 1, 4), seed=0)
    out = _np(layer(torch.zeros(3, 5, 4), training=True))
    assert np.allclose(out, out[:, :1, :])
    assert layer.get_config()["noise_shape"] == (None, 1, 4)


@pytest.mark.parametrize("cls,shape,data_format,channel_axis", [
    (layers.SpatialDropout1D, (4, 6, 8), None, -1),
    (layers.SpatialDropout2D, (4, 5, 6, 8), None, -1),
    (layers.SpatialDropout2D, (4, 8, 5, 6), "channels_first", 1),
    (layers.SpatialDropout3D, (4, 3, 5, 6, 8), None, -1),
    (layers.SpatialDropout3D, (4, 8, 3, 5, 6), "channels_first", 1),
])
def test_spatial_dropout_drops_whole_channels(cls, shape, data_format, channel_axis):
    kwargs = {} if data_format is None else {"data_format": data_format}
    layer = cls(0.5, seed=2, **kwargs)
    out = _np(layer(torch.ones(shape), training=True))
    moved = np.moveaxis(out, channel_axis, -1).reshape(shape[0], -1, shape[channel_axis])
    assert np.all((moved == 0).all(1) | (moved == 2.0).all(1))
    assert 0 < (moved == 0).mean() < 1


def test_spatial_dropout_config_and_input_rank():
    config = layers.SpatialDropout2D(0.3, seed=1, name="sd").get_config()
    assert config == {"rate": 0.3, "seed": 1, "name": "sd", "dtype": "float32", "data_format": "channels_last"}
    assert layers.SpatialDropout2D.from_config(config).rate == 0.3
    keras2 = {"name": "sd1", "trainable": True, "dtype": "float32", "rate": 0.2, "noise_shape": None, "seed": None}
    assert layers.SpatialDropout1D.from_config(keras2).rate == 0.2
    with pytest.raises(ValueError, match="expected ndim=3"):
        layers.SpatialDropout1D(0.5)(torch.ones(2, 3))


def test_rate_and_stddev_validation():
    for cls, kw in [(layers.GaussianNoise, "stddev"), (layers.GaussianDropout, "rate"), (layers.AlphaDropout, "rate"),
                    (layers.SpatialDropout1D, "rate")]:
        with pytest.raises(ValueError, match=f"Invalid value received for argument `{kw}`"):
            cls(**{kw: 1.5})


def test_noise_layers_pass_masks_and_fit():
    x = torch.randn(2, 3, 4)
    x._keras_mask = torch.tensor([[True, False, True], [True, True, False]])
    for layer in (layers.GaussianNoise(0.1), layers.GaussianDropout(0.1), layers.AlphaDropout(0.1)):
        assert torch.equal(layer(x, training=True)._keras_mask, x._keras_mask)
    model = keras.Sequential([keras.Input((4,)), layers.GaussianNoise(0.1), layers.AlphaDropout(0.1),
                              layers.GaussianDropout(0.1), layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    history = model.fit(np.random.rand(16, 4).astype("float32"), np.zeros((16, 1), "float32"), epochs=1,
                        batch_size=8, verbose=0)
    assert np.isfinite(history.history["loss"][0])
