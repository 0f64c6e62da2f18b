import numpy as np
import pytest
import torch

import torchkeras as keras
from torchkeras import layers


def _np(t):
    return t.detach().cpu().numpy()


def _reference(mha, q, v, mask=None):
    """Plain numpy multi-head attention with the layer's weights (Keras layout)."""
    w = {x.path.split("/")[-2] + "/" + x.name: _np(x) for x in mha.weights}
    qp = np.einsum("btc,chd->bthd", q, w["query/kernel"]) + w["query/bias"]
    kp = np.einsum("bsc,chd->bshd", v, w["key/kernel"]) + w["key/bias"]
    vp = np.einsum("bsc,chd->bshd", v, w["value/kernel"]) + w["value/bias"]
    scores = np.einsum("bthd,bshd->bhts", qp, kp) / np.sqrt(mha.key_dim)
    if mask is not None:
        scores = np.where(mask[:, None], scores, -1e9)
    scores = np.exp(scores - scores.max(-1, keepdims=True))
    scores = scores / scores.sum(-1, keepdims=True)
    out = np.einsum("bhts,bshd->bthd", scores, vp)
    return np.einsum("bthd,hde->bte", out, w["attention_output/kernel"]) + w["attention_output/bias"], scores


def test_weights_layout_order_and_paths():
    mha = layers.MultiHeadAttention(num_heads=2, key_dim=3, value_dim=4, output_shape=5, name="mha")
    out = mha(keras.Input((7, 6)), keras.Input((9, 8)))
    assert out.shape == (None, 7, 5)
    assert [(w.path, tuple(w.shape)) for w in mha.weights] == [
        ("mha/query/kernel", (6, 2, 3)), ("mha/query/bias", (2, 3)),
        ("mha/key/kernel", (8, 2, 3)), ("mha/key/bias", (2, 3)),
        ("mha/value/kernel", (8, 2, 4)), ("mha/value/bias", (2, 4)),
        ("mha/attention_output/kernel", (2, 4, 5)), ("mha/attention_output/bias", (5,)),
    ]
    assert mha.query_dense is mha._query_dense and mha.output_dense.name == "attention_output"
    assert len(list(mha.parameters())) == 8


def test_matches_numpy_reference_and_both_kernels_agree(device):
    rng = np.random.RandomState(0)
    q = rng.randn(2, 4, 6).astype("float32")
    v = rng.randn(2, 5, 6).astype("float32")
    mha = layers.MultiHeadAttention(num_heads=2, key_dim=3, bias_initializer="random_normal")
    out = mha(torch.tensor(q, device=device), torch.tensor(v, device=device))
    expected, scores = _reference(mha, q, v)
    np.testing.assert_allclose(_np(out), expected, atol=1e-5)
    # return_attention_scores takes the einsum/softmax path instead of scaled_dot_product_attention
    out2, s = mha(torch.tensor(q, device=device), torch.tensor(v, device=device), return_attention_scores=True)
    np.testing.assert_allclose(_np(out2), expected, atol=1e-5)
    np.testing.assert_allclose(_np(s), scores, atol=1e-5)
    assert tuple(s.shape) == (2, 2, 4, 5)


@pytest.mark.parametrize("scores", [False, True])
def test_attention_mask(scores):
    rng = np.random.RandomState(1)
    q = rng.randn(2, 4, 6).astype("float32")
    v = rng.randn(2, 5, 6).astype("float32")
    mask = rng.rand(2, 4, 5) > 0.3
    mask[:, :, 0] = True
    mha = layers.MultiHeadAttention(2, 3)
    out = mha(torch.tensor(q), torch.tensor(v), attention_mask=torch.tensor(mask), return_attention_scores=scores)
    out = out[0] if scores else out
    np.testing.assert_allclose(_np(out), _reference(mha, q, v, mask)[0], atol=1e-5)


def test_causal_mask_hides_the_future():
    x = torch.randn(1, 6, 4)
    mha = layers.MultiHeadAttention(2, 2)
    full = mha(x, x, use_causal_mask=True)
    changed = x.clone()
    changed[:, 4:] += 10.0
    partial = mha(changed, changed, use_causal_mask=True)
    np.testing.assert_allclose(_np(full)[:, :4], _np(partial)[:, :4], atol=1e-5)
    assert not np.allclose(_np(full)[:, 4:], _np(partial)[:, 4:])
    _, scores = mha(x, x, use_causal_mask=True, return_attention_scores=True)
    assert np.allclose(np.triu(_np(scores)[0, 0], 1), 0)


def test_keras_masks_of_inputs():
    rng = np.random.RandomState(2)
    q = torch.tensor(rng.randn(2, 4, 6).astype("float32"))
    v = torch.tensor(rng.randn(2, 5, 6).astype("float32"))
    vmask = torch.tensor([[1, 1, 1, 0, 0], [1, 1, 1, 1, 0]], dtype=torch.bool)
    mha = layers.MultiHeadAttention(2, 3)
    explicit = mha(q, v, value_mask=vmask)
    v._keras_mask = vmask
    implicit = mha(q, v)
    np.testing.assert_allclose(_np(explicit), _np(implicit), atol=1e-6)
    np.testing.assert_allclose(_np(explicit), _reference(mha, _np(q), _np(v), _np(vmask)[:, None, :].repeat(4, 1))[0],
                               atol=1e-5)
    q._keras_mask = torch.tensor([[1, 1, 0, 0], [1, 1, 1, 1]], dtype=torch.bool)
    out = mha(q, v)
    assert torch.equal(out._keras_mask, q._keras_mask)


def test_masked_self_attention_in_a_functional_model_matches_eager():
    tokens = keras.Input((5,), dtype="int32")
    emb = layers.Embedding(10, 8, mask_zero=True)
    mha = layers.MultiHeadAttention(2, 4)
    embedded = emb(tokens)
    model = keras.Model(tokens, mha(embedded, embedded))
    ids = torch.tensor([[1, 2, 3, 0, 0], [4, 5, 0, 0, 0]])
    e = emb(ids)
    np.testing.assert_allclose(_np(model(ids)), _np(mha(e, e)), atol=1e-6)


def test_value_mask_of_another_tensor_in_a_functional_model():
    queries = keras.Input((3, 8))
    tokens = keras.Input((5,), dtype="int32")
    emb = layers.Embedding(10, 8, mask_zero=True)
    mha = layers.MultiHeadAttention(2, 4)
    model = keras.Model([queries, tokens], mha(queries, emb(tokens)))
    q = torch.randn(2, 3, 8)
    ids = torch.tensor([[1, 2, 3, 0, 0], [4, 5, 0, 0, 0]])
    np.testing.assert_allclose(_np(model([q, ids])), _np(mha(q, emb(ids))), atol=1e-6)


def test_attention_axes_and_4d_inputs():
    mha = layers.MultiHeadAttention(2, 3, attention_axes=(1, 2))
    x = torch.randn(2, 3, 4, 6)
    out, scores = mha(x, x, return_attention_scores=True)
    assert tuple(out.shape) == (2, 3, 4, 6) and tuple(scores.shape) == (2, 2, 3, 4, 3, 4)
    np.testing.assert_allclose(_np(scores).reshape(2, 2, 12, 12).sum(-1), np.ones((2, 2, 12)), rtol=1e-5)
    assert mha.get_config()["attention_axes"] == (1, 2)
    assert layers.MultiHeadAttention(2, 3)(keras.Input((3, 4, 6)), keras.Input((3, 4, 6))).shape == (None, 3, 4, 6)


def test_dropout_only_in_training():
    torch.manual_seed(0)
    mha = layers.MultiHeadAttention(2, 3, dropout=0.5, seed=1)
    x = torch.randn(2, 4, 6)
    a, b = mha(x, x), mha(x, x)
    np.testing.assert_allclose(_np(a), _np(b))
    c = mha(x, x, training=True)
    assert not np.allclose(_np(a), _np(c))


def test_symbolic_outputs_with_scores():
    q = keras.Input((4, 6))
    v = keras.Input((7, 6))
    out, scores = layers.MultiHeadAttention(3, 2)(q, v, return_attention_scores=True)
    assert out.shape == (None, 4, 6) and scores.shape == (None, 3, 4, 7)


def test_gate_and_sliding_window():
    mha = layers.MultiHeadAttention(2, 3, use_gate=True, sliding_window=2)
    x = torch.randn(1, 5, 4)
    out, scores = mha(x, x, return_attention_scores=True)
    assert [w.path.split("/")[1] for w in mha.weights][4:6] == ["gate", "gate"]
    band = np.abs(np.arange(5)[:, None] - np.arange(5)[None, :]) < 2
    assert np.allclose(_np(scores)[0, 0][~band], 0)
    assert tuple(out.shape) == (1, 5, 4)


def test_errors():
    with pytest.raises(ValueError, match="num_heads"):
        layers.MultiHeadAttention(0, 2)
    with pytest.raises(ValueError, match="key_dim"):
        layers.MultiHeadAttention(2, -1)
    with pytest.raises(ValueError, match="value_dim"):
        layers.MultiHeadAttention(2, 2, value_dim=0)
    with pytest.raises(ValueError, match="except the last one, must be equal"):
        layers.MultiHeadAttention(2, 2)(keras.Input((4, 3)), keras.Input((5, 3)), keras.Input((6, 3)))
    with pytest.raises(ValueError, match="`attention_axes` must be an int"):
        layers.MultiHeadAttention(2, 2, attention_axes="x")


def test_config_round_trip_and_keras2_config():
    mha = layers.MultiHeadAttention(2, 3, dropout=0.1, output_shape=(4,), name="att")
    config = mha.get_config()
    assert config["output_shape"] == (4,) and config["attention_axes"] is None
    assert layers.MultiHeadAttention.from_config(config).get_config() == config
    k2 = dict(config, name="att2", query_shape=[None, 5, 6], key_shape=[None, 7, 6], value_shape=[None, 7, 6],
              softmax_robust_masking=True, attention_axes=[1])
    restored = layers.MultiHeadAttention.from_config(k2)
    assert restored.built and len(restored.get_weights()) == 8
    assert tuple(restored.query_dense.kernel.shape) == (6, 2, 3)
    assert tuple(restored(torch.randn(1, 5, 6), torch.randn(1, 7, 6)).shape) == (1, 5, 4)


def test_attention_layers_move_with_module_to():
    import torch

    for layer in (layers.MultiHeadAttention(2, 4), layers.GroupQueryAttention(4, 4, 2)):
        x = np.ones((1, 3, 8), "float32")
        layer(x, x)
        assert layer.to("cpu") is layer and layer.to(torch.float32) is layer
