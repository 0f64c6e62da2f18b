import numpy as np
import pytest
import torch

import torchkeras as keras
from torchkeras import layers


def _np(t):
    return t.detach().cpu().numpy()


def test_weights_and_shapes():
    gqa = layers.GroupQueryAttention(head_dim=3, num_query_heads=4, num_key_value_heads=2, name="gqa")
    out = gqa(keras.Input((5, 6)), keras.Input((7, 6)))
    assert out.shape == (None, 5, 6)
    assert type(gqa).__name__ == "GroupedQueryAttention"
    assert [(w.path, tuple(w.shape)) for w in gqa.weights] == [
        ("gqa/query/kernel", (6, 4, 3)), ("gqa/query/bias", (4, 3)),
        ("gqa/key/kernel", (6, 2, 3)), ("gqa/key/bias", (2, 3)),
        ("gqa/value/kernel", (6, 2, 3)), ("gqa/value/bias", (2, 3)),
        ("gqa/attention_output/kernel", (4, 3, 6)), ("gqa/attention_output/bias", (6,)),
    ]
    out, scores = layers.GroupQueryAttention(3, 4, 2)(keras.Input((5, 6)), keras.Input((7, 6)),
                                                       return_attention_scores=True)
    assert scores.shape == (None, 4, 5, 7)


def test_equals_multi_head_attention_when_heads_match(device):
    gqa = layers.GroupQueryAttention(head_dim=3, num_query_heads=2, num_key_value_heads=2)
    mha = layers.MultiHeadAttention(num_heads=2, key_dim=3)
    q, v = torch.randn(2, 4, 6, device=device), torch.randn(2, 5, 6, device=device)
    gqa(q, v)
    mha(q, v)
    mha.set_weights(gqa.get_weights())
    np.testing.assert_allclose(_np(gqa(q, v)), _np(mha(q, v)), atol=1e-5)
    np.testing.assert_allclose(_np(gqa(q, v, use_causal_mask=True, return_attention_scores=True)[1]),
                               _np(mha(q, v, use_causal_mask=True, return_attention_scores=True)[1]), atol=1e-5)


def test_key_value_heads_are_shared():
    gqa = layers.GroupQueryAttention(head_dim=2, num_query_heads=4, num_key_value_heads=1)
    x = torch.randn(1, 3, 4)
    _, scores = gqa(x, x, return_attention_scores=True)
    assert tuple(scores.shape) == (1, 4, 3, 3)
    np.testing.assert_allclose(_np(scores).sum(-1), np.ones((1, 4, 3)), rtol=1e-5)
    fused = gqa(x, x)
    unfused, _ = gqa(x, x, return_attention_scores=True)
    np.testing.assert_allclose(_np(fused), _np(unfused), atol=1e-5)


def test_masks_and_errors_and_config():
    gqa = layers.GroupQueryAttention(2, 4, 2)
    q = torch.randn(2, 4, 6)
    v = torch.randn(2, 5, 6)
    vmask = torch.tensor([[1, 1, 0, 0, 0], [1, 1, 1, 1, 1]], dtype=torch.bool)
    explicit = gqa(q, v, value_mask=vmask)
    v._keras_mask = vmask
    np.testing.assert_allclose(_np(gqa(q, v)), _np(explicit), atol=1e-6)
    with pytest.raises(ValueError, match="must be divisible"):
        layers.GroupQueryAttention(2, 3, 2)
    with pytest.raises(ValueError, match="last dimension of `query_shape` and `value_shape`"):
        layers.GroupQueryAttention(2, 4, 2).compute_output_shape((None, 3, 6), (None, 3, 5))
    config = layers.GroupQueryAttention(2, 4, 2, dropout=0.1, name="g").get_config()
    assert config["num_query_heads"] == 4 and config["num_key_value_heads"] == 2
    assert layers.GroupQueryAttention.from_config(config).get_config() == config
