"""Every built-in metric beside real Keras 3 (torch backend): several `update_state` calls (with and without
sample weights), `result()` after each, then `reset_state()` and more updates: same numbers (rtol 1e-5)."""
import pytest

import keras  # noqa: F401,I001  (compat_tests/conftest.py skips the module when keras is missing)
import numpy as np
import torch

import torchkeras.metrics as tk_metrics

RTOL = 1e-5
ATOL = 1e-6


def _np(x):
    if isinstance(x, torch.Tensor):
        return x.detach().cpu().numpy()
    return keras.ops.convert_to_numpy(x)


def _batch(kind, rng, n=8):
    """One batch `(y_true, y_pred)` of float32 arrays (or integer labels) for a kind of metric."""
    c = 4
    if kind == "regression":
        return rng.normal(size=(n, c)).astype("float32"), rng.normal(size=(n, c)).astype("float32")
    if kind == "regression_1d":
        return rng.normal(size=(n,)).astype("float32"), rng.normal(size=(n, 1)).astype("float32")
    if kind == "positive":
        return (rng.uniform(0.0, 2.0, size=(n, c)).astype("float32"),
                rng.uniform(0.01, 2.0, size=(n, c)).astype("float32"))
    if kind == "distribution":
        y = rng.uniform(0.0, 1.0, size=(n, c)).astype("float32")
        p = rng.uniform(0.0, 1.0, size=(n, c)).astype("float32")
        return y / y.sum(-1, keepdims=True), p / p.sum(-1, keepdims=True)
    if kind == "binary":
        return rng.integers(0, 2, size=(n, 1)).astype("float32"), rng.uniform(size=(n, 1)).astype("float32")
    if kind == "binary_flat":
        return rng.integers(0, 2, size=(n,)), rng.uniform(size=(n,)).astype("float32")
    if kind == "multilabel":
        return rng.integers(0, 2, size=(n, c)).astype("float32"), rng.uniform(size=(n, c)).astype("float32")
    if kind == "binary_logits":
        return rng.integers(0, 2, size=(n, c)).astype("float32"), (3 * rng.normal(size=(n, c))).astype("float32")
    if kind == "onehot":
        p = rng.uniform(0.01, 1.0, size=(n, c)).astype("float32")
        return np.eye(c, dtype="float32")[rng.integers(0, c, size=(n,))], p / p.sum(-1, keepdims=True)
    if kind == "onehot_logits":
        return (np.eye(c, dtype="float32")[rng.integers(0, c, size=(n,))],
                (2 * rng.normal(size=(n, c))).astype("float32"))
    if kind == "sparse":
        p = rng.uniform(0.01, 1.0, size=(n, c)).astype("float32")
        return rng.integers(0, c, size=(n,)), p / p.sum(-1, keepdims=True)
    if kind == "sparse_column":
        p = rng.uniform(0.01, 1.0, size=(n, c)).astype("float32")
        return rng.integers(0, c, size=(n, 1)), p / p.sum(-1, keepdims=True)
    if kind == "sparse_temporal":
        p = rng.uniform(0.01, 1.0, size=(n, 3, c)).astype("float32")
        return rng.integers(0, c, size=(n, 3)), p / p.sum(-1, keepdims=True)
    if kind == "onehot_temporal":
        p = rng.uniform(0.01, 1.0, size=(n, 3, c)).astype("float32")
        return np.eye(c, dtype="float32")[rng.integers(0, c, size=(n, 3))], p
    if kind == "exact":
        y = rng.integers(0, 3, size=(n, 2)).astype("float32")
        p = y.copy()
        p[rng.uniform(size=(n, 2)) < 0.4] += 1
        return y, p
    if kind == "hinge":
        return (2 * rng.integers(0, 2, size=(n, c)) - 1).astype("float32"), rng.normal(size=(n, c)).astype("float32")
    if kind == "segmentation":
        return rng.integers(0, 3, size=(n, 5)), rng.integers(0, 3, size=(n, 5))
    if kind == "segmentation_onehot":
        return (np.eye(3, dtype="float32")[rng.integers(0, 3, size=(n, 5))],
                rng.uniform(size=(n, 5, 3)).astype("float32"))
    if kind == "binary_seg":
        return rng.integers(0, 2, size=(n, 5)), rng.uniform(size=(n, 5)).astype("float32")
    raise ValueError(kind)


def _weights(kind, y_true, rng):
    n = np.shape(y_true)[0]
    if kind == "flat":
        return rng.uniform(0.0, 2.0, size=(n,)).astype("float32")
    if kind == "column":
        return rng.uniform(0.0, 2.0, size=(n, 1)).astype("float32")
    if kind == "per_position":
        return rng.integers(0, 3, size=(n, 5))
    if kind == "per_position_float":
        return rng.uniform(0.0, 2.0, size=(n, 5)).astype("float32")
    raise ValueError(kind)


# (class name, constructor kwargs, data kind, sample-weight kind)
CASES = [
    ("MeanSquaredError", {}, "regression", "flat"),
    ("MeanSquaredError", {}, "regression_1d", "flat"),
    ("MeanAbsoluteError", {}, "regression", "column"),
    ("MeanAbsolutePercentageError", {}, "regression", "flat"),
    ("MeanSquaredLogarithmicError", {}, "positive", "flat"),
    ("RootMeanSquaredError", {}, "regression", "flat"),
    ("RootMeanSquaredError", {}, "regression_1d", "column"),
    ("LogCoshError", {}, "regression", "flat"),
    ("CosineSimilarity", {}, "regression", "flat"),
    ("CosineSimilarity", {"axis": 1}, "regression", "column"),
    ("PearsonCorrelation", {}, "regression", "flat"),
    ("ConcordanceCorrelation", {}, "regression", "flat"),
    ("R2Score", {}, "regression", "flat"),
    ("R2Score", {"class_aggregation": "variance_weighted_average"}, "regression", "flat"),
    ("R2Score", {"class_aggregation": None}, "regression", "column"),
    ("R2Score", {"num_regressors": 2}, "regression", "flat"),
    ("KLDivergence", {}, "distribution", "flat"),
    ("Poisson", {}, "positive", "flat"),
    ("BinaryCrossentropy", {}, "multilabel", "flat"),
    ("BinaryCrossentropy", {"from_logits": True, "label_smoothing": 0.1}, "binary_logits", "flat"),
    ("CategoricalCrossentropy", {}, "onehot", "flat"),
    ("CategoricalCrossentropy", {"from_logits": True, "label_smoothing": 0.2}, "onehot_logits", "column"),
    ("SparseCategoricalCrossentropy", {}, "sparse", "flat"),
    ("SparseCategoricalCrossentropy", {"ignore_class": 1}, "sparse", "flat"),
    ("SparseCategoricalCrossentropy", {}, "sparse_temporal", "flat"),
    ("Hinge", {}, "hinge", "flat"),
    ("SquaredHinge", {}, "hinge", "flat"),
    ("CategoricalHinge", {}, "onehot_logits", "flat"),
    ("Accuracy", {}, "exact", "flat"),
    ("BinaryAccuracy", {}, "binary", "flat"),
    ("BinaryAccuracy", {"threshold": 0.3}, "multilabel", "column"),
    ("BinaryAccuracy", {}, "binary_flat", "flat"),
    ("CategoricalAccuracy", {}, "onehot", "flat"),
    ("CategoricalAccuracy", {}, "onehot_temporal", "flat"),
    ("SparseCategoricalAccuracy", {}, "sparse", "flat"),
    ("SparseCategoricalAccuracy", {}, "sparse_column", "column"),
    ("SparseCategoricalAccuracy", {}, "sparse_temporal", "flat"),
    ("TopKCategoricalAccuracy", {"k": 2}, "onehot", "flat"),
    ("TopKCategoricalAccuracy", {"k": 2}, "onehot_temporal", "flat"),
    ("SparseTopKCategoricalAccuracy", {"k": 2}, "sparse", "flat"),
    ("SparseTopKCategoricalAccuracy", {"k": 3}, "sparse_column", "flat"),
    ("SparseTopKCategoricalAccuracy", {"k": 2}, "sparse_temporal", "flat"),
    ("TruePositives", {}, "binary", "flat"),
    ("FalsePositives", {}, "multilabel", "flat"),
    ("TrueNegatives", {"thresholds": [0.2, 0.5, 0.75]}, "multilabel", "flat"),
    ("FalseNegatives", {"thresholds": [0.0, 0.5, 1.0]}, "multilabel", "column"),
    ("Precision", {}, "binary", "flat"),
    ("Precision", {"thresholds": [0.3, 0.6]}, "multilabel", "flat"),
    ("Precision", {"top_k": 2}, "multilabel", "flat"),
    ("Precision", {"class_id": 2}, "multilabel", "flat"),
    ("Precision", {"top_k": 2, "class_id": 1}, "multilabel", "flat"),
    ("Recall", {}, "binary_flat", "flat"),
    ("Recall", {"thresholds": [0.0, 0.25, 0.5, 0.75, 1.0]}, "multilabel", "flat"),
    ("Recall", {"top_k": 1}, "onehot", "flat"),
    ("Recall", {"class_id": 0}, "multilabel", "column"),
    ("AUC", {}, "binary", "flat"),
    ("AUC", {"num_thresholds": 7}, "multilabel", "flat"),
    ("AUC", {"curve": "PR"}, "multilabel", "flat"),
    ("AUC", {"curve": "PR", "summation_method": "majoring"}, "multilabel", "flat"),
    ("AUC", {"summation_method": "minoring", "num_thresholds": 13}, "multilabel", "column"),
    ("AUC", {"curve": "PRGAIN"}, "multilabel", "flat"),
    ("AUC", {"thresholds": [0.1, 0.4, 0.45, 0.9]}, "multilabel", "flat"),
    ("AUC", {"thresholds": [0.25, 0.5, 0.75]}, "multilabel", "flat"),
    ("AUC", {"multi_label": True}, "multilabel", "flat"),
    ("AUC", {"multi_label": True, "num_labels": 4, "curve": "PR"}, "multilabel", "flat"),
    ("AUC", {"multi_label": True, "label_weights": [0.1, 0.2, 0.3, 0.4]}, "multilabel", "flat"),
    ("AUC", {"label_weights": [0.5, 1.0, 1.5, 2.0]}, "multilabel", "flat"),
    ("AUC", {"multi_label": True, "thresholds": [0.1, 0.4, 0.45, 0.9]}, "multilabel", "flat"),
    ("AUC", {"from_logits": True}, "binary_logits", "flat"),
    ("PrecisionAtRecall", {"recall": 0.6}, "multilabel", "flat"),
    ("PrecisionAtRecall", {"recall": 0.8, "num_thresholds": 1}, "multilabel", "flat"),
    ("RecallAtPrecision", {"precision": 0.5}, "multilabel", "flat"),
    ("RecallAtPrecision", {"precision": 0.5, "class_id": 1, "num_thresholds": 20}, "multilabel", "flat"),
    ("SensitivityAtSpecificity", {"specificity": 0.5}, "multilabel", "flat"),
    ("SpecificityAtSensitivity", {"sensitivity": 0.7, "num_thresholds": 50}, "multilabel", "column"),
    ("F1Score", {}, "onehot", "flat"),
    ("F1Score", {"average": "micro", "threshold": 0.5}, "multilabel", "flat"),
    ("F1Score", {"average": "macro"}, "onehot", "flat"),
    ("F1Score", {"average": "weighted", "threshold": 0.4}, "multilabel", "flat"),
    ("FBetaScore", {"beta": 2.0}, "multilabel", "flat"),
    ("FBetaScore", {"beta": 0.5, "average": "macro", "threshold": 0.6}, "multilabel", "flat"),
    ("IoU", {"num_classes": 3, "target_class_ids": [0, 2]}, "segmentation", "per_position"),
    ("MeanIoU", {"num_classes": 3}, "segmentation", "per_position"),
    ("MeanIoU", {"num_classes": 3, "ignore_class": 0}, "segmentation", "per_position"),
    ("MeanIoU", {"num_classes": 3, "dtype": "float32"}, "segmentation", "per_position_float"),
    ("OneHotIoU", {"num_classes": 3, "target_class_ids": [1]}, "segmentation_onehot", "per_position"),
    ("OneHotMeanIoU", {"num_classes": 3}, "segmentation_onehot", "per_position"),
    ("BinaryIoU", {}, "binary_seg", "per_position"),
    ("BinaryIoU", {"target_class_ids": [1], "threshold": 0.3}, "binary_seg", "per_position"),
]
CASE_IDS = [f"{name}-{'-'.join(f'{k}={v}' for k, v in kw.items()) or 'default'}-{kind}"
            for name, kw, kind, _ in CASES]


def _run_both(ours, theirs, batches):
    """Feed the same batches to both metrics; compare every intermediate result."""
    for y_true, y_pred, sw in batches:
        if sw is None:
            ours.update_state(y_true, y_pred)
            theirs.update_state(y_true, y_pred)
        else:
            ours.update_state(y_true, y_pred, sample_weight=sw)
            theirs.update_state(y_true, y_pred, sample_weight=sw)
        np.testing.assert_allclose(_np(ours.result()), _np(theirs.result()), rtol=RTOL, atol=ATOL)


@pytest.mark.filterwarnings("ignore:You are passing weight")
@pytest.mark.filterwarnings("ignore:More independent predictors")
@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_metric_matches_keras(case):
    name, kwargs, kind, weight_kind = case
    rng = np.random.default_rng(0)
    ours = getattr(tk_metrics, name)(**kwargs)
    theirs = getattr(keras.metrics, name)(**kwargs)
    assert ours.name == theirs.name
    batches = []
    for i in range(4):
        y_true, y_pred = _batch(kind, rng)
        batches.append((y_true, y_pred, _weights(weight_kind, y_true, rng) if i % 2 else None))
    _run_both(ours, theirs, batches)
    assert len(ours.variables) == len(theirs.variables)
    for ours_var, theirs_var in zip(ours.variables, theirs.variables):
        assert tuple(ours_var.shape) == tuple(theirs_var.shape)
        np.testing.assert_allclose(ours_var.numpy(), _np(theirs_var.value), rtol=RTOL, atol=1e-5)
    ours.reset_state()
    theirs.reset_state()
    _run_both(ours, theirs, batches[2:] + batches[:1])


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_metric_config_matches_keras(case):
    name, kwargs, _, _ = case
    ours = getattr(tk_metrics, name)(**kwargs).get_config()
    theirs = getattr(keras.metrics, name)(**kwargs).get_config()
    theirs = {k: (keras.ops.convert_to_numpy(v).tolist() if hasattr(v, "shape") else v) for k, v in theirs.items()}
    ours.pop("name"), theirs.pop("name")  # auto-generated names depend on each library's counter
    for key in theirs:
        assert key in ours, key
        if isinstance(theirs[key], list):
            np.testing.assert_allclose(ours[key], theirs[key], rtol=1e-6)
        else:
            assert ours[key] == theirs[key], key
    rebuilt = getattr(tk_metrics, name).from_config(getattr(tk_metrics, name)(**kwargs).get_config())
    assert type(rebuilt).__name__ == name


@pytest.mark.parametrize("values, weights", [
    ([1.0, 2.0, 3.0], None),
    ([[1.0, 2.0], [3.0, 4.0]], None),
    ([[1.0, 2.0], [3.0, 4.0]], [0.5, 2.0]),
    ([[1.0, 2.0], [3.0, 4.0]], [[0.5, 1.0], [2.0, 0.0]]),
    ([[[1.0], [2.0]], [[3.0], [4.0]]], [[1.0], [2.0]]),
    (5.0, None),
    ([1.0, 2.0, 3.0], 2.0),
])
@pytest.mark.parametrize("name", ["Mean", "Sum"])
def test_reduction_metrics_match_keras(name, values, weights):
    ours = getattr(tk_metrics, name)()
    theirs = getattr(keras.metrics, name)()
    v = np.asarray(values, dtype="float32")
    w = None if weights is None else np.asarray(weights, dtype="float32")
    for _ in range(2):
        ours.update_state(v, sample_weight=w)
        theirs.update_state(v, sample_weight=w)
        np.testing.assert_allclose(_np(ours.result()), _np(theirs.result()), rtol=RTOL)
    ours.reset_state()
    theirs.reset_state()
    np.testing.assert_allclose(_np(ours.result()), _np(theirs.result()))


def test_masked_predictions_match_keras():
    rng = np.random.default_rng(3)
    y_true = rng.integers(0, 4, size=(3, 5))
    y_pred = rng.uniform(size=(3, 5, 4)).astype("float32")
    mask = torch.tensor([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1], [1, 0, 0, 0, 0]], dtype=torch.bool)
    sw = rng.uniform(0.5, 2.0, size=(3, 5)).astype("float32")
    for name in ("SparseCategoricalAccuracy", "SparseCategoricalCrossentropy"):
        ours, theirs = getattr(tk_metrics, name)(), getattr(keras.metrics, name)()
        for weights in (None, sw):
            ours_pred, theirs_pred = torch.tensor(y_pred), torch.tensor(y_pred)
            ours_pred._keras_mask = mask
            theirs_pred._keras_mask = mask
            ours.update_state(y_true, ours_pred, sample_weight=weights)
            theirs.update_state(y_true, theirs_pred, sample_weight=weights)
            np.testing.assert_allclose(_np(ours.result()), _np(theirs.result()), rtol=RTOL)


def test_metric_functions_match_keras():
    rng = np.random.default_rng(4)
    onehot, probs = _batch("onehot", rng)
    labels, sparse_probs = _batch("sparse_temporal", rng)
    binary_true, binary_pred = _batch("binary", rng)
    pairs = [
        ("binary_accuracy", (binary_true, binary_pred), {"threshold": 0.4}),
        ("categorical_accuracy", (onehot, probs), {}),
        ("sparse_categorical_accuracy", (labels, sparse_probs), {}),
        ("top_k_categorical_accuracy", (onehot, probs), {"k": 2}),
        ("sparse_top_k_categorical_accuracy", (labels, sparse_probs), {"k": 2}),
        ("pearson_correlation", _batch("regression", rng), {}),
        ("concordance_correlation", _batch("regression", rng), {}),
        ("mean_squared_error", _batch("regression", rng), {}),
        ("kl_divergence", _batch("distribution", rng), {}),
        ("hinge", _batch("hinge", rng), {}),
    ]
    for fn_name, (y_true, y_pred), kwargs in pairs:
        got = _np(getattr(tk_metrics, fn_name)(y_true, y_pred, **kwargs))
        expected = _np(getattr(keras.metrics, fn_name)(y_true, y_pred, **kwargs))
        assert got.shape == expected.shape, fn_name
        np.testing.assert_allclose(got, expected, rtol=RTOL, atol=ATOL, err_msg=fn_name)


def test_sparse_top_k_from_sorted_ids_matches_keras():
    y_true = np.array([3, 1, 0, 2])
    ids = np.array([[3, 1, 0], [0, 2, 1], [2, 1, 3], [1, 0, 2]], dtype="float32")
    ours = tk_metrics.SparseTopKCategoricalAccuracy(k=2, from_sorted_ids=True)
    theirs = keras.metrics.SparseTopKCategoricalAccuracy(k=2, from_sorted_ids=True)
    np.testing.assert_allclose(_np(ours(y_true, ids)), _np(theirs(y_true, ids)))


@pytest.mark.parametrize("identifier", ["accuracy", "AUC", "auc", "mae", "MAE", "mse", "mape", "msle", "bce",
                                        "binary_accuracy", "categorical_accuracy", "sparse_categorical_accuracy",
                                        "top_k_categorical_accuracy", "sparse_top_k_categorical_accuracy",
                                        "precision", "recall", "Precision", "r2_score", "f1_score",
                                        "root_mean_squared_error", "log_cosh_error", "cosine_similarity",
                                        "binary_crossentropy", "kl_divergence", "hinge", "poisson",
                                        "true_positives", "mean", "sum"])
def test_get_resolves_like_keras(identifier):
    ours = tk_metrics.get(identifier)
    theirs = keras.metrics.get(identifier)
    assert type(ours).__name__ == type(theirs).__name__
    assert ours.name.split("_")[0] == theirs.name.split("_")[0]


@pytest.mark.parametrize("name", ["Accuracy", "BinaryAccuracy", "CategoricalAccuracy", "SparseCategoricalAccuracy",
                                  "TopKCategoricalAccuracy", "SparseTopKCategoricalAccuracy", "AUC", "Precision",
                                  "Recall", "MeanSquaredError", "MeanAbsoluteError", "RootMeanSquaredError",
                                  "LogCoshError", "CosineSimilarity", "R2Score", "F1Score", "FBetaScore",
                                  "BinaryCrossentropy", "CategoricalCrossentropy", "SparseCategoricalCrossentropy",
                                  "KLDivergence", "Poisson", "Hinge", "SquaredHinge", "CategoricalHinge",
                                  "PearsonCorrelation", "ConcordanceCorrelation"])
def test_direction_and_default_name_match_keras(name):
    ours = getattr(tk_metrics, name)()
    theirs = getattr(keras.metrics, name)()
    assert getattr(ours, "_direction", None) == getattr(theirs, "_direction", None)
    assert ours.name.rstrip("_0123456789") == theirs.name.rstrip("_0123456789")


def test_serialized_metric_loads_in_keras():
    config = tk_metrics.serialize(tk_metrics.AUC(num_thresholds=50, curve="PR"))
    rebuilt = keras.metrics.deserialize(config)
    assert isinstance(rebuilt, keras.metrics.AUC)
    assert rebuilt.num_thresholds == 50
    theirs = keras.metrics.serialize(keras.metrics.Precision(thresholds=[0.3, 0.6], name="p"))
    ours = tk_metrics.deserialize(theirs)
    assert isinstance(ours, tk_metrics.Precision) and ours.thresholds == [0.3, 0.6] and ours.name == "p"
