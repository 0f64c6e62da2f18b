"""Confusion-matrix metrics (counts, precision, recall, AUC, constrained metrics) against NumPy."""
import numpy as np
import pytest
import torch

import torchkeras.metrics as M
from torchkeras.metrics import confusion_utils


def _counts(y, p, thresholds, w=None):
    w = np.ones(np.shape(p)) if w is None else np.broadcast_to(w, np.shape(p))
    y, p, w = (np.asarray(y) != 0).ravel(), np.asarray(p).ravel(), w.ravel()
    out = {k: [] for k in ("tp", "fp", "tn", "fn")}
    for t in thresholds:
        pos = p > t
        out["tp"].append(np.sum(w * (pos & y)))
        out["fp"].append(np.sum(w * (pos & ~y)))
        out["tn"].append(np.sum(w * (~pos & ~y)))
        out["fn"].append(np.sum(w * (~pos & y)))
    return {k: np.array(v) for k, v in out.items()}


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    return rng.integers(0, 2, size=(20, 3)).astype("float32"), rng.uniform(size=(20, 3)).astype("float32")


@pytest.mark.parametrize("thresholds", [None, 0.3, [0.1, 0.5, 0.9], [0.0, 0.25, 0.5, 0.75, 1.0]])
def test_condition_counts(data, thresholds):
    y, p = data
    w = np.random.default_rng(1).uniform(size=(20, 1)).astype("float32")
    expected = _counts(y, p, [0.5] if thresholds is None else np.atleast_1d(thresholds), w)
    for cls, key in ((M.TruePositives, "tp"), (M.FalsePositives, "fp"), (M.TrueNegatives, "tn"),
                     (M.FalseNegatives, "fn")):
        got = cls(thresholds=thresholds)(y, p, sample_weight=w).numpy()
        np.testing.assert_allclose(np.atleast_1d(got), expected[key], rtol=1e-5, atol=1e-5)


def test_bucketed_and_comparison_paths_agree(data):
    y, p = data
    thresholds = [i / 9 for i in range(10)]
    assert confusion_utils.is_evenly_distributed_thresholds(thresholds)
    results = []
    for evenly in (True, False):
        variables = {k: torch.zeros(10) for k in ("tp", "fp", "tn", "fn")}
        confusion_utils.update_confusion_matrix_variables(variables, y, p, thresholds,
                                                          thresholds_distributed_evenly=evenly)
        results.append({k: v.numpy() for k, v in variables.items()})
    for key in results[0]:
        np.testing.assert_allclose(results[0][key], results[1][key])


def test_precision_and_recall(data):
    y, p = data
    c = _counts(y, p, [0.5])
    assert M.Precision()(y, p).item() == pytest.approx(c["tp"][0] / (c["tp"][0] + c["fp"][0]))
    assert M.Recall()(y, p).item() == pytest.approx(c["tp"][0] / (c["tp"][0] + c["fn"][0]))
    multi = M.Precision(thresholds=[0.2, 0.8])(y, p).numpy()
    c = _counts(y, p, [0.2, 0.8])
    np.testing.assert_allclose(multi, c["tp"] / (c["tp"] + c["fp"]), rtol=1e-6)


def test_precision_class_id_and_top_k():
    y = np.array([[0, 1, 1], [1, 0, 0], [0, 0, 1]], dtype="float32")
    p = np.array([[0.2, 0.9, 0.6], [0.7, 0.8, 0.1], [0.3, 0.4, 0.35]], dtype="float32")
    # class 1 only: predictions 0.9 (label 1), 0.8 (label 0), 0.4 (label 0) -> tp 1, fp 1
    assert M.Precision(class_id=1)(y, p).item() == pytest.approx(0.5)
    # top 1 of each row is positive: (0,1) tp, (1,1) fp, (2,1) fp -> 1/3
    assert M.Precision(top_k=1)(y, p).item() == pytest.approx(1 / 3)
    assert M.Recall(top_k=2)(y, p).item() == pytest.approx(1.0)
    assert M.Recall(top_k=1)(y, p).item() == pytest.approx(1 / 4)


def test_threshold_validation():
    with pytest.raises(ValueError, match=r"Threshold values must be in \[0, 1\]"):
        M.Precision(thresholds=[0.5, 1.5])


def _np_auc(y, p, num_thresholds=200, curve="ROC"):
    eps = 1e-7
    thresholds = [0 - eps] + [(i + 1) / (num_thresholds - 1) for i in range(num_thresholds - 2)] + [1 + eps]
    c = _counts(y, p, thresholds)
    tp, fp, tn, fn = (c[k].astype(float) for k in ("tp", "fp", "tn", "fn"))
    with np.errstate(invalid="ignore", divide="ignore"):
        recall = np.nan_to_num(tp / (tp + fn))
        if curve == "ROC":
            x, yv = np.nan_to_num(fp / (fp + tn)), recall
        else:
            x, yv = recall, np.nan_to_num(tp / (tp + fp))
    return np.sum((x[:-1] - x[1:]) * (yv[:-1] + yv[1:]) / 2)


def test_auc_roc_against_numpy_and_exact(data):
    y, p = data
    metric = M.AUC()
    metric.update_state(y[:10], p[:10])
    metric.update_state(y[10:], p[10:])
    np.testing.assert_allclose(metric.result().numpy(), _np_auc(y, p), rtol=1e-5)
    fine = M.AUC(num_thresholds=2000)(y, p).item()
    pos, neg = p[y == 1], p[y == 0]
    exact = np.mean((pos[:, None] > neg[None, :]) + 0.5 * (pos[:, None] == neg[None, :]))
    assert fine == pytest.approx(exact, abs=2e-3)


def test_auc_pr_majoring_and_multi_label(data):
    y, p = data
    np.testing.assert_allclose(M.AUC(curve="PR", summation_method="interpolation", num_thresholds=50)(y, p).numpy(),
                               M.AUC(curve="PR", num_thresholds=50)(y, p).numpy())
    per_label = [_np_auc(y[:, i], p[:, i]) for i in range(3)]
    np.testing.assert_allclose(M.AUC(multi_label=True)(y, p).numpy(), np.mean(per_label), rtol=1e-5)
    weighted = M.AUC(multi_label=True, label_weights=[1.0, 0.0, 3.0])(y, p).numpy()
    np.testing.assert_allclose(weighted, (per_label[0] + 3 * per_label[2]) / 4, rtol=1e-5)


def test_auc_from_logits_and_reset(data):
    y, p = data
    logits = np.log(p / (1 - p))
    assert M.AUC(from_logits=True)(y, logits).item() == pytest.approx(M.AUC()(y, p).item(), abs=1e-6)
    metric = M.AUC()
    metric.update_state(y, p)
    metric.reset_state()
    assert metric.result().item() == 0.0


def test_auc_argument_errors():
    with pytest.raises(ValueError, match="`num_thresholds` must be an integer > 1"):
        M.AUC(num_thresholds=1)
    with pytest.raises(ValueError, match='Invalid AUC curve value: "XY"'):
        M.AUC(curve="XY")
    with pytest.raises(ValueError, match="Invalid AUC summation method"):
        M.AUC(summation_method="trapezoid")
    with pytest.raises(ValueError, match="`num_labels` is needed only when `multi_label` is True"):
        M.AUC(num_labels=3)
    with pytest.raises(ValueError, match="`y_pred` must have rank 2 when `multi_label=True`"):
        M.AUC(multi_label=True).update_state(np.zeros(4), np.zeros(4))


def test_constrained_metrics(data):
    y, p = data
    thresholds = [0.0] + [(i + 1) / 199 for i in range(198)] + [1.0]
    c = _counts(y, p, thresholds)
    with np.errstate(invalid="ignore", divide="ignore"):
        recall = np.nan_to_num(c["tp"] / (c["tp"] + c["fn"]))
        precision = np.nan_to_num(c["tp"] / (c["tp"] + c["fp"]))
        specificity = np.nan_to_num(c["tn"] / (c["tn"] + c["fp"]))
    assert M.PrecisionAtRecall(0.7)(y, p).item() == pytest.approx(np.max(np.where(recall >= 0.7, precision, 0)))
    assert M.RecallAtPrecision(0.6)(y, p).item() == pytest.approx(np.max(np.where(precision >= 0.6, recall, 0)))
    assert M.SensitivityAtSpecificity(0.5)(y, p).item() == pytest.approx(
        np.max(np.where(specificity >= 0.5, recall, 0)))
    assert M.SpecificityAtSensitivity(0.5)(y, p).item() == pytest.approx(
        np.max(np.where(recall >= 0.5, specificity, 0)))
    with pytest.raises(ValueError, match=r"Argument `recall` must be in the range \[0, 1\]"):
        M.PrecisionAtRecall(1.5)
