import numpy as np
import pytest
import torch

import torchkeras as keras
from torchkeras import layers


def _np(t):
    return t.detach().cpu().numpy()


X = np.linspace(-4, 8, 25, dtype="float32").reshape(5, 5)


def _relu_ref(x, max_value=None, negative_slope=0.0, threshold=0.0):
    out = np.where(x >= threshold, x, negative_slope * (x - threshold))
    if max_value is not None:
        out = np.minimum(out, max_value)
    return out


@pytest.mark.parametrize("kwargs", [{}, {"max_value": 6.0}, {"negative_slope": 0.1}, {"threshold": 1.0},
                                    {"max_value": 3.0, "negative_slope": 0.2, "threshold": 0.5}])
def test_relu(kwargs, device):
    layer = layers.ReLU(**kwargs)
    out = _np(layer(torch.tensor(X, device=device)))
    expected = _relu_ref(X, **kwargs)
    if kwargs.get("threshold"):  # Keras zeroes x == threshold exactly when thresholded
        expected = np.where(X == kwargs["threshold"], 0.0, expected)
    np.testing.assert_allclose(out, expected, atol=1e-6)
    config = layer.get_config()
    assert {"max_value", "negative_slope", "threshold"} <= set(config)
    assert layers.ReLU.from_config(config).get_config() == config


def test_relu_errors():
    with pytest.raises(ValueError, match="max_value of a ReLU layer cannot be a negative"):
        layers.ReLU(max_value=-1)
    with pytest.raises(ValueError, match="negative_slope of a ReLU layer"):
        layers.ReLU(negative_slope=-0.1)
    with pytest.raises(ValueError, match="threshold of a ReLU layer"):
        layers.ReLU(threshold=None)


def test_leaky_relu_default_slope_and_keras2_alpha():
    np.testing.assert_allclose(_np(layers.LeakyReLU()(torch.tensor(X))), np.where(X > 0, X, 0.3 * X), rtol=1e-6)
    with pytest.warns(UserWarning, match="`alpha` is deprecated"):
        layer = layers.LeakyReLU(alpha=0.1)
    np.testing.assert_allclose(_np(layer(torch.tensor(X))), np.where(X > 0, X, 0.1 * X), rtol=1e-6)
    assert layer.get_config()["negative_slope"] == 0.1
    with pytest.raises(ValueError, match="cannot be None or negative"):
        layers.LeakyReLU(-1)


def test_elu_and_thresholded_relu():
    np.testing.assert_allclose(_np(layers.ELU(0.5)(torch.tensor(X))), np.where(X > 0, X, 0.5 * (np.exp(X) - 1)),
                               rtol=1e-6)
    assert layers.ELU.from_config(layers.ELU(0.5).get_config()).alpha == 0.5
    t = layers.ThresholdedReLU(theta=2.0)
    np.testing.assert_allclose(_np(t(torch.tensor(X))), np.where(X > 2.0, X, 0.0))
    assert t.get_config()["theta"] == 2.0
    assert layers.ThresholdedReLU().theta == 1.0
    with pytest.raises(ValueError, match="should be >=0"):
        layers.ThresholdedReLU(-1.0)


def test_prelu_weights_shared_axes_and_gradients():
    layer = layers.PReLU()
    out = layer(keras.Input((5, 3)))
    assert out.shape == (None, 5, 3) and tuple(layer.alpha.shape) == (5, 3)
    shared = layers.PReLU(shared_axes=[1], alpha_initializer="ones")
    shared.build((None, 5, 3))
    assert tuple(shared.alpha.shape) == (1, 3)
    with torch.no_grad():
        shared.alpha.copy_(torch.tensor([[0.1, 0.2, 0.3]]))
    x = torch.tensor(np.random.randn(2, 5, 3).astype("float32"), requires_grad=True)
    out = shared(x)
    expected = np.where(_np(x) > 0, _np(x), _np(x) * np.array([0.1, 0.2, 0.3]))
    np.testing.assert_allclose(_np(out), expected, rtol=1e-6)
    out.sum().backward()
    assert shared.alpha.grad is not None and tuple(shared.alpha.grad.shape) == (1, 3)
    assert layers.PReLU(shared_axes=2).shared_axes == [2]
    config = shared.get_config()
    assert config["shared_axes"] == [1]
    assert layers.PReLU.from_config(config).shared_axes == [1]
    with pytest.raises(ValueError, match="shared_axes"):
        layers.PReLU(shared_axes=[3]).build((None, 5, 3))


def test_softmax_axes_and_masks(device):
    x = np.random.randn(2, 3, 4).astype("float32")
    out = _np(layers.Softmax()(torch.tensor(x, device=device)))
    np.testing.assert_allclose(out.sum(-1), np.ones((2, 3)), rtol=1e-6)
    out = _np(layers.Softmax(axis=[1, 2])(torch.tensor(x)))
    np.testing.assert_allclose(out.sum((1, 2)), np.ones(2), rtol=1e-6)
    mask = np.random.rand(2, 3, 4) > 0.3
    mask[..., 0] = True
    out = _np(layers.Softmax()(torch.tensor(x), mask=torch.tensor(mask)))
    e = np.where(mask, np.exp(x - x.max(-1, keepdims=True)), 0)
    np.testing.assert_allclose(out, e / e.sum(-1, keepdims=True), rtol=1e-5, atol=1e-7)
    float_mask = mask.astype("float32")
    np.testing.assert_allclose(_np(layers.Softmax()(torch.tensor(x), mask=torch.tensor(float_mask))), out, rtol=1e-6)
    with pytest.raises(ValueError, match="must not have more dimensions"):
        layers.Softmax()(torch.tensor(x), mask=torch.ones(1, 2, 3, 4, dtype=torch.bool))
    with pytest.raises(ValueError, match="must be broadcastable"):
        layers.Softmax()(torch.tensor(x), mask=torch.ones(2, 3, 5, dtype=torch.bool))


def test_activation_layers_are_built_and_pass_masks():
    x = torch.randn(2, 3, 4)
    x._keras_mask = torch.tensor([[True, False, True], [True, True, False]])
    for layer in (layers.ReLU(), layers.LeakyReLU(), layers.ELU(), layers.ThresholdedReLU(), layers.PReLU()):
        assert torch.equal(layer(x)._keras_mask, x._keras_mask)
        assert layer(keras.Input((3, 4))).shape == (None, 3, 4)
