import warnings

import numpy as np
import pytest
import torch

import torchkeras as keras
from torchkeras import layers


def _np(t):
    return t.detach().cpu().numpy()


def _ln_ref(x, axes, gamma=1.0, beta=0.0, eps=1e-3):
    mean = x.mean(axis=axes, keepdims=True)
    var = x.var(axis=axes, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * gamma + beta


@pytest.mark.parametrize("axis,shape", [(-1, (3, 4, 5)), ([1, 2], (3, 4, 5)), (1, (3, 4, 5)), ([1, 3], (2, 3, 4, 5)),
                                        ([0, 2], (3, 4, 5)), ([-2, -1], (2, 3, 4, 5))])
def test_layer_norm_over_any_axes(axis, shape, device):
    rng = np.random.RandomState(0)
    x = (rng.randn(*shape) * 3 + 2).astype("float32")
    layer = layers.LayerNormalization(axis=axis)
    layer.build(shape)
    axes = [axis] if isinstance(axis, int) else axis
    pshape = tuple(shape[a] for a in sorted(axes))
    assert tuple(layer.gamma.shape) == pshape and tuple(layer.beta.shape) == pshape
    gamma = rng.rand(*pshape).astype("float32") + 0.5
    beta = rng.rand(*pshape).astype("float32")
    layer.set_weights([gamma, beta])
    bshape = [1] * len(shape)
    for a in axes:
        bshape[a] = shape[a]
    out = _np(layer(torch.tensor(x, device=device)))
    norm_axes = tuple(a % len(shape) for a in axes)
    np.testing.assert_allclose(out, _ln_ref(x, norm_axes, gamma.reshape(bshape), beta.reshape(bshape)), atol=1e-5)


def test_layer_norm_defaults_weights_and_config():
    layer = layers.LayerNormalization()
    assert layer.epsilon == 1e-3
    out = layer(keras.Input((4, 6)))
    assert out.shape == (None, 4, 6)
    assert [w.name for w in layer.weights] == ["gamma", "beta"]
    config = layer.get_config()
    assert config["axis"] == [-1] and config["rms_scaling"] is False
    assert layers.LayerNormalization.from_config(config).get_config() == config


def test_layer_norm_without_center_scale():
    layer = layers.LayerNormalization(center=False, scale=False)
    x = np.random.randn(2, 5).astype("float32")
    assert _np(layer(torch.tensor(x))).shape == (2, 5) and layer.weights == []
    np.testing.assert_allclose(_np(layer(torch.tensor(x))), _ln_ref(x, -1), atol=1e-5)


def test_layer_norm_rms_scaling_is_deprecated_and_scales_by_variance():
    with pytest.warns(UserWarning, match="rms_scaling=True"):
        layer = layers.LayerNormalization(rms_scaling=True)
    x = np.random.randn(3, 6).astype("float32") + 2
    out = _np(layer(torch.tensor(x)))
    assert [w.name for w in layer.weights] == ["gamma"]
    np.testing.assert_allclose(out, x / np.sqrt(x.var(-1, keepdims=True) + 1e-3), atol=1e-5)


def test_layer_norm_gradients_non_trailing_axis():
    x = np.random.randn(2, 3, 4).astype("float32")
    layer = layers.LayerNormalization(axis=1)
    xt = torch.tensor(x, requires_grad=True)
    w = torch.randn(2, 3, 4)
    (layer(xt) * w).sum().backward()
    xr = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    mean = xr.mean(1, keepdim=True)
    var = ((xr - mean) ** 2).mean(1, keepdim=True)
    ((xr - mean) / torch.sqrt(var + 1e-3) * w.double()).sum().backward()
    np.testing.assert_allclose(xt.grad.numpy(), xr.grad.numpy(), atol=1e-5)


def test_layer_norm_errors_and_half_inputs():
    with pytest.raises(TypeError, match="Expected an int or a list/tuple of ints"):
        layers.LayerNormalization(axis="x")
    with pytest.raises(ValueError, match="out of bounds"):
        layers.LayerNormalization(axis=3).build((None, 4))
    out = layers.LayerNormalization()(torch.randn(2, 4).to(torch.bfloat16))
    assert out.dtype == torch.float32  # Keras returns the layer's compute dtype
    assert layers.GroupNormalization(groups=2)(torch.randn(2, 4).to(torch.float16)).dtype == torch.float32


def _gn_ref(x, groups, axis=-1, eps=1e-3):
    x = np.moveaxis(x, axis, -1)
    shape = x.shape
    g = x.reshape(shape[0], -1, groups, shape[-1] // groups)
    mean = g.mean(axis=(1, 3), keepdims=True)
    var = g.var(axis=(1, 3), keepdims=True)
    return np.moveaxis(((g - mean) / np.sqrt(var + eps)).reshape(shape), -1, axis)


@pytest.mark.parametrize("groups,shape,axis", [(2, (3, 5, 4), -1), (-1, (2, 3, 3, 6), -1), (1, (2, 3, 3, 6), -1),
                                               (3, (2, 6, 4), 1), (2, (4, 6), -1)])
def test_group_norm_matches_reference(groups, shape, axis):
    x = (np.random.randn(*shape) * 2 + 1).astype("float32")
    layer = layers.GroupNormalization(groups=groups, axis=axis)
    out = _np(layer(torch.tensor(x)))
    n_groups = shape[axis] if groups == -1 else groups
    np.testing.assert_allclose(out, _gn_ref(x, n_groups, axis), atol=1e-5)
    assert [tuple(w.shape) for w in layer.weights] == [(shape[axis],)] * 2


def test_group_norm_beta_without_gamma_trains():
    layer = layers.GroupNormalization(groups=2, scale=False)
    x = torch.randn(2, 3, 4, requires_grad=True)
    (layer(x) * torch.randn(2, 3, 4)).sum().backward()
    assert [w.name for w in layer.weights] == ["beta"]
    assert layer.beta.grad is not None and x.grad is not None


def test_group_norm_errors_and_config():
    with pytest.raises(ValueError, match="invalid value for argument `groups`"):
        layers.GroupNormalization(groups=0)
    with pytest.raises(ValueError, match="cannot be more than the number of channels"):
        layers.GroupNormalization(groups=8).build((None, 4))
    with pytest.raises(ValueError, match="must be a multiple"):
        layers.GroupNormalization(groups=3).build((None, 4))
    with pytest.raises(ValueError, match="should have a defined dimension"):
        layers.GroupNormalization(groups=1).build((None, None))
    layer = layers.GroupNormalization(groups=2, epsilon=1e-5)
    layer.build((None, 4))
    config = layer.get_config()
    assert config["groups"] == 2 and config["epsilon"] == 1e-5
    assert layers.GroupNormalization.from_config(config).get_config() == config


def test_unit_normalization():
    x = np.random.randn(3, 4, 5).astype("float32")
    out = _np(layers.UnitNormalization()(torch.tensor(x)))
    np.testing.assert_allclose(np.linalg.norm(out, axis=-1), np.ones((3, 4)), rtol=1e-5)
    out = _np(layers.UnitNormalization(axis=[1, 2])(torch.tensor(x)))
    np.testing.assert_allclose(np.sqrt((out ** 2).sum((1, 2))), np.ones(3), rtol=1e-5)
    zeros = _np(layers.UnitNormalization()(torch.zeros(2, 3)))
    np.testing.assert_array_equal(zeros, np.zeros((2, 3)))
    layer = layers.UnitNormalization(axis=[1])
    assert layer.built and layer.get_config()["axis"] == [1]
    assert layer(keras.Input((3, 2))).shape == (None, 3, 2)
    with pytest.raises(TypeError, match="Invalid value for `axis`"):
        layers.UnitNormalization(axis="a")
    with pytest.raises(ValueError, match="out of bounds"):
        layers.UnitNormalization(axis=4).compute_output_shape((None, 3))


def test_rms_normalization():
    x = np.random.randn(2, 3, 4).astype("float32")
    layer = layers.RMSNormalization()
    out = _np(layer(torch.tensor(x)))
    np.testing.assert_allclose(out, x / np.sqrt((x ** 2).mean(-1, keepdims=True) + 1e-6), atol=1e-5)
    assert [w.name for w in layer.weights] == ["scale"]
    layer = layers.RMSNormalization(axis=1, epsilon=1e-3)
    out = _np(layer(torch.tensor(x)))
    np.testing.assert_allclose(out, x / np.sqrt((x ** 2).mean(1, keepdims=True) + 1e-3), atol=1e-5)
    assert layer.get_config()["axis"] == [1]


def test_normalization_layers_pass_masks_through():
    x = torch.randn(2, 3, 4)
    x._keras_mask = torch.tensor([[True, False, True], [True, True, False]])
    for layer in (layers.LayerNormalization(), layers.GroupNormalization(groups=2), layers.UnitNormalization()):
        assert torch.equal(layer(x)._keras_mask, x._keras_mask)


def test_no_warnings_in_default_layer_norm():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        layers.LayerNormalization()(torch.randn(2, 3))
