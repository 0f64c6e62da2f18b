import numpy as np
import pytest
import torch

import torchkeras as keras
from torchkeras import layers


def test_weights_in_keras_order_with_paths():
    layer = layers.SpectralNormalization(layers.Dense(3, name="dense"), name="sn")
    out = layer(keras.Input((4,)))
    assert out.shape == (None, 3)
    assert [w.path for w in layer.weights] == ["sn/dense/kernel", "sn/vector_u", "sn/dense/bias"]
    assert [tuple(w.shape) for w in layer.weights] == [(4, 3), (1, 3), (3,)]
    assert [w.name for w in layer.trainable_weights] == ["kernel", "bias"]
    assert [w.name for w in layer.non_trainable_weights] == ["vector_u"]
    assert len(list(layer.parameters())) == 3


def test_training_normalizes_kernel_to_unit_spectral_norm():
    torch.manual_seed(0)
    layer = layers.SpectralNormalization(layers.Dense(5), power_iterations=30)
    x = torch.randn(4, 6)
    layer(x)
    before = layer.kernel.detach().clone()
    out = layer(x, training=True)
    sigma = torch.linalg.matrix_norm(layer.kernel.detach(), ord=2)
    assert abs(float(sigma) - 1.0) < 1e-3
    expected = before / torch.linalg.matrix_norm(before, ord=2)
    np.testing.assert_allclose(layer.kernel.detach().numpy(), expected.numpy(), atol=1e-4)
    np.testing.assert_allclose(out.detach().numpy(), (x @ layer.kernel + layer.layer.bias).detach().numpy(),
                               atol=1e-5)
    # inference leaves the weights alone
    frozen = layer.kernel.detach().clone()
    layer(x)
    assert torch.equal(frozen, layer.kernel.detach())


def test_power_iteration_matches_reference():
    layer = layers.SpectralNormalization(layers.Conv1D(2, 3) if hasattr(layers, "Conv1D") else layers.Dense(2))
    layer.build((None, 5, 3) if hasattr(layers, "Conv1D") else (None, 3))
    kernel = layer.kernel.detach().numpy().copy()
    u = layer.vector_u.detach().numpy().copy()
    w = kernel.reshape(-1, kernel.shape[-1])
    v = u @ w.T
    v = v / np.linalg.norm(v)
    u2 = v @ w
    u2 = u2 / np.linalg.norm(u2)
    sigma = (v @ w @ u2.T).item()
    new_u, new_kernel = layer.normalized_weights()
    np.testing.assert_allclose(new_u.detach().numpy(), u2, rtol=1e-5)
    np.testing.assert_allclose(new_kernel.detach().numpy(), kernel / sigma, rtol=1e-5)


def test_zero_kernel_is_left_alone_and_embedding_is_supported():
    dense = layers.Dense(2, kernel_initializer="zeros")
    layer = layers.SpectralNormalization(dense)
    out = layer(torch.ones(1, 3), training=True)
    assert torch.all(layer.kernel == 0) and torch.isfinite(out).all()
    emb = layers.SpectralNormalization(layers.Embedding(10, 4))
    out = emb(torch.tensor([[1, 2, 3]]), training=True)
    assert out.shape == (1, 3, 4) and emb.kernel is emb.layer.embeddings


def test_errors_and_config_round_trip():
    with pytest.raises(ValueError, match="isn't a supported layer type"):
        layers.SpectralNormalization(object())
    with pytest.raises(ValueError, match="should be greater than zero"):
        layers.SpectralNormalization(layers.Dense(2), power_iterations=0)
    with pytest.raises(ValueError, match="no attribute 'kernel' nor 'embeddings'"):
        layers.SpectralNormalization(layers.LayerNormalization())(torch.ones(2, 3))
    layer = layers.SpectralNormalization(layers.Dense(2, name="inner"), power_iterations=3)
    config = layer.get_config()
    assert config["power_iterations"] == 3 and config["layer"]["class_name"] == "Dense"
    restored = layers.SpectralNormalization.from_config(config)
    assert isinstance(restored.layer, layers.Dense) and restored.layer.units == 2
    assert restored.power_iterations == 3
