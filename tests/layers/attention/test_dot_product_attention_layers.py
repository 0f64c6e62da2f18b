import numpy as np
import pytest
import torch

import torchkeras as keras
from torchkeras import layers


def _np(t):
    return t.detach().cpu().numpy()


def _softmax(s):
    s = np.exp(s - s.max(-1, keepdims=True))
    return s / s.sum(-1, keepdims=True)


def _data(seed=0):
    rng = np.random.RandomState(seed)
    return [rng.randn(2, n, 3).astype("float32") for n in (4, 5, 5)]


def test_dot_attention_reference(device):
    q, v, k = _data()
    layer = layers.Attention()
    out = layer([torch.tensor(q, device=device), torch.tensor(v, device=device)])
    np.testing.assert_allclose(_np(out), _softmax(q @ v.transpose(0, 2, 1)) @ v, atol=1e-5)
    out, scores = layer([torch.tensor(q), torch.tensor(v), torch.tensor(k)], return_attention_scores=True)
    np.testing.assert_allclose(_np(scores), _softmax(q @ k.transpose(0, 2, 1)), atol=1e-5)
    np.testing.assert_allclose(_np(out), _np(scores) @ v, atol=1e-5)
    assert layer.weights == []


def test_use_scale_and_concat_scores():
    q, v, _ = _data()
    layer = layers.Attention(use_scale=True, score_mode="concat")
    layer.build([q.shape, v.shape])
    assert [w.name for w in layer.weights] == ["scale", "concat_score_weight"]
    layer.set_weights([np.array(0.5, "float32"), np.array(2.0, "float32")])
    out = layer([torch.tensor(q), torch.tensor(v)])
    scores = 2.0 * np.tanh(0.5 * (q[:, :, None] + v[:, None])).sum(-1)
    np.testing.assert_allclose(_np(out), _softmax(scores) @ v, atol=1e-5)


def test_masks_and_causal():
    q, v, _ = _data()
    q_mask = np.array([[1, 1, 1, 0], [1, 0, 0, 0]], bool)
    v_mask = np.array([[1, 1, 0, 0, 0], [1, 1, 1, 1, 0]], bool)
    layer = layers.Attention()
    out = layer([torch.tensor(q), torch.tensor(v)], mask=[torch.tensor(q_mask), torch.tensor(v_mask)])
    scores = np.where(v_mask[:, None], q @ v.transpose(0, 2, 1), -1e9)
    expected = np.where(q_mask[..., None], _softmax(scores) @ v, 0)
    np.testing.assert_allclose(_np(out), expected, atol=1e-5)
    np.testing.assert_array_equal(_np(out._keras_mask), q_mask)
    x = torch.tensor(q)
    _, weights = layer([x, x], use_causal_mask=True, return_attention_scores=True)
    assert np.allclose(np.triu(_np(weights)[0], 1), 0)


def test_additive_attention():
    q, v, _ = _data()
    layer = layers.AdditiveAttention()
    layer.build([q.shape, v.shape])
    assert [tuple(w.shape) for w in layer.weights] == [(3,)]
    scale = _np(layer.scale)
    out = layer([torch.tensor(q), torch.tensor(v)])
    scores = (scale * np.tanh(q[:, :, None] + v[:, None])).sum(-1)
    np.testing.assert_allclose(_np(out), _softmax(scores) @ v, atol=1e-5)
    no_scale = layers.AdditiveAttention(use_scale=False)
    out = no_scale([torch.tensor(q), torch.tensor(v)])
    np.testing.assert_allclose(_np(out), _softmax(np.tanh(q[:, :, None] + v[:, None]).sum(-1)) @ v, atol=1e-5)
    assert "score_mode" not in layer.get_config()


def test_symbolic_shapes_dropout_and_config():
    q, v, k = keras.Input((4, 3)), keras.Input((5, 2)), keras.Input((5, 3))
    out, scores = layers.Attention()([q, v, k], return_attention_scores=True)
    assert out.shape == (None, 4, 2) and scores.shape == (None, 4, 5)
    layer = layers.Attention(dropout=0.5, seed=3)
    x = torch.randn(2, 4, 3)
    assert np.allclose(_np(layer([x, x])), _np(layer([x, x])))
    assert not np.allclose(_np(layer([x, x])), _np(layer([x, x], training=True)))
    config = layer.get_config()
    assert config["dropout"] == 0.5 and config["seed"] == 3 and config["score_mode"] == "dot"
    assert layers.Attention.from_config(config).get_config() == config


def test_errors():
    with pytest.raises(ValueError, match="Invalid value for argument score_mode"):
        layers.Attention(score_mode="add")
    with pytest.raises(ValueError, match="must be called on a list of inputs"):
        layers.Attention()(torch.ones(2, 3, 4))
    with pytest.raises(ValueError, match="accepts inputs list of length 2 or 3"):
        layers.Attention()([torch.ones(2, 3, 4)])
    with pytest.raises(ValueError, match="mask must be a list"):
        layers.Attention()([torch.ones(2, 3, 4)] * 2, mask=torch.ones(2, 3, dtype=torch.bool))


def test_keras2_causal_argument():
    with pytest.warns(UserWarning, match="`causal` argument"):
        layer = layers.Attention(causal=True)
    x = torch.randn(1, 4, 3)
    _, weights = layer([x, x], return_attention_scores=True)
    assert np.allclose(np.triu(_np(weights)[0], 1), 0)
    assert "causal" not in layer.get_config()
