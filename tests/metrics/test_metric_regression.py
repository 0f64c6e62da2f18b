"""Regression, probabilistic, hinge and correlation metrics against NumPy."""
import numpy as np
import pytest

import torchkeras.metrics as M


@pytest.fixture
def batches():
    rng = np.random.default_rng(0)
    return [(rng.normal(size=(5, 3)).astype("float32"), rng.normal(size=(5, 3)).astype("float32"),
             rng.uniform(0, 2, size=(5,)).astype("float32")) for _ in range(3)]


def _weighted_mean(batches, fn):
    values = np.concatenate([fn(y, p) for y, p, _ in batches])
    weights = np.concatenate([w for _, _, w in batches])
    return np.sum(values * weights) / np.sum(weights)


@pytest.mark.parametrize("cls, fn", [
    (M.MeanSquaredError, lambda y, p: np.mean((y - p) ** 2, -1)),
    (M.MeanAbsoluteError, lambda y, p: np.mean(np.abs(y - p), -1)),
    (M.MeanAbsolutePercentageError, lambda y, p: 100 * np.mean(np.abs((y - p) / np.maximum(np.abs(y), 1e-7)), -1)),
    (M.LogCoshError, lambda y, p: np.mean(np.log(np.cosh(p - y)), -1)),
    (M.CosineSimilarity, lambda y, p: np.sum(y * p, -1) / np.linalg.norm(y, axis=-1) / np.linalg.norm(p, axis=-1)),
    (M.Hinge, lambda y, p: np.mean(np.maximum(1 - y * p, 0), -1)),
])
def test_weighted_means_over_batches(batches, cls, fn):
    metric = cls()
    for y, p, w in batches:
        metric.update_state(y, p, sample_weight=w)
    np.testing.assert_allclose(metric.result().numpy(), _weighted_mean(batches, fn), rtol=1e-5)
    metric.reset_state()
    assert metric.result().item() == 0.0


def test_root_mean_squared_error(batches):
    metric = M.RootMeanSquaredError()
    for y, p, _ in batches:
        metric.update_state(y, p)
    all_y = np.concatenate([b[0] for b in batches])
    all_p = np.concatenate([b[1] for b in batches])
    np.testing.assert_allclose(metric.result().numpy(), np.sqrt(np.mean((all_y - all_p) ** 2)), rtol=1e-6)


def test_r2_score_against_formula(batches):
    metric = M.R2Score()
    for y, p, _ in batches:
        metric.update_state(y, p)
    y = np.concatenate([b[0] for b in batches])
    p = np.concatenate([b[1] for b in batches])
    per_output = 1 - np.sum((y - p) ** 2, 0) / np.sum((y - y.mean(0)) ** 2, 0)
    np.testing.assert_allclose(metric.result().numpy(), per_output.mean(), rtol=1e-5)
    raw = M.R2Score(class_aggregation=None)
    raw.update_state(y, p)
    np.testing.assert_allclose(raw.result().numpy(), per_output, rtol=1e-5)
    adjusted = M.R2Score(num_regressors=2)
    adjusted.update_state(y, p)
    n = y.size
    np.testing.assert_allclose(adjusted.result().numpy(), 1 - (1 - per_output.mean()) * (n - 1) / (n - 2 - 1),
                               rtol=1e-5)


def test_r2_score_errors():
    with pytest.raises(ValueError, match="Invalid value for argument `class_aggregation`"):
        M.R2Score(class_aggregation="median")
    with pytest.raises(ValueError, match="R2Score expects 2D inputs"):
        M.R2Score().update_state(np.zeros((2, 2, 2)), np.zeros((2, 2, 2)))


def test_probabilistic_metrics_match_loss_functions():
    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, size=(6, 2)).astype("float32")
    p = rng.uniform(0.05, 0.95, size=(6, 2)).astype("float32")
    np.testing.assert_allclose(M.BinaryCrossentropy()(y, p).numpy(), M.binary_crossentropy(y, p).numpy().mean(),
                               rtol=1e-6)
    labels = np.array([0, 1, 1, 0, 1, 0])
    np.testing.assert_allclose(M.SparseCategoricalCrossentropy()(labels, p).numpy(),
                               M.sparse_categorical_crossentropy(labels, p).numpy().mean(), rtol=1e-6)
    np.testing.assert_allclose(M.Poisson()(y, p).numpy(), M.poisson(y, p).numpy().mean(), rtol=1e-6)
    for cls in (M.BinaryCrossentropy, M.CategoricalCrossentropy, M.SparseCategoricalCrossentropy, M.KLDivergence,
                M.Poisson, M.MeanSquaredError, M.RootMeanSquaredError, M.Hinge):
        assert cls()._direction == "down"


def test_pearson_correlation():
    rng = np.random.default_rng(2)
    y, p = rng.normal(size=(4, 10)), rng.normal(size=(4, 10))
    expected = [np.corrcoef(a, b)[0, 1] for a, b in zip(y, p)]
    np.testing.assert_allclose(M.pearson_correlation(y, p).numpy(), expected, rtol=1e-6)
    np.testing.assert_allclose(M.PearsonCorrelation()(y, p).numpy(), np.mean(expected), rtol=1e-6)
