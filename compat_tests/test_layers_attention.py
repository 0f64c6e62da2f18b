"""Attention layers and EinsumDense: torchkeras beside real Keras 3 (torch backend), with the same weights."""
import json

import numpy as np
import pytest

import keras  # noqa: E402  (conftest sets KERAS_BACKEND=torch first)
import torch

import torchkeras
from torchkeras import layers


def _json(config):
    """The config as JSON would store it, without the auto-generated name (uid counters differ per library)."""
    config = json.loads(json.dumps(config))
    config.pop("name", None)
    return config


def _jitter(k, t, rng):
    weights = [np.asarray(w + rng.uniform(-0.2, 0.2, np.shape(w))).astype("float32") for w in k.get_weights()]
    k.set_weights(weights)
    t.set_weights(weights)


def _tensor(a, mask=None):
    t = torch.tensor(a, requires_grad=np.issubdtype(a.dtype, np.floating))
    if mask is not None:
        t._keras_mask = torch.tensor(mask)
    return t


def _run(fn, arrays, masks, seed):
    """Outputs and input gradients of `sum(first_output * g)`."""
    tensors = [_tensor(a, m) for a, m in zip(arrays, masks or [None] * len(arrays))]
    out = fn(*tensors)
    outs = list(out) if isinstance(out, (tuple, list)) else [out]
    grad = np.random.RandomState(seed).randn(*outs[0].shape).astype("float32")
    (outs[0] * torch.tensor(grad)).sum().backward()
    return [o.detach().numpy() for o in outs], [t.grad.numpy() if t.grad is not None else None for t in tensors]


def _assert_same(k_fn, t_fn, arrays, masks=None, atol=1e-5):
    ko, kg = _run(k_fn, arrays, masks, 7)
    to, tg = _run(t_fn, arrays, masks, 7)
    assert len(ko) == len(to)
    for a, b in zip(to, ko):
        np.testing.assert_allclose(a, b, atol=atol)
    for a, b in zip(tg, kg):
        if b is not None:
            np.testing.assert_allclose(a, b, atol=atol)


# --- EinsumDense -----------------------------------------------------------------------------------------
EINSUM_CASES = [
    ("ab,bc->ac", 4, "c", (2, 3)),
    ("abc,cd->abd", (None, 5), "d", (2, 3, 4)),
    ("abc,cde->abde", (None, 2, 3), "de", (2, 3, 4)),
    ("abcd,cde->abe", (None, 6), "e", (2, 3, 4, 5)),
    ("abc,bd->adc", (6, 4), "d", (2, 3, 4)),
    ("...b,bc->...c", 5, "c", (2, 3, 4)),
    ("ab...,bc->ac...", 5, "c", (2, 3, 4)),
    ("abc,cde->abde", (None, 2, 3), "e", (2, 3, 4)),
    ("abc,cd->abd", (3, 5), None, (2, 3, 4)),
]


@pytest.mark.parametrize("equation,output_shape,bias_axes,shape", EINSUM_CASES)
def test_einsum_dense(equation, output_shape, bias_axes, shape):
    rng = np.random.RandomState(0)
    kwargs = dict(output_shape=output_shape, bias_axes=bias_axes, activation="tanh")
    k = keras.layers.EinsumDense(equation, **kwargs)
    t = layers.EinsumDense(equation, **kwargs)
    k.build(shape)
    t.build(shape)
    assert [tuple(w.shape) for w in t.weights] == [tuple(w.shape) for w in k.weights]
    _jitter(k, t, rng)
    _assert_same(k, t, [rng.randn(*shape).astype("float32")])
    assert _json(t.get_config()) == _json(k.get_config())


# --- MultiHeadAttention ----------------------------------------------------------------------------------
def _mha_pair(kwargs, shapes, rng):
    k = keras.layers.MultiHeadAttention(name="mha", **kwargs)
    t = layers.MultiHeadAttention(name="mha", **kwargs)
    k.build(*shapes)
    t.build(*shapes)
    assert [(w.path, tuple(w.shape)) for w in t.weights] == [(w.path, tuple(w.shape)) for w in k.weights]
    _jitter(k, t, rng)
    return k, t


MHA_CASES = [
    # layer kwargs, (query, value[, key]) shapes, call kwargs
    ({"num_heads": 2, "key_dim": 3}, [(2, 4, 6), (2, 5, 6)], {}),
    ({"num_heads": 2, "key_dim": 3, "value_dim": 4, "output_shape": 7}, [(2, 4, 6), (2, 5, 5), (2, 5, 3)], {}),
    ({"num_heads": 3, "key_dim": 2, "use_bias": False}, [(2, 4, 6), (2, 5, 6)], {}),
    ({"num_heads": 2, "key_dim": 3}, [(2, 4, 6), (2, 5, 6)], {"return_attention_scores": True}),
    ({"num_heads": 2, "key_dim": 3}, [(2, 5, 6), (2, 5, 6)], {"use_causal_mask": True}),
    ({"num_heads": 2, "key_dim": 3}, [(2, 5, 6), (2, 5, 6)],
     {"use_causal_mask": True, "return_attention_scores": True}),
    ({"num_heads": 2, "key_dim": 3, "dropout": 0.3}, [(2, 4, 6), (2, 5, 6)], {}),
    ({"num_heads": 2, "key_dim": 3, "use_gate": True, "sliding_window": 2}, [(2, 5, 6), (2, 5, 6)], {}),
    ({"num_heads": 2, "key_dim": 3}, [(2, 3, 4, 6), (2, 3, 4, 6)], {}),
    ({"num_heads": 2, "key_dim": 3, "attention_axes": (1, 2)}, [(2, 3, 4, 6), (2, 3, 4, 6)],
     {"return_attention_scores": True}),
    ({"num_heads": 2, "key_dim": 3, "attention_axes": 2}, [(2, 3, 4, 6), (2, 3, 4, 6)], {}),
]


@pytest.mark.parametrize("kwargs,shapes,call_kwargs", MHA_CASES)
def test_multi_head_attention(kwargs, shapes, call_kwargs):
    rng = np.random.RandomState(1)
    k, t = _mha_pair(kwargs, shapes, rng)
    arrays = [rng.randn(*s).astype("float32") for s in shapes]
    _assert_same(lambda *a: k(*a, **call_kwargs), lambda *a: t(*a, **call_kwargs), arrays)
    assert _json(t.get_config()) == _json(k.get_config())


@pytest.mark.parametrize("scores", [False, True])
@pytest.mark.parametrize("causal", [False, True])
@pytest.mark.parametrize("full_row", [False, True])
def test_multi_head_attention_attention_mask(scores, causal, full_row):
    rng = np.random.RandomState(2)
    k, t = _mha_pair({"num_heads": 2, "key_dim": 3}, [(2, 5, 6), (2, 5, 6)], rng)
    q, v = rng.randn(2, 5, 6).astype("float32"), rng.randn(2, 5, 6).astype("float32")
    mask = rng.rand(2, 5, 5) > 0.3
    if full_row:
        mask[0, 2] = False  # a query that may attend to nothing
    call = dict(attention_mask=torch.tensor(mask), return_attention_scores=scores, use_causal_mask=causal)
    _assert_same(lambda a, b: k(a, b, **call), lambda a, b: t(a, b, **call), [q, v])


def test_multi_head_attention_keras_masks_on_inputs():
    rng = np.random.RandomState(3)
    k, t = _mha_pair({"num_heads": 2, "key_dim": 3}, [(2, 4, 6), (2, 5, 6), (2, 5, 6)], rng)
    arrays = [rng.randn(2, 4, 6).astype("float32"), rng.randn(2, 5, 6).astype("float32"),
              rng.randn(2, 5, 6).astype("float32")]
    masks = [rng.rand(2, 4) > 0.3, rng.rand(2, 5) > 0.3, rng.rand(2, 5) > 0.2]
    _assert_same(k, t, arrays, masks)
    _assert_same(lambda *a: k(*a, return_attention_scores=True), lambda *a: t(*a, return_attention_scores=True),
                 arrays, masks)


def test_multi_head_attention_seeded_dropout_in_training():
    rng = np.random.RandomState(4)
    kwargs = {"num_heads": 2, "key_dim": 3, "dropout": 0.4, "seed": 11}
    k, t = _mha_pair(kwargs, [(2, 4, 6), (2, 5, 6)], rng)
    arrays = [rng.randn(2, 4, 6).astype("float32"), rng.randn(2, 5, 6).astype("float32")]
    for _ in range(2):
        _assert_same(lambda *a: k(*a, training=True, return_attention_scores=True),
                     lambda *a: t(*a, training=True, return_attention_scores=True), arrays)


def test_transformer_block_with_masked_embedding():
    """A functional model: Embedding(mask_zero) -> self-attention -> residual -> LayerNorm -> Dense."""

    def build(lib):
        tokens = lib.Input((6,), dtype="int32")
        x = lib.layers.Embedding(20, 8, mask_zero=True)(tokens)
        attended = lib.layers.MultiHeadAttention(2, 4)(x, x)
        x = lib.layers.LayerNormalization()(lib.layers.Add()([x, attended]))
        x = lib.layers.Dense(8, activation="relu")(x)
        return lib.Model(tokens, lib.layers.BatchNormalization()(x))

    k, t = build(keras), build(torchkeras)
    rng = np.random.RandomState(5)
    t.set_weights([np.asarray(w + rng.uniform(-0.2, 0.2, np.shape(w))).astype("float32") for w in k.get_weights()])
    k.set_weights(t.get_weights())
    ids = np.array([[1, 5, 7, 2, 0, 0], [3, 4, 0, 0, 0, 0], [9, 8, 7, 6, 5, 4]])
    np.testing.assert_allclose(t.predict(ids, verbose=0), k.predict(ids, verbose=0), atol=1e-5)


# --- Attention and AdditiveAttention ---------------------------------------------------------------------
def _attention_pair(name, kwargs, shapes, rng):
    k = getattr(keras.layers, name)(**kwargs)
    t = getattr(layers, name)(**kwargs)
    k.build(list(shapes))
    t.build(list(shapes))
    _jitter(k, t, rng)
    return k, t


ATTENTION_CASES = [
    ("Attention", {}),
    ("Attention", {"use_scale": True}),
    ("Attention", {"score_mode": "concat"}),
    ("Attention", {"use_scale": True, "score_mode": "concat"}),
    ("AdditiveAttention", {}),
    ("AdditiveAttention", {"use_scale": False}),
]


@pytest.mark.parametrize("name,kwargs", ATTENTION_CASES)
@pytest.mark.parametrize("with_key", [False, True])
@pytest.mark.parametrize("call_kwargs", [{}, {"return_attention_scores": True}, {"use_causal_mask": True}])
def test_attention_layers(name, kwargs, with_key, call_kwargs):
    rng = np.random.RandomState(6)
    shapes = [(2, 5, 3), (2, 5, 3)] + ([(2, 5, 3)] if with_key else [])
    k, t = _attention_pair(name, kwargs, shapes, rng)
    arrays = [rng.randn(*s).astype("float32") for s in shapes]
    _assert_same(lambda *a: k(list(a), **call_kwargs), lambda *a: t(list(a), **call_kwargs), arrays)
    assert _json(t.get_config()) == _json(k.get_config())


@pytest.mark.parametrize("name,kwargs", ATTENTION_CASES)
def test_attention_layers_with_masks(name, kwargs):
    rng = np.random.RandomState(7)
    shapes = [(2, 4, 3), (2, 5, 3)]
    k, t = _attention_pair(name, kwargs, shapes, rng)
    arrays = [rng.randn(*s).astype("float32") for s in shapes]
    masks = [torch.tensor(rng.rand(2, 4) > 0.3), torch.tensor(rng.rand(2, 5) > 0.3)]
    call = dict(mask=masks, return_attention_scores=True)
    _assert_same(lambda *a: k(list(a), **call), lambda *a: t(list(a), **call), arrays)


def test_attention_seeded_dropout_in_training():
    rng = np.random.RandomState(8)
    k, t = _attention_pair("Attention", {"dropout": 0.5, "seed": 3}, [(2, 4, 3), (2, 5, 3)], rng)
    arrays = [rng.randn(2, 4, 3).astype("float32"), rng.randn(2, 5, 3).astype("float32")]
    for _ in range(2):
        _assert_same(lambda *a: k(list(a), training=True), lambda *a: t(list(a), training=True), arrays)


def _zoo_model(lib, wrapper=True, attention=True):
    tokens = lib.Input((6,), dtype="int32")
    x = lib.layers.Embedding(20, 8, mask_zero=True)(tokens)
    attended = lib.layers.MultiHeadAttention(2, 4)(x, x) if attention else lib.layers.Dense(8)(x)
    x = lib.layers.LayerNormalization()(lib.layers.Add()([x, attended]))
    x = lib.layers.SpectralNormalization(lib.layers.Dense(8))(x) if wrapper else lib.layers.Dense(8)(x)
    x = lib.layers.Maximum()([lib.layers.PReLU()(x), lib.layers.EinsumDense("abc,cd->abd", (None, 8))(x)])
    x = lib.layers.GroupNormalization(2)(x)
    return lib.Model(tokens, lib.layers.BatchNormalization()(x))


def _round_trip(tmp_path, fmt, wrapper=True, attention=True):
    k, t = _zoo_model(keras, wrapper, attention), _zoo_model(torchkeras, wrapper, attention)
    rng = np.random.RandomState(9)
    t.set_weights([np.asarray(w + rng.uniform(-0.2, 0.2, np.shape(w))).astype("float32") for w in k.get_weights()])
    ids = np.array([[1, 5, 7, 2, 0, 0], [3, 4, 0, 0, 0, 0]])
    expected = t.predict(ids, verbose=0)
    path = str(tmp_path / f"zoo.{fmt}")
    if fmt == "weights.h5":
        t.save_weights(path)
        k.load_weights(path)
        loaded_k = k
    else:
        t.save(path)
        loaded_k = keras.models.load_model(path)
    np.testing.assert_allclose(loaded_k.predict(ids, verbose=0), expected, atol=1e-5)
    back = str(tmp_path / f"back.{fmt}")
    if fmt == "weights.h5":
        loaded_k.save_weights(back)
        t2 = _zoo_model(torchkeras, wrapper, attention)
        t2.load_weights(back)
    else:
        loaded_k.save(back)
        t2 = torchkeras.models.load_model(back)
    result = t2.predict(ids, verbose=0)
    if isinstance(result, list) and len(result) == 1:  # (the legacy .h5 loader may rebuild a one-output list)
        result = result[0]
    np.testing.assert_allclose(result, expected, atol=1e-5)


@pytest.mark.parametrize("fmt", ["keras", "weights.h5"])
def test_saved_files_load_across_libraries(tmp_path, fmt):
    _round_trip(tmp_path, fmt)


def test_legacy_h5_files_load_across_libraries(tmp_path):
    _round_trip(tmp_path, "h5", wrapper=False, attention=False)


@pytest.mark.xfail(strict=True, reason="saving: torchkeras's legacy .h5 writer stores the wrapped layer's config "
                                       "without its `module`, which Keras 3's Wrapper.from_config cannot resolve")
def test_spectral_normalization_in_legacy_h5_loads_in_keras(tmp_path):
    _round_trip(tmp_path, "h5", wrapper=True, attention=False)


@pytest.mark.xfail(strict=True, reason="saving: torchkeras's legacy .h5 writer records Keras 2 inbound nodes "
                                       "(`value` as a node kwarg), which Keras 3 cannot replay for MultiHeadAttention")
def test_multi_head_attention_in_legacy_h5_loads_in_keras(tmp_path):
    _round_trip(tmp_path, "h5", wrapper=False, attention=True)


# --- GroupQueryAttention ---------------------------------------------------------------------------------
@pytest.mark.parametrize("kwargs,call_kwargs", [
    ({}, {}),
    ({"use_bias": False}, {"return_attention_scores": True}),
    ({}, {"use_causal_mask": True}),
    ({"dropout": 0.2}, {"use_causal_mask": True}),
    ({"use_gate": True, "sliding_window": 2}, {}),
    ({}, {"use_causal_mask": True, "return_attention_scores": True}),
])
@pytest.mark.parametrize("with_mask", [False, True])
def test_group_query_attention(kwargs, call_kwargs, with_mask):
    rng = np.random.RandomState(10)
    k = keras.layers.GroupQueryAttention(3, 4, 2, name="gqa", **kwargs)
    t = layers.GroupQueryAttention(3, 4, 2, name="gqa", **kwargs)
    shapes = [(2, 5, 6), (2, 5, 6)]
    k.build(*shapes)
    t.build(*shapes)
    assert [(w.path, tuple(w.shape)) for w in t.weights] == [(w.path, tuple(w.shape)) for w in k.weights]
    _jitter(k, t, rng)
    call = dict(call_kwargs)
    if with_mask:
        call["attention_mask"] = torch.tensor(rng.rand(2, 5, 5) > 0.3)
    arrays = [rng.randn(*s).astype("float32") for s in shapes]
    _assert_same(lambda *a: k(*a, **call), lambda *a: t(*a, **call), arrays)
    assert _json(t.get_config()) == _json(k.get_config())
