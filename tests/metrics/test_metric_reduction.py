"""`Sum`, `Mean` and `MeanMetricWrapper`: per-sample reduction, weights, masks, counts."""
import numpy as np
import torch

import torchkeras.metrics as M


def test_mean_documented_example():
    metric = M.Mean()
    metric.update_state([1.0, 2.0, 3.0])
    metric.update_state(10.0, sample_weight=2.0)
    np.testing.assert_allclose(metric.result().numpy(), 5.2, rtol=1e-6)


def test_mean_of_matrices_averages_each_sample_first():
    metric = M.Mean()
    values = np.array([[1.0, 3.0], [5.0, 7.0]], dtype="float32")
    metric.update_state(values, sample_weight=[1.0, 3.0])
    np.testing.assert_allclose(metric.result().numpy(), (2.0 * 1 + 6.0 * 3) / 4, rtol=1e-6)
    np.testing.assert_allclose(metric.count.numpy(), 4.0)


def test_mean_with_elementwise_weights():
    metric = M.Mean()
    values = np.array([[1.0, 3.0], [5.0, 7.0]], dtype="float32")
    weights = np.array([[1.0, 0.0], [1.0, 1.0]], dtype="float32")
    metric.update_state(values, sample_weight=weights)
    # Each sample: mean(v * w) over its row; count adds mean(w) over the row.
    np.testing.assert_allclose(metric.result().numpy(), (0.5 + 6.0) / (0.5 + 1.0), rtol=1e-6)


def test_empty_mean_is_zero():
    assert M.Mean().result().item() == 0.0


def test_sum():
    metric = M.Sum()
    metric.update_state([[1.0, 2.0], [3.0, 4.0]], sample_weight=[1.0, 0.5])
    metric.update_state(5.0)
    np.testing.assert_allclose(metric.result().numpy(), 3.0 + 3.5 + 5.0)


def test_mean_metric_wrapper_with_custom_function():
    def abs_error(y_true, y_pred, scale=1.0):
        return scale * torch.abs(torch.as_tensor(y_true) - torch.as_tensor(y_pred))

    metric = M.MeanMetricWrapper(abs_error, name="abs", scale=2.0)
    metric.update_state(np.array([1.0, 2.0]), np.array([1.5, 1.0]))
    np.testing.assert_allclose(metric.result().numpy(), 2.0 * 0.75, rtol=1e-6)
    assert not hasattr(metric, "_direction")
    assert M.MeanMetricWrapper(M.mean_squared_error)._direction == "down"  # wrapping a loss: lower is better


def test_mean_metric_wrapper_honours_prediction_masks():
    metric = M.MeanMetricWrapper(M.mean_absolute_error)
    y = np.zeros((2, 3, 1), dtype="float32")
    p = torch.tensor(np.arange(6, dtype="float32").reshape(2, 3, 1))
    p._keras_mask = torch.tensor([[True, False, True], [True, True, False]])
    metric.update_state(y, p)
    # Masked positions weigh 0; each sample averages its positions, count adds the mean mask.
    per_sample = np.array([(0 + 2) / 3, (3 + 4) / 3])
    np.testing.assert_allclose(metric.result().numpy(), per_sample.sum() / (2 / 3 + 2 / 3), rtol=1e-6)


def test_accuracy_is_exact_fraction_over_batches():
    metric = M.SparseCategoricalAccuracy()
    p = np.eye(3, dtype="float32")
    metric.update_state([0, 1, 2], p)
    metric.update_state([0, 0], p[:2])
    np.testing.assert_allclose(metric.result().numpy(), 4 / 5, rtol=1e-6)
