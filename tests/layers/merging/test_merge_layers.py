import numpy as np
import pytest
import torch

import torchkeras as keras
from torchkeras import layers


def _np(t):
    return t.detach().cpu().numpy()


def _inputs(n, shape=(3, 4, 5), seed=0):
    rng = np.random.RandomState(seed)
    return [rng.randn(*shape).astype("float32") for _ in range(n)]


REFS = {
    "Add": lambda xs: sum(xs),
    "Subtract": lambda xs: xs[0] - xs[1],
    "Multiply": lambda xs: np.prod(xs, axis=0),
    "Average": lambda xs: sum(xs) / len(xs),
    "Maximum": lambda xs: np.max(xs, axis=0),
    "Minimum": lambda xs: np.min(xs, axis=0),
}


@pytest.mark.parametrize("name", sorted(REFS))
def test_elementwise_merges(name, device):
    n = 2 if name == "Subtract" else 3
    xs = _inputs(n)
    layer = getattr(layers, name)()
    out = layer([torch.tensor(x, device=device) for x in xs])
    np.testing.assert_allclose(_np(out), REFS[name](xs), rtol=1e-6)
    functional = getattr(layers, name.lower())
    np.testing.assert_allclose(_np(functional([torch.tensor(x) for x in xs])), REFS[name](xs), rtol=1e-6)
    sym = layer.__class__()([keras.Input((4, 5)) for _ in range(n)])
    assert sym.shape == (None, 4, 5)
    assert layer.get_config()["name"] == layer.name


def test_broadcasting_and_rank_expansion():
    a = np.random.randn(3, 5).astype("float32")
    b = np.random.randn(3, 4, 5).astype("float32")
    out = layers.Add()([torch.tensor(a), torch.tensor(b)])
    np.testing.assert_allclose(_np(out), a[:, None, :] + b, rtol=1e-6)
    c = np.random.randn(3, 1, 5).astype("float32")
    np.testing.assert_allclose(_np(layers.Multiply()([torch.tensor(c), torch.tensor(b)])), c * b, rtol=1e-6)
    assert layers.Add()([keras.Input((5,)), keras.Input((4, 5))]).shape == (None, 4, 5)
    assert layers.Maximum()([keras.Input((1, 5)), keras.Input((4, 1))]).shape == (None, 4, 5)


def test_shape_errors():
    with pytest.raises(ValueError, match="incompatible shapes"):
        layers.Add()([keras.Input((4,)), keras.Input((5,))])
    with pytest.raises(ValueError, match="different batch sizes"):
        layers.Add()([keras.Input((4,), batch_size=2), keras.Input((4,), batch_size=3)])
    with pytest.raises(ValueError, match="should be called on a list of inputs"):
        layers.Add()(keras.Input((4,)))
    with pytest.raises(ValueError, match="exactly 2 inputs"):
        layers.Subtract()([keras.Input((4,))] * 3)


def _masked(x, mask):
    t = torch.tensor(x)
    if mask is not None:
        t._keras_mask = torch.tensor(mask)
    return t


def test_mask_merging_is_or_of_masks():
    xs = _inputs(2)
    m1 = np.array([[1, 1, 0, 0]] * 3, bool)
    m2 = np.array([[0, 1, 1, 0]] * 3, bool)
    out = layers.Add()([_masked(xs[0], m1), _masked(xs[1], m2)])
    np.testing.assert_array_equal(_np(out._keras_mask), m1 | m2)
    out = layers.Add()([_masked(xs[0], m1), _masked(xs[1], None)])
    assert getattr(out, "_keras_mask", None) is None


def test_maximum_minimum_ignore_masked_values():
    xs = _inputs(2)
    m1 = np.array([[1, 1, 0, 0]] * 3, bool)
    m2 = np.array([[0, 1, 1, 0]] * 3, bool)
    out = _np(layers.Maximum()([_masked(xs[0], m1), _masked(xs[1], m2)]))
    both, only2 = (m1 & m2)[..., None], (m2 & ~m1)[..., None]
    expected = np.where(both, np.maximum(xs[0], xs[1]), np.where(only2, xs[1], xs[0]))
    np.testing.assert_allclose(out, expected, rtol=1e-6)
    out = _np(layers.Minimum()([_masked(xs[0], m1), _masked(xs[1], m2)]))
    expected = np.where(both, np.minimum(xs[0], xs[1]), np.where(only2, xs[1], xs[0]))
    np.testing.assert_allclose(out, expected, rtol=1e-6)


def test_multiply_masked_values_count_as_one_and_fully_masked_are_zero():
    xs = _inputs(2)
    m1 = np.array([[1, 1, 0, 0]] * 3, bool)
    m2 = np.array([[0, 1, 1, 0]] * 3, bool)
    out = _np(layers.Multiply()([_masked(xs[0], m1), _masked(xs[1], m2)]))
    a = np.where(m1[..., None], xs[0], 1.0)
    b = np.where(m2[..., None], xs[1], 1.0)
    np.testing.assert_allclose(out, np.where((m1 | m2)[..., None], a * b, 0.0), rtol=1e-6)
    # only one input masked: masked values count as 1, no zeroing, no output mask
    out = layers.Multiply()([_masked(xs[0], m1), _masked(xs[1], None)])
    np.testing.assert_allclose(_np(out), np.where(m1[..., None], xs[0], 1.0) * xs[1], rtol=1e-6)


def test_masks_flow_through_a_functional_model():
    tokens = keras.Input((4,), dtype="int32")
    emb = layers.Embedding(10, 3, mask_zero=True)(tokens)
    out = layers.Maximum()([emb, layers.Dense(3)(emb)])
    model = keras.Model(tokens, out)
    ids = np.array([[1, 2, 0, 0], [3, 0, 0, 0]])
    result = model(ids)
    np.testing.assert_array_equal(_np(result._keras_mask), ids != 0)


def test_concatenate(device):
    a, b = _inputs(2)
    for axis in (-1, 1, 2):
        out = layers.Concatenate(axis=axis)([torch.tensor(a, device=device), torch.tensor(b, device=device)])
        np.testing.assert_allclose(_np(out), np.concatenate([a, b], axis=axis))
    sym = layers.concatenate([keras.Input((4, 5)), keras.Input((4, 2))])
    assert sym.shape == (None, 4, 7)
    assert layers.Concatenate(axis=1)([keras.Input((None, 5)), keras.Input((4, 5))]).shape == (None, None, 5)
    with pytest.raises(ValueError, match="matching shapes except for the concatenation axis"):
        layers.Concatenate(axis=1)([keras.Input((4, 5)), keras.Input((4, 6))])
    with pytest.raises(ValueError, match="at least 1 input"):
        layers.Concatenate()(keras.Input((4,)))
    config = layers.Concatenate(axis=1, name="cat").get_config()
    assert config["axis"] == 1
    assert layers.Concatenate.from_config(config).axis == 1


def test_concatenate_masks():
    a, b = _inputs(2)
    m = np.array([[1, 1, 0, 0], [1, 0, 0, 0], [1, 1, 1, 0]], bool)
    out = layers.Concatenate(axis=-1)([_masked(a, m), _masked(b, None)])
    np.testing.assert_array_equal(_np(out._keras_mask), np.ones((3, 4), bool))
    m2 = np.array([[0, 1, 0, 0]] * 3, bool)
    out = layers.Concatenate(axis=-1)([_masked(a, m), _masked(b, m2)])
    np.testing.assert_array_equal(_np(out._keras_mask), m | m2)
    out = layers.Concatenate(axis=1)([_masked(a, m), _masked(b, None)])
    np.testing.assert_array_equal(_np(out._keras_mask), np.concatenate([m, np.ones((3, 4), bool)], axis=1))


def test_dot():
    rng = np.random.RandomState(0)
    a = rng.randn(3, 5).astype("float32")
    b = rng.randn(3, 5).astype("float32")
    out = _np(layers.Dot(axes=1)([torch.tensor(a), torch.tensor(b)]))
    np.testing.assert_allclose(out, (a * b).sum(-1, keepdims=True), rtol=1e-5, atol=1e-6)
    cos = _np(layers.Dot(axes=-1, normalize=True)([torch.tensor(a), torch.tensor(b)]))
    expected = (a * b).sum(-1) / np.linalg.norm(a, axis=-1) / np.linalg.norm(b, axis=-1)
    np.testing.assert_allclose(cos[:, 0], expected, rtol=1e-5, atol=1e-6)
    x = rng.randn(2, 3, 4).astype("float32")
    y = rng.randn(2, 5, 4).astype("float32")
    out = _np(layers.dot([torch.tensor(x), torch.tensor(y)], axes=(2, 2)))
    np.testing.assert_allclose(out, np.einsum("bik,bjk->bij", x, y), rtol=1e-5, atol=1e-6)
    y2 = rng.randn(2, 3, 6).astype("float32")
    out = _np(layers.Dot(axes=(1, 1))([torch.tensor(x), torch.tensor(y2)]))
    np.testing.assert_allclose(out, np.einsum("bki,bkj->bij", x, y2), rtol=1e-5, atol=1e-6)
    assert layers.Dot(axes=(2, 2))([keras.Input((3, 4)), keras.Input((5, 4))]).shape == (None, 3, 5)
    assert layers.Dot(axes=1)([keras.Input((4,)), keras.Input((4,))]).shape == (None, 1)


def test_dot_errors_and_config():
    with pytest.raises(TypeError, match="Invalid type for argument `axes`"):
        layers.Dot(axes="x")
    with pytest.raises(ValueError, match="should contain two elements"):
        layers.Dot(axes=(1, 2, 3))
    with pytest.raises(ValueError, match="Incompatible input shapes"):
        layers.Dot(axes=1)([keras.Input((4,)), keras.Input((5,))])
    with pytest.raises(ValueError, match="list of 2 inputs"):
        layers.Dot(axes=1)([keras.Input((4,))] * 3)
    with pytest.raises(ValueError, match="over axis 0"):
        layers.Dot(axes=0)([torch.ones(2, 3), torch.ones(2, 3)])
    config = layers.Dot(axes=(1, 2), normalize=True).get_config()
    assert config["axes"] == (1, 2) and config["normalize"] is True
    x = torch.ones(2, 3)
    x._keras_mask = torch.ones(2, dtype=torch.bool)
    assert getattr(layers.Dot(axes=1)([x, x]), "_keras_mask", None) is None
