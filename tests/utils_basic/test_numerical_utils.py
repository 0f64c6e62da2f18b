"""`to_categorical` and `normalize`, against NumPy."""
import numpy as np
import pytest
import torch

from torchkeras.utils.numerical_utils import normalize
from torchkeras.utils.numerical_utils import to_categorical


def test_to_categorical_numpy():
    labels = np.array([0, 2, 1, 2])
    out = to_categorical(labels)
    assert isinstance(out, np.ndarray) and out.dtype == np.float64 and out.shape == (4, 3)
    np.testing.assert_array_equal(out, np.eye(3)[labels])
    np.testing.assert_array_equal(to_categorical(labels, 5), np.eye(5)[labels])


def test_to_categorical_shapes():
    assert to_categorical(np.array([[1], [0]]), 3).shape == (2, 3)  # trailing 1 is dropped
    assert to_categorical([[1, 2], [0, 1]]).shape == (2, 2, 3)
    assert to_categorical(np.array(2), 3).shape == (3,)
    np.testing.assert_array_equal(to_categorical([1.7, 0.2], 2), [[0, 1], [1, 0]])  # truncated to ints
    np.testing.assert_array_equal(to_categorical([0, -1], 3), [[1, 0, 0], [0, 0, 1]])  # NumPy indexing


def test_to_categorical_tensors(device):
    labels = torch.tensor([[0], [2], [1]], device=device)
    out = to_categorical(labels, 3)
    assert isinstance(out, torch.Tensor) and out.device.type == device and out.dtype == torch.int64
    np.testing.assert_array_equal(out.cpu().numpy(), np.eye(3)[[0, 2, 1]])
    np.testing.assert_array_equal(to_categorical(torch.tensor([1, 3])).numpy(), np.eye(4)[[1, 3]])
    np.testing.assert_array_equal(to_categorical(torch.tensor([0, -1]), 3).numpy(), [[1, 0, 0], [0, 0, 0]])


def test_normalize_numpy():
    x = np.array([[3.0, 4.0], [0.0, 0.0], [1.0, 1.0]])
    np.testing.assert_allclose(normalize(x), x / np.maximum(np.linalg.norm(x, axis=-1, keepdims=True), 1e-300)
                               * (np.linalg.norm(x, axis=-1, keepdims=True) > 0))
    np.testing.assert_allclose(normalize(x, order=1)[0], [3 / 7, 4 / 7])
    cols = normalize(x, axis=0)
    np.testing.assert_allclose(cols, x / np.linalg.norm(x, axis=0, keepdims=True))
    assert normalize(np.array([3.0, 4.0])).shape == (1, 2)  # Keras adds a leading axis for 1-D input


def test_normalize_tensors(device):
    x = torch.tensor([[3.0, 4.0], [0.0, 0.0]], device=device)
    out = normalize(x)
    assert out.device.type == device
    np.testing.assert_allclose(out.cpu().numpy(), [[0.6, 0.8], [0.0, 0.0]], rtol=1e-6)
    np.testing.assert_allclose(normalize(x, order=1).cpu().numpy(), [[3 / 7, 4 / 7], [0, 0]], rtol=1e-6)
    np.testing.assert_allclose(normalize(x, axis=0).cpu().numpy(), [[1.0, 1.0], [0.0, 0.0]], rtol=1e-6)
    np.testing.assert_allclose(normalize([3.0, 4.0]).cpu().numpy(), [0.6, 0.8], rtol=1e-6)
    with pytest.raises(ValueError, match="Argument `order` must be an int >= 1. Received: order=0"):
        normalize(x, order=0)
