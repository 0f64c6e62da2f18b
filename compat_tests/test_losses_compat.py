"""Every built-in loss beside real Keras 3 (torch backend): same arrays in, same numbers out (rtol 1e-5).

Each loss runs in several configurations (from_logits, label smoothing, axis, ...), with every reduction, with
and without sample weights, on 2-D and 3-D (temporal) outputs, and through its plain function.
"""
import pytest

import keras  # noqa: F401,I001  (compat_tests/conftest.py skips the module when keras is missing)
import numpy as np
import torch

import torchkeras.losses as tk_losses

RTOL = 1e-5
ATOL = 1e-6
REDUCTIONS = ["sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", "none", None]


def _np(x):
    if isinstance(x, torch.Tensor):
        return x.detach().cpu().numpy()
    return keras.ops.convert_to_numpy(x)


def _check_same(ours, theirs, rtol=RTOL, atol=ATOL):
    """Run both callables: same numbers, or an error from both (e.g. weights that cannot broadcast)."""
    try:
        expected = _np(theirs())
    except Exception:  # noqa: BLE001 - Keras rejects the input; so must we
        with pytest.raises(Exception):
            ours()
        return
    got = _np(ours())
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=rtol, atol=atol)


def _data(kind, shape, rng):
    """(y_true, y_pred) float32 arrays of `shape` (the prediction shape) for a kind of loss."""
    n_cls = shape[-1]
    if kind == "regression":
        return rng.normal(size=shape).astype("float32"), rng.normal(size=shape).astype("float32")
    if kind == "positive":
        return (rng.uniform(0.0, 2.0, size=shape).astype("float32"),
                rng.uniform(0.0, 2.0, size=shape).astype("float32"))
    if kind == "distribution":
        y = rng.uniform(0.0, 1.0, size=shape).astype("float32")
        p = rng.uniform(0.0, 1.0, size=shape).astype("float32")
        y.flat[0], p.flat[1] = 0.0, 0.0  # exercise the clipping
        return y / y.sum(-1, keepdims=True), p / p.sum(-1, keepdims=True)
    if kind == "binary_probs":
        y = rng.integers(0, 2, size=shape).astype("float32")
        p = rng.uniform(0.0, 1.0, size=shape).astype("float32")
        p.flat[0], p.flat[1] = 0.0, 1.0  # saturated probabilities are clipped to [1e-7, 1 - 1e-7]
        return y, p
    if kind == "binary_logits":
        return rng.integers(0, 2, size=shape).astype("float32"), (3 * rng.normal(size=shape)).astype("float32")
    if kind == "onehot_probs":
        labels = rng.integers(0, n_cls, size=shape[:-1])
        p = rng.uniform(0.01, 1.0, size=shape).astype("float32")  # not normalized: CCE renormalizes
        p.flat[0] = 0.0
        return np.eye(n_cls, dtype="float32")[labels], p
    if kind == "onehot_logits":
        labels = rng.integers(0, n_cls, size=shape[:-1])
        return np.eye(n_cls, dtype="float32")[labels], (2 * rng.normal(size=shape)).astype("float32")
    if kind == "hinge_pm1":
        return (2 * rng.integers(0, 2, size=shape) - 1).astype("float32"), rng.normal(size=shape).astype("float32")
    if kind == "hinge_01":
        return rng.integers(0, 2, size=shape).astype("float32"), rng.normal(size=shape).astype("float32")
    if kind == "hinge_soft":
        y = rng.integers(0, 2, size=shape).astype("float32")
        y.flat[0] = 0.5  # one non-binary label: no 0/1 -> -1/1 conversion for the batch
        return y, rng.normal(size=shape).astype("float32")
    if kind == "masks":
        return (rng.integers(0, 2, size=shape).astype("float32"),
                rng.uniform(0.0, 1.0, size=shape).astype("float32"))
    raise ValueError(kind)


# (class name, constructor kwargs, data kind)
CASES = [
    ("MeanSquaredError", {}, "regression"),
    ("MeanAbsoluteError", {}, "regression"),
    ("MeanAbsolutePercentageError", {}, "regression"),
    ("MeanSquaredLogarithmicError", {}, "positive"),
    ("CosineSimilarity", {}, "regression"),
    ("CosineSimilarity", {"axis": 0}, "regression"),
    ("Huber", {}, "regression"),
    ("Huber", {"delta": 0.5}, "regression"),
    ("LogCosh", {}, "regression"),
    ("KLDivergence", {}, "distribution"),
    ("Poisson", {}, "positive"),
    ("BinaryCrossentropy", {}, "binary_probs"),
    ("BinaryCrossentropy", {"label_smoothing": 0.2}, "binary_probs"),
    ("BinaryCrossentropy", {"from_logits": True}, "binary_logits"),
    ("BinaryCrossentropy", {"from_logits": True, "label_smoothing": 0.1}, "binary_logits"),
    ("BinaryFocalCrossentropy", {}, "binary_probs"),
    ("BinaryFocalCrossentropy", {"apply_class_balancing": True, "alpha": 0.3, "gamma": 1.5}, "binary_probs"),
    ("BinaryFocalCrossentropy", {"from_logits": True, "label_smoothing": 0.1}, "binary_logits"),
    ("CategoricalCrossentropy", {}, "onehot_probs"),
    ("CategoricalCrossentropy", {"label_smoothing": 0.1}, "onehot_probs"),
    ("CategoricalCrossentropy", {"from_logits": True}, "onehot_logits"),
    ("CategoricalCrossentropy", {"from_logits": True, "label_smoothing": 0.2}, "onehot_logits"),
    ("CategoricalFocalCrossentropy", {}, "onehot_probs"),
    ("CategoricalFocalCrossentropy", {"alpha": 0.5, "gamma": 3.0, "label_smoothing": 0.1}, "onehot_probs"),
    ("CategoricalFocalCrossentropy", {"from_logits": True}, "onehot_logits"),
    ("Hinge", {}, "hinge_pm1"),
    ("Hinge", {}, "hinge_01"),
    ("Hinge", {}, "hinge_soft"),
    ("SquaredHinge", {}, "hinge_01"),
    ("SquaredHinge", {}, "hinge_soft"),
    ("CategoricalHinge", {}, "onehot_logits"),
    ("Dice", {}, "masks"),
    ("Dice", {"axis": -1}, "masks"),
    ("Tversky", {}, "masks"),
    ("Tversky", {"alpha": 0.3, "beta": 0.7, "axis": -1}, "masks"),
]
CASE_IDS = [f"{name}-{'-'.join(f'{k}={v}' for k, v in kw.items()) or 'default'}-{kind}" for name, kw, kind in CASES]


def _pair(name, kwargs, reduction="sum_over_batch_size"):
    return (getattr(tk_losses, name)(reduction=reduction, **kwargs),
            getattr(keras.losses, name)(reduction=reduction, **kwargs))


def _weights(kind, shape, rng):
    if kind is None:
        return None
    if kind == "per_sample":
        return rng.uniform(0.0, 2.0, size=(shape[0],)).astype("float32")
    if kind == "per_sample_col":
        return rng.uniform(0.0, 2.0, size=(shape[0], 1)).astype("float32")
    if kind == "per_step":
        return rng.uniform(0.0, 2.0, size=shape[:-1]).astype("float32")
    raise ValueError(kind)


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weights", [None, "per_sample", "per_sample_col"])
def test_loss_2d_matches_keras(case, reduction, weights):
    name, kwargs, kind = case
    rng = np.random.default_rng(1)
    shape = (6, 4)
    y_true, y_pred = _data(kind, shape, rng)
    sw = _weights(weights, shape, rng)
    ours, theirs = _pair(name, kwargs, reduction)
    _check_same(lambda: ours(y_true, y_pred, sample_weight=sw), lambda: theirs(y_true, y_pred, sample_weight=sw))


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
@pytest.mark.parametrize("reduction", ["sum_over_batch_size", "sum", "none"])
@pytest.mark.parametrize("weights", [None, "per_step", "per_sample_col"])
def test_loss_3d_temporal_matches_keras(case, reduction, weights):
    name, kwargs, kind = case
    rng = np.random.default_rng(2)
    shape = (3, 5, 4)
    y_true, y_pred = _data(kind, shape, rng)
    sw = _weights(weights, shape, rng)
    if weights == "per_sample_col":
        sw = sw.reshape(3, 1)
    ours, theirs = _pair(name, kwargs, reduction)
    _check_same(lambda: ours(y_true, y_pred, sample_weight=sw), lambda: theirs(y_true, y_pred, sample_weight=sw))


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_loss_function_matches_keras(case):
    name, kwargs, kind = case
    fn_name = {
        "MeanSquaredError": "mean_squared_error", "MeanAbsoluteError": "mean_absolute_error",
        "MeanAbsolutePercentageError": "mean_absolute_percentage_error",
        "MeanSquaredLogarithmicError": "mean_squared_logarithmic_error", "CosineSimilarity": "cosine_similarity",
        "Huber": "huber", "LogCosh": "log_cosh", "KLDivergence": "kl_divergence", "Poisson": "poisson",
        "BinaryCrossentropy": "binary_crossentropy", "BinaryFocalCrossentropy": "binary_focal_crossentropy",
        "CategoricalCrossentropy": "categorical_crossentropy",
        "CategoricalFocalCrossentropy": "categorical_focal_crossentropy", "Hinge": "hinge",
        "SquaredHinge": "squared_hinge", "CategoricalHinge": "categorical_hinge", "Dice": "dice", "Tversky": "tversky",
    }[name]
    rng = np.random.default_rng(3)
    y_true, y_pred = _data(kind, (5, 3), rng)
    expected = _np(getattr(keras.losses, fn_name)(y_true, y_pred, **kwargs))
    got = _np(getattr(tk_losses, fn_name)(y_true, y_pred, **kwargs))
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("label_shape", ["flat", "column"])
@pytest.mark.parametrize("kwargs", [{}, {"from_logits": True}, {"ignore_class": 1}, {"from_logits": True,
                                                                                      "ignore_class": 0}])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
def test_sparse_categorical_crossentropy_matches_keras(label_shape, kwargs, reduction, weighted):
    rng = np.random.default_rng(4)
    labels = rng.integers(0, 4, size=(8,))
    y_true = labels if label_shape == "flat" else labels.reshape(8, 1)
    if kwargs.get("from_logits"):
        y_pred = rng.normal(size=(8, 4)).astype("float32")
    else:
        y_pred = rng.uniform(0.01, 1.0, size=(8, 4)).astype("float32")
    sw = rng.uniform(0.0, 2.0, size=(8,)).astype("float32") if weighted else None
    ours = tk_losses.SparseCategoricalCrossentropy(reduction=reduction, **kwargs)
    theirs = keras.losses.SparseCategoricalCrossentropy(reduction=reduction, **kwargs)
    expected = _np(theirs(y_true, y_pred, sample_weight=sw))
    np.testing.assert_allclose(_np(ours(y_true, y_pred, sample_weight=sw)), expected, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("kwargs", [{}, {"from_logits": True}, {"ignore_class": 2}])
def test_sparse_categorical_crossentropy_temporal_matches_keras(kwargs):
    rng = np.random.default_rng(5)
    y_true = rng.integers(0, 5, size=(3, 6))
    y_pred = (rng.normal(size=(3, 6, 5)) if kwargs.get("from_logits") else
              rng.uniform(0.01, 1.0, size=(3, 6, 5))).astype("float32")
    sw = rng.uniform(0.0, 2.0, size=(3, 6)).astype("float32")
    for weights in (None, sw):
        ours = tk_losses.SparseCategoricalCrossentropy(**kwargs)(y_true, y_pred, sample_weight=weights)
        theirs = keras.losses.SparseCategoricalCrossentropy(**kwargs)(y_true, y_pred, sample_weight=weights)
        np.testing.assert_allclose(_np(ours), _np(theirs), rtol=RTOL, atol=ATOL)
    fn_ours = tk_losses.sparse_categorical_crossentropy(y_true, y_pred, **kwargs)
    fn_theirs = keras.losses.sparse_categorical_crossentropy(y_true, y_pred, **kwargs)
    np.testing.assert_allclose(_np(fn_ours), _np(fn_theirs), rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("name", ["MeanSquaredError", "BinaryCrossentropy", "CategoricalCrossentropy",
                                  "SparseCategoricalCrossentropy", "Huber"])
@pytest.mark.parametrize("reduction", ["sum_over_batch_size", "mean", "sum", "mean_with_sample_weight", "none"])
@pytest.mark.parametrize("weighted", [False, True])
def test_keras_mask_on_predictions_matches_keras(name, reduction, weighted):
    rng = np.random.default_rng(6)
    n, t, c = 3, 5, 4
    mask = np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1], [1, 0, 0, 0, 0]], dtype=bool)
    if name == "SparseCategoricalCrossentropy":
        y_true = rng.integers(0, c, size=(n, t))
        y_pred = rng.uniform(0.01, 1.0, size=(n, t, c)).astype("float32")
    elif name == "CategoricalCrossentropy":
        y_true = np.eye(c, dtype="float32")[rng.integers(0, c, size=(n, t))]
        y_pred = rng.uniform(0.01, 1.0, size=(n, t, c)).astype("float32")
    elif name == "BinaryCrossentropy":
        y_true = rng.integers(0, 2, size=(n, t, c)).astype("float32")
        y_pred = rng.uniform(0.0, 1.0, size=(n, t, c)).astype("float32")
    else:
        y_true = rng.normal(size=(n, t, c)).astype("float32")
        y_pred = rng.normal(size=(n, t, c)).astype("float32")
    sw = rng.uniform(0.5, 2.0, size=(n, t)).astype("float32") if weighted else None
    ours_pred = torch.tensor(y_pred)
    ours_pred._keras_mask = torch.tensor(mask)
    theirs_pred = torch.tensor(y_pred)
    theirs_pred._keras_mask = torch.tensor(mask)
    ours = getattr(tk_losses, name)(reduction=reduction)(y_true, ours_pred, sample_weight=sw)
    theirs = getattr(keras.losses, name)(reduction=reduction)(y_true, theirs_pred, sample_weight=sw)
    np.testing.assert_allclose(_np(ours), _np(theirs), rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("reduction", ["sum_over_batch_size", "sum", "none"])
def test_ctc_matches_keras(reduction):
    rng = np.random.default_rng(7)
    y_true = np.array([[1, 2, 0, 0], [3, 3, 1, 2], [4, 0, 0, 0]])
    y_pred = rng.normal(size=(3, 9, 5)).astype("float32")
    ours = tk_losses.CTC(reduction=reduction)(y_true, y_pred)
    theirs = keras.losses.CTC(reduction=reduction)(y_true, y_pred)
    np.testing.assert_allclose(_np(ours), _np(theirs), rtol=RTOL, atol=1e-5)
    np.testing.assert_allclose(_np(tk_losses.ctc(y_true, y_pred)), _np(keras.losses.ctc(y_true, y_pred)),
                               rtol=RTOL, atol=1e-5)


@pytest.mark.parametrize("kwargs", [{}, {"gamma": 10.0, "margin": 0.25}, {"remove_diagonal": False}])
@pytest.mark.parametrize("reduction", ["sum_over_batch_size", "sum", "none"])
def test_circle_matches_keras(kwargs, reduction):
    rng = np.random.default_rng(8)
    emb = rng.normal(size=(8, 6)).astype("float32")
    emb /= np.linalg.norm(emb, axis=1, keepdims=True)
    labels = np.array([0, 1, 0, 2, 1, 2, 0, 3])
    ours = tk_losses.Circle(reduction=reduction, **kwargs)(labels, emb)
    theirs = keras.losses.Circle(reduction=reduction, **kwargs)(labels, emb)
    np.testing.assert_allclose(_np(ours), _np(theirs), rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("q", [0.3, 0.5, 0.9])
@pytest.mark.parametrize("reduction", ["sum_over_batch_size", "sum", "none"])
def test_categorical_generalized_cross_entropy_matches_keras(q, reduction):
    rng = np.random.default_rng(9)
    labels = rng.integers(0, 4, size=(7,))
    probs = rng.uniform(0.01, 1.0, size=(7, 4)).astype("float32")
    probs /= probs.sum(-1, keepdims=True)
    sw = rng.uniform(0.0, 2.0, size=(7,)).astype("float32")
    for weights in (None, sw):
        ours = tk_losses.CategoricalGeneralizedCrossEntropy(q=q, reduction=reduction)(labels, probs, weights)
        theirs = keras.losses.CategoricalGeneralizedCrossEntropy(q=q, reduction=reduction)(labels, probs, weights)
        np.testing.assert_allclose(_np(ours), _np(theirs), rtol=RTOL, atol=ATOL)


def test_rank_alignment_matches_keras():
    rng = np.random.default_rng(10)
    y_flat = rng.normal(size=(6,)).astype("float32")
    y_col = rng.normal(size=(6, 1)).astype("float32")
    for name in ("MeanSquaredError", "MeanAbsoluteError", "Huber", "LogCosh", "BinaryCrossentropy"):
        for a, b in ((y_flat, y_col), (y_col, y_flat)):
            if name == "BinaryCrossentropy":
                a, b = (a > 0).astype("float32"), 1 / (1 + np.exp(-b))
            ours, theirs = _pair(name, {})
            np.testing.assert_allclose(_np(ours(a, b)), _np(theirs(a, b)), rtol=RTOL, atol=ATOL)


def test_saturated_binary_crossentropy_matches_keras():
    y_true = np.array([[1.0], [0.0], [1.0], [0.0]], dtype="float32")
    y_pred = np.array([[0.0], [0.0], [1.0], [1.0]], dtype="float32")
    ours = tk_losses.binary_crossentropy(y_true, y_pred)
    theirs = keras.losses.binary_crossentropy(y_true, y_pred)
    np.testing.assert_allclose(_np(ours), _np(theirs), rtol=RTOL, atol=ATOL)
    cce = tk_losses.categorical_crossentropy(np.array([[1.0, 0.0]]), np.array([[0.0, 1.0]]))
    np.testing.assert_allclose(_np(cce), _np(keras.losses.categorical_crossentropy(np.array([[1.0, 0.0]]),
                                                                                    np.array([[0.0, 1.0]]))),
                               rtol=RTOL)


@pytest.mark.parametrize("name", [c[0] for c in CASES] + ["SparseCategoricalCrossentropy", "CTC", "Circle",
                                                           "CategoricalGeneralizedCrossEntropy"])
def test_config_matches_keras(name):
    ours = getattr(tk_losses, name)().get_config()
    theirs = getattr(keras.losses, name)().get_config()
    # Keras leaves a few constructor arguments out of some configs (Huber's delta, ...); we keep them.
    for key, value in theirs.items():
        assert ours[key] == value, key
    assert tk_losses.serialize(getattr(tk_losses, name)())["module"] == "keras.losses"
    config = tk_losses.serialize(getattr(tk_losses, name)())
    assert type(tk_losses.deserialize(config)).__name__ == name
    if name != "CategoricalGeneralizedCrossEntropy":  # Keras 3.15's own deserialize does not know this one
        assert type(keras.losses.deserialize(config)).__name__ == name


@pytest.mark.parametrize("identifier", ["mse", "MSE", "mae", "mape", "msle", "bce", "kld", "KLD",
                                        "binary_crossentropy", "categorical_crossentropy",
                                        "sparse_categorical_crossentropy", "binary_focal_crossentropy",
                                        "categorical_focal_crossentropy", "hinge", "squared_hinge",
                                        "categorical_hinge", "poisson", "huber", "log_cosh", "cosine_similarity",
                                        "kl_divergence", "dice", "tversky", "ctc", "circle",
                                        "MeanSquaredError", "BinaryCrossentropy", "Huber", "Dice"])
def test_get_resolves_like_keras(identifier):
    ours = tk_losses.get(identifier)
    theirs = keras.losses.get(identifier)
    if isinstance(theirs, keras.losses.Loss):
        assert type(ours).__name__ == type(theirs).__name__
        assert ours.name == theirs.name
    else:
        assert ours.__name__ == theirs.__name__


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_loss_gradients_match_keras(case):
    """Same gradient with respect to `y_pred` (clipping zeroes it in the saturated region, like Keras)."""
    name, kwargs, kind = case
    rng = np.random.default_rng(11)
    y_true, y_pred = _data(kind, (4, 3), rng)
    sw = rng.uniform(0.5, 2.0, size=(4,)).astype("float32")
    if kwargs.get("axis") == 0:  # a loss reduced over the batch axis takes no per-sample weights
        sw = np.float32(1.5)
    grads = []
    for module in (tk_losses, keras.losses):
        pred = torch.tensor(y_pred, requires_grad=True)
        getattr(module, name)(**kwargs)(torch.tensor(y_true), pred, sample_weight=torch.tensor(sw)).backward()
        grads.append(pred.grad.numpy())
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-4, atol=1e-6)
