"""Each built-in loss function against a NumPy re-implementation of Keras's formula."""
import numpy as np
import pytest
import torch

import torchkeras.losses as L

EPS = 1e-7


def _np_log_softmax(z):
    z = z - z.max(-1, keepdims=True)
    return z - np.log(np.exp(z).sum(-1, keepdims=True))


def _np_bce(y, p):
    p = np.clip(p, EPS, 1 - EPS)
    return -(y * np.log(p) + (1 - y) * np.log(1 - p))


def _np_normalize(x):
    return x / np.maximum(np.linalg.norm(x, axis=-1, keepdims=True), EPS)


def _hinge_labels(y):
    return 2 * y - 1 if np.all((y == 0) | (y == 1)) else y


def _softplus(x):
    return np.log1p(np.exp(-np.abs(x))) + np.maximum(x, 0)


@pytest.fixture
def reg():
    rng = np.random.default_rng(0)
    return rng.normal(size=(5, 4)), rng.normal(size=(5, 4))


@pytest.fixture
def pos():
    rng = np.random.default_rng(1)
    return rng.uniform(0, 2, size=(5, 4)), rng.uniform(0.01, 2, size=(5, 4))


@pytest.fixture
def binary():
    rng = np.random.default_rng(2)
    return rng.integers(0, 2, size=(5, 4)).astype(float), rng.uniform(0.0, 1.0, size=(5, 4))


@pytest.fixture
def onehot():
    rng = np.random.default_rng(3)
    return np.eye(4)[rng.integers(0, 4, size=5)], rng.uniform(0.05, 1.0, size=(5, 4))


def _check(got, expected, rtol=1e-5):
    assert isinstance(got, torch.Tensor)
    np.testing.assert_allclose(got.numpy(), expected, rtol=rtol, atol=1e-6)


def test_regression_formulas(reg, pos):
    y, p = reg
    _check(L.mean_squared_error(y, p), np.mean((y - p) ** 2, -1))
    _check(L.mean_absolute_error(y, p), np.mean(np.abs(y - p), -1))
    _check(L.mean_absolute_percentage_error(y, p), 100 * np.mean(np.abs((y - p) / np.maximum(np.abs(y), EPS)), -1))
    _check(L.cosine_similarity(y, p), -np.sum(_np_normalize(y) * _np_normalize(p), -1))
    x = p - y
    _check(L.log_cosh(y, p), np.mean(np.log(np.cosh(x)), -1))
    for delta in (1.0, 0.3):
        e = np.abs(p - y)
        expected = np.mean(np.where(e <= delta, 0.5 * e**2, delta * e - 0.5 * delta**2), -1)
        _check(L.huber(y, p, delta=delta), expected)
    yp, pp = pos
    _check(L.mean_squared_logarithmic_error(yp, pp),
           np.mean((np.log(np.maximum(pp, EPS) + 1) - np.log(np.maximum(yp, EPS) + 1)) ** 2, -1))
    _check(L.poisson(yp, pp), np.mean(pp - yp * np.log(pp + EPS), -1))


def test_kl_divergence_clips_both_sides():
    y = np.array([[0.0, 0.3, 0.7]])
    p = np.array([[0.2, 0.0, 0.8]])
    yc, pc = np.clip(y, EPS, 1), np.clip(p, EPS, 1)
    _check(L.kl_divergence(y, p), np.sum(yc * np.log(yc / pc), -1))


def test_binary_crossentropy_probabilities_logits_and_smoothing(binary):
    y, p = binary
    _check(L.binary_crossentropy(y, p), np.mean(_np_bce(y, p), -1))
    ys = y * 0.8 + 0.1
    _check(L.binary_crossentropy(y, p, label_smoothing=0.2), np.mean(_np_bce(ys, p), -1))
    z = np.random.default_rng(4).normal(size=y.shape) * 3
    expected = np.mean(np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z))), -1)
    _check(L.binary_crossentropy(y, z, from_logits=True), expected)


def test_binary_crossentropy_clips_like_keras_not_like_torch():
    got = L.binary_crossentropy(np.array([[1.0]]), np.array([[0.0]]))
    np.testing.assert_allclose(got.numpy(), [-np.log(np.float32(1e-7))], rtol=1e-5)  # 16.118, never 100
    np.testing.assert_allclose(L.binary_crossentropy(np.array([[0.0]]), np.array([[0.0]])).numpy(), [1e-7],
                               rtol=0.2)
    cce = L.categorical_crossentropy(np.array([[1.0, 0.0]]), np.array([[0.0, 1.0]]))
    np.testing.assert_allclose(cce.numpy(), [16.118096], rtol=1e-5)


def test_categorical_crossentropy(onehot):
    y, p = onehot
    pn = np.clip(p / p.sum(-1, keepdims=True), EPS, 1 - EPS)
    _check(L.categorical_crossentropy(y, p), -np.sum(y * np.log(pn), -1))
    ys = y * 0.9 + 0.1 / 4
    _check(L.categorical_crossentropy(y, p, label_smoothing=0.1), -np.sum(ys * np.log(pn), -1))
    z = np.random.default_rng(5).normal(size=y.shape)
    _check(L.categorical_crossentropy(y, z, from_logits=True), -np.sum(y * _np_log_softmax(z), -1))
    logits = torch.tensor(z, dtype=torch.float32)
    torch_ce = torch.nn.functional.cross_entropy(logits, torch.tensor(y.argmax(-1)), reduction="none")
    np.testing.assert_allclose(L.categorical_crossentropy(y.astype("float32"), logits, from_logits=True).numpy(),
                               torch_ce.numpy(), rtol=1e-5)


def test_categorical_crossentropy_on_other_axis(onehot):
    y, p = onehot
    yt, pt = y.T.copy(), p.T.copy()
    expected = L.categorical_crossentropy(y, p).numpy()
    np.testing.assert_allclose(L.categorical_crossentropy(yt, pt, axis=0).numpy(), expected, rtol=1e-6)
    with pytest.raises(ValueError, match="`axis` must be of type `int`"):
        L.categorical_crossentropy(y, p, axis=True)


def test_single_class_categorical_warns():
    with pytest.warns(SyntaxWarning, match="Consider using 'binary_crossentropy'"):
        L.categorical_crossentropy(np.ones((3, 1)), np.full((3, 1), 0.5))


def test_sparse_matches_categorical(onehot):
    y, p = onehot
    labels = y.argmax(-1)
    np.testing.assert_allclose(L.sparse_categorical_crossentropy(labels, p).numpy(),
                               L.categorical_crossentropy(y, p).numpy(), rtol=1e-6)
    z = np.random.default_rng(6).normal(size=y.shape)
    np.testing.assert_allclose(L.sparse_categorical_crossentropy(labels.reshape(-1, 1), z, from_logits=True).numpy(),
                               L.categorical_crossentropy(y, z, from_logits=True).numpy(), rtol=1e-6)


def test_focal_crossentropies(binary, onehot):
    y, p = binary
    pc = np.clip(p, EPS, 1 - EPS)
    p_t = y * p + (1 - y) * (1 - p)
    bce = -(y * np.log(pc) + (1 - y) * np.log(1 - pc))
    _check(L.binary_focal_crossentropy(y, p), np.mean((1 - p_t) ** 2 * bce, -1))
    alpha_t = y * 0.3 + (1 - y) * 0.7
    _check(L.binary_focal_crossentropy(y, p, apply_class_balancing=True, alpha=0.3, gamma=1.0),
           np.mean(alpha_t * (1 - p_t) * bce, -1))
    y, p = onehot
    pn = np.clip(p / p.sum(-1, keepdims=True), EPS, 1 - EPS)
    _check(L.categorical_focal_crossentropy(y, p), np.sum(0.25 * (1 - pn) ** 2 * -y * np.log(pn), -1))


def test_hinge_family(reg, onehot):
    _, p = reg
    y01 = (np.random.default_rng(7).uniform(size=p.shape) > 0.5).astype(float)
    ypm = 2 * y01 - 1
    _check(L.hinge(y01, p), np.mean(np.maximum(1 - ypm * p, 0), -1))
    _check(L.hinge(ypm, p), np.mean(np.maximum(1 - ypm * p, 0), -1))
    _check(L.squared_hinge(y01, p), np.mean(np.maximum(1 - ypm * p, 0) ** 2, -1))
    soft = y01.copy()
    soft[0, 0] = 0.5  # not every label is 0/1: no conversion for the whole batch
    _check(L.hinge(soft, p), np.mean(np.maximum(1 - _hinge_labels(soft) * p, 0), -1))
    y, _ = onehot
    q = np.random.default_rng(8).normal(size=y.shape)
    _check(L.categorical_hinge(y, q), np.maximum(np.max((1 - y) * q, -1) - np.sum(y * q, -1) + 1, 0))


def test_dice_and_tversky():
    rng = np.random.default_rng(9)
    y = rng.integers(0, 2, size=(3, 6)).astype(float)
    p = rng.uniform(size=(3, 6))
    _check(L.dice(y, p), 1 - 2 * np.sum(y * p) / (np.sum(y) + np.sum(p) + EPS))
    _check(L.dice(y, p, axis=-1), 1 - 2 * np.sum(y * p, -1) / (np.sum(y, -1) + np.sum(p, -1) + EPS))
    tp, fp, fn = np.sum(y * p, -1), np.sum((1 - p) * y, -1), np.sum(p * (1 - y), -1)
    _check(L.tversky(y, p, alpha=0.3, beta=0.7, axis=-1), 1 - tp / (tp + 0.3 * fp + 0.7 * fn + EPS))
    assert L.Dice()(y, p).shape == ()


def test_categorical_generalized_cross_entropy():
    rng = np.random.default_rng(10)
    labels = rng.integers(0, 3, size=(6,))
    p = rng.uniform(0.05, 1, size=(6, 3))
    p /= p.sum(-1, keepdims=True)
    true_p = p[np.arange(6), labels]
    _check(L.categorical_generalized_cross_entropy(labels, p, q=0.4), (1 - true_p**0.4) / 0.4)
    _check(L.CategoricalGeneralizedCrossEntropy(q=0.4, reduction="none")(labels.reshape(6, 1), p),
           (1 - true_p**0.4) / 0.4)
    with pytest.raises(ValueError, match=r"q must be in the interval \(0, 1\)"):
        L.CategoricalGeneralizedCrossEntropy(q=1.0)


def test_ctc_matches_torch_reference():
    rng = np.random.default_rng(11)
    y_true = np.array([[1, 2, 2, 0], [3, 0, 0, 0]])
    logits = rng.normal(size=(2, 7, 4)).astype("float32")
    log_probs = torch.log_softmax(torch.tensor(logits).transpose(0, 1), -1)
    expected = torch.nn.functional.ctc_loss(log_probs, torch.tensor(y_true), torch.tensor([7, 7]),
                                            torch.tensor([3, 1]), blank=0, reduction="none")
    # another implementation of the same recursion: float32 sums in another order
    np.testing.assert_allclose(L.ctc(y_true, logits).numpy(), expected.numpy(), rtol=1e-5)
    np.testing.assert_allclose(L.CTC()(y_true, logits).numpy(), expected.numpy().mean(), rtol=1e-5)
    with pytest.raises(ValueError, match="Logits `y_pred` are expected"):
        L.ctc(y_true, logits[0])


def test_circle_loss_against_numpy():
    rng = np.random.default_rng(12)
    emb = rng.normal(size=(6, 4))
    emb /= np.linalg.norm(emb, axis=1, keepdims=True)
    labels = np.array([0, 1, 0, 1, 2, 2])
    gamma, margin = 10.0, 0.25
    d = np.maximum(1 - emb @ emb.T, 0)
    pos = (labels[:, None] == labels[None, :]) & ~np.eye(6, dtype=bool)
    neg = labels[:, None] != labels[None, :]
    pw = np.maximum((margin + d) * pos, 0)
    nw = np.maximum((1 + margin - d) * neg, 0)
    pl = np.where(pos, -gamma * pw * (margin - d), -np.inf)
    nl = np.where(neg, gamma * nw * ((1 - margin) - d), -np.inf)

    def lse(a):
        m = a.max(1, keepdims=True)
        return (m + np.log(np.exp(a - m).sum(1, keepdims=True)))[:, 0]

    expected = _softplus(lse(pl) + lse(nl))
    got = L.circle(labels, emb.astype("float32"), gamma=gamma, margin=margin)
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-4)
    assert got._keras_mask.dtype == torch.bool


def test_loss_classes_default_names():
    names = {
        "MeanSquaredError": "mean_squared_error", "MeanAbsoluteError": "mean_absolute_error",
        "MeanAbsolutePercentageError": "mean_absolute_percentage_error",
        "MeanSquaredLogarithmicError": "mean_squared_logarithmic_error", "CosineSimilarity": "cosine_similarity",
        "Huber": "huber_loss", "LogCosh": "log_cosh", "KLDivergence": "kl_divergence", "Poisson": "poisson",
        "BinaryCrossentropy": "binary_crossentropy", "CategoricalCrossentropy": "categorical_crossentropy",
        "SparseCategoricalCrossentropy": "sparse_categorical_crossentropy", "Hinge": "hinge",
        "SquaredHinge": "squared_hinge", "CategoricalHinge": "categorical_hinge", "Dice": "dice",
        "Tversky": "tversky", "CTC": "ctc", "Circle": "circle",
        "BinaryFocalCrossentropy": "binary_focal_crossentropy",
        "CategoricalFocalCrossentropy": "categorical_focal_crossentropy",
        "CategoricalGeneralizedCrossEntropy": "categorical_generalized_cross_entropy",
    }
    for cls_name, name in names.items():
        assert getattr(L, cls_name)().name == name


def test_mismatched_shapes_give_a_clear_error():
    with pytest.raises(ValueError, match=r"y_true.shape=\(8, 3\), y_pred.shape=\(8, 2\)"):
        L.MeanSquaredError()(np.zeros((8, 3)), np.zeros((8, 2)))
    with pytest.raises(ValueError, match="Arguments `target` and `output` must have the same shape.*"
                                         "sparse_categorical_crossentropy"):
        L.CategoricalCrossentropy()(np.zeros(8), np.full((8, 2), 0.5))
    with pytest.raises(ValueError, match="Arguments `target` and `output` must have the same shape"):
        L.binary_crossentropy(np.zeros(8), np.full((8, 2), 0.5))


def test_functions_run_on_device(device):
    y = torch.tensor([[0.0, 1.0], [1.0, 0.0]], device=device)
    p = torch.tensor([[0.2, 0.8], [0.6, 0.4]], device=device)
    for fn in (L.mse, L.mae, L.binary_crossentropy, L.categorical_crossentropy, L.kl_divergence, L.hinge,
               L.log_cosh, L.huber, L.poisson, L.cosine_similarity, L.categorical_hinge):
        assert fn(y, p).device.type == device
    assert L.sparse_categorical_crossentropy(torch.tensor([1, 0], device=device), p).device.type == device
