"""Accuracy functions and metrics against NumPy."""
import numpy as np
import pytest

import torchkeras.metrics as M


def _probs(shape, seed=0):
    return np.random.default_rng(seed).uniform(size=shape).astype("float32")


def test_accuracy_exact_equality():
    np.testing.assert_array_equal(M.accuracy([[1.0], [2.0], [3.0]], [[1.0], [2.5], [3.0]]).numpy(), [[1], [0], [1]])
    assert M.Accuracy()([1, 2, 3, 4], [1, 2, 0, 4]).item() == 0.75


def test_binary_accuracy_threshold_is_strict():
    y = np.array([[1.0], [0.0], [1.0], [0.0]])
    p = np.array([[0.5], [0.5], [0.51], [0.2]])
    np.testing.assert_array_equal(M.binary_accuracy(y, p).numpy().ravel(), [0, 1, 1, 1])  # 0.5 is negative
    np.testing.assert_array_equal(M.binary_accuracy(y, p, threshold=0.4).numpy().ravel(), [1, 0, 1, 1])
    assert M.BinaryAccuracy(threshold=0.4)(y, p).item() == 0.75
    assert M.BinaryAccuracy()(np.array([1, 0, 1]), np.array([[0.9], [0.1], [0.2]])).item() == pytest.approx(2 / 3)


def test_categorical_and_sparse_accuracy():
    p = _probs((6, 4))
    labels = np.array([0, 1, 2, 3, 0, 1])
    expected = (p.argmax(-1) == labels).astype("float32")
    np.testing.assert_array_equal(M.sparse_categorical_accuracy(labels, p).numpy(), expected)
    np.testing.assert_array_equal(M.sparse_categorical_accuracy(labels.reshape(6, 1), p).numpy(), expected)
    np.testing.assert_array_equal(M.categorical_accuracy(np.eye(4)[labels], p).numpy(), expected)
    assert M.CategoricalAccuracy()(np.eye(4)[labels], p).item() == pytest.approx(expected.mean())


def test_temporal_accuracy_averages_each_sample():
    p = _probs((2, 3, 4))
    labels = np.array([[0, 1, 2], [3, 3, 3]])
    matches = (p.argmax(-1) == labels)
    assert M.sparse_categorical_accuracy(labels, p).shape == (2, 3)
    np.testing.assert_allclose(M.SparseCategoricalAccuracy()(labels, p).numpy(), matches.mean(), rtol=1e-6)


def test_top_k_accuracies():
    p = np.array([[0.1, 0.5, 0.3, 0.1], [0.4, 0.3, 0.2, 0.1], [0.25, 0.25, 0.25, 0.25]], dtype="float32")
    labels = np.array([2, 3, 0])
    np.testing.assert_array_equal(M.sparse_top_k_categorical_accuracy(labels, p, k=2).numpy(), [1, 0, 1])
    np.testing.assert_array_equal(M.top_k_categorical_accuracy(np.eye(4)[labels], p, k=1).numpy(), [0, 0, 1])
    assert M.SparseTopKCategoricalAccuracy(k=2)(labels, p).item() == pytest.approx(2 / 3)
    assert M.TopKCategoricalAccuracy(k=10)(np.eye(4)[labels], p).item() == 1.0  # k above the class count


def test_sparse_top_k_from_sorted_ids():
    ids = np.array([[2, 0, 1], [1, 2, 0]])
    np.testing.assert_array_equal(M.sparse_top_k_categorical_accuracy([0, 0], ids, k=2, from_sorted_ids=True).numpy(),
                                  [1, 0])


def test_accuracy_metrics_report_up():
    for cls in (M.Accuracy, M.BinaryAccuracy, M.CategoricalAccuracy, M.SparseCategoricalAccuracy,
                M.TopKCategoricalAccuracy, M.SparseTopKCategoricalAccuracy):
        assert cls()._direction == "up"
