"""F-scores and IoU metrics against NumPy."""
import numpy as np
import pytest

import torchkeras.metrics as M

EPS = 1e-7


def _f_beta(tp, fp, fn, beta):
    precision = tp / (tp + fp + EPS)
    recall = tp / (tp + fn + EPS)
    return (1 + beta**2) * precision * recall / (beta**2 * precision + recall + EPS)


@pytest.fixture
def multilabel():
    rng = np.random.default_rng(0)
    return rng.integers(0, 2, size=(12, 3)).astype("float32"), rng.uniform(size=(12, 3)).astype("float32")


def test_f1_per_class_and_averages(multilabel):
    y, p = multilabel
    pred = (p > 0.5).astype("float32")
    tp, fp, fn = (pred * y).sum(0), (pred * (1 - y)).sum(0), ((1 - pred) * y).sum(0)
    per_class = _f_beta(tp, fp, fn, 1.0)
    np.testing.assert_allclose(M.F1Score(threshold=0.5)(y, p).numpy(), per_class, rtol=1e-5)
    np.testing.assert_allclose(M.F1Score(average="macro", threshold=0.5)(y, p).numpy(), per_class.mean(), rtol=1e-5)
    support = y.sum(0)
    np.testing.assert_allclose(M.F1Score(average="weighted", threshold=0.5)(y, p).numpy(),
                               np.sum(per_class * support / (support.sum() + EPS)), rtol=1e-5)
    np.testing.assert_allclose(M.F1Score(average="micro", threshold=0.5)(y, p).numpy(),
                               _f_beta(tp.sum(), fp.sum(), fn.sum(), 1.0), rtol=1e-5)
    np.testing.assert_allclose(M.FBetaScore(beta=2.0, threshold=0.5)(y, p).numpy(), _f_beta(tp, fp, fn, 2.0),
                               rtol=1e-5)


def test_f1_without_threshold_takes_the_row_maximum():
    y = np.array([[1, 0, 0], [0, 1, 0], [0, 0, 1]], dtype="float32")
    p = np.array([[0.6, 0.3, 0.1], [0.5, 0.2, 0.3], [0.1, 0.1, 0.8]], dtype="float32")
    np.testing.assert_allclose(M.F1Score(average="micro")(y, p).numpy(), _f_beta(2, 1, 1, 1.0), rtol=1e-5)


def test_fbeta_argument_errors():
    with pytest.raises(ValueError, match="Invalid `average` argument value"):
        M.FBetaScore(average="samples")
    with pytest.raises(ValueError, match="It should be a Python float"):
        M.FBetaScore(beta=2)
    with pytest.raises(ValueError, match="0 < threshold <= 1"):
        M.F1Score(threshold=1.5)
    with pytest.raises(ValueError, match="FBetaScore expects 2D inputs"):
        M.F1Score().update_state(np.zeros(3), np.zeros(3))


def _np_iou(y, p, num_classes, w=None):
    cm = np.zeros((num_classes, num_classes))
    np.add.at(cm, (np.ravel(y), np.ravel(p)), 1 if w is None else np.ravel(w))
    tp = np.diag(cm)
    denom = cm.sum(0) + cm.sum(1) - tp
    return tp, denom


def test_mean_iou_and_iou():
    rng = np.random.default_rng(1)
    y, p = rng.integers(0, 3, size=(4, 6)), rng.integers(0, 3, size=(4, 6))
    tp, denom = _np_iou(y, p, 3)
    np.testing.assert_allclose(M.MeanIoU(num_classes=3)(y, p).numpy(), np.mean(tp / denom), rtol=1e-5)
    np.testing.assert_allclose(M.IoU(num_classes=3, target_class_ids=[0, 2])(y, p).numpy(),
                               np.mean((tp / denom)[[0, 2]]), rtol=1e-5)
    onehot = np.eye(3, dtype="float32")
    np.testing.assert_allclose(M.OneHotMeanIoU(num_classes=3)(onehot[y], onehot[p] * 0.9).numpy(),
                               np.mean(tp / denom), rtol=1e-5)


def test_iou_ignore_class_weights_and_out_of_range():
    y = np.array([0, 1, 2, 2, 5])
    p = np.array([0, 1, 1, 2, 0])
    w = np.array([1, 2, 1, 1, 1])
    metric = M.MeanIoU(num_classes=3, ignore_class=2)
    metric.update_state(y, p, sample_weight=w)
    # class 2 labels are ignored, label 5 is out of range: left are (0,0) w1 and (1,1) w2
    np.testing.assert_array_equal(metric.total_cm.numpy(), [[1, 0, 0], [0, 2, 0], [0, 0, 0]])
    assert metric.result().item() == pytest.approx(2 / (2 + 1e-7), rel=1e-6)


def test_binary_iou_threshold():
    y = np.array([0, 1, 1, 0])
    p = np.array([0.2, 0.6, 0.4, 0.7])
    tp, denom = _np_iou(y, (p >= 0.5).astype(int), 2)
    np.testing.assert_allclose(M.BinaryIoU()(y, p).numpy(), np.mean(tp / denom), rtol=1e-5)
    with pytest.raises(ValueError, match=r"Target class id 3 is out of range, which is \[0, 2\)"):
        M.IoU(num_classes=2, target_class_ids=[3])
