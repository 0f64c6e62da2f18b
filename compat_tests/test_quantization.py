"""Quantization beside real Keras 3 (torch backend): the same float model quantized in both gives the same
quantized weights (bit for bit), scales, variable names and order, configs, saved variables (and each side loads
the other's), outputs, input gradients and training steps."""
import json
import warnings

import keras  # noqa: E402  (compat_tests/conftest.py skips the module when Keras is missing)
import numpy as np
import pytest
import torch

import torchkeras as tk


def _rand(shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype("float32")


def _np(x):
    if isinstance(x, torch.Tensor):
        return x.detach().cpu().numpy()
    return keras.ops.convert_to_numpy(x)


def _json(config):
    return json.loads(json.dumps(config))


def _names(layer):
    return [(w.name, str(w.dtype).replace("torch.", ""), tuple(w.shape)) for w in layer.weights]


def _store(layer):
    store = {}
    layer.save_own_variables(store)
    return {k: _np(v) for k, v in store.items()}


def _configs(mode, block_size):
    if mode != "int4":
        return None, None
    return (keras.quantizers.Int4QuantizationConfig(block_size=block_size),
            tk.quantizers.Int4QuantizationConfig(block_size=block_size))


MODES = [("int8", None), ("int4", 128), ("int4", None), ("int4", 4), ("float8", None)]
MODE_IDS = ["int8", "int4-128", "int4-per-channel", "int4-block4", "float8"]


def _check_pair(kl, tl, x, exact=True):
    """Same variables, values, config, stores (both ways), outputs and input gradients."""
    assert _names(tl) == _names(kl)
    for a, b in zip(kl.get_weights(), tl.get_weights()):
        assert a.dtype == b.dtype
        np.testing.assert_array_equal(b, a)
    config_k, config_t = _json(kl.get_config()), _json(tl.get_config())
    config_k.pop("name"), config_t.pop("name")
    assert config_t == config_k
    store_k, store_t = _store(kl), _store(tl)
    assert list(store_t) == list(store_k)
    for key in store_k:
        assert store_t[key].dtype == store_k[key].dtype
        np.testing.assert_array_equal(store_t[key], store_k[key])
    is_int = not np.issubdtype(x.dtype, np.floating)
    xk = torch.tensor(x) if is_int else torch.tensor(x, requires_grad=True)
    xt = torch.tensor(x) if is_int else torch.tensor(x, requires_grad=True)
    out_k, out_t = kl(xk), tl(xt)
    if exact:
        np.testing.assert_array_equal(_np(out_t), _np(out_k))
    else:
        np.testing.assert_allclose(_np(out_t), _np(out_k), rtol=1e-5, atol=1e-5)
    if not is_int:
        r = torch.tensor(_rand(tuple(out_k.shape), 9))
        gk, = torch.autograd.grad((out_k * r).sum(), xk)
        gt, = torch.autograd.grad((out_t * r).sum(), xt)
        np.testing.assert_allclose(_np(gt), _np(gk), rtol=1e-5, atol=1e-5)
    return store_k, store_t


def _cross_load(make_k, make_t, build, store_k, store_t, x):
    """A fresh layer on each side, built from the other side's config, loads the other side's store."""
    k2, t2 = make_k(), make_t()
    build(k2), build(t2)
    k2.load_own_variables(store_t)
    t2.load_own_variables(store_k)
    np.testing.assert_allclose(_np(t2(torch.tensor(x))), _np(k2(torch.tensor(x))), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("mode, block_size", MODES, ids=MODE_IDS)
def test_dense(mode, block_size):
    kl = keras.layers.Dense(6, bias_initializer="random_normal")
    tl = tk.layers.Dense(6, bias_initializer="random_normal")
    kl.build((None, 8)), tl.build((None, 8))
    tl.set_weights(kl.get_weights())
    kc, tc = _configs(mode, block_size)
    kl.quantize(mode, config=kc), tl.quantize(mode, config=tc)
    x = _rand((5, 8), 1)
    store_k, store_t = _check_pair(kl, tl, x)
    _cross_load(lambda: keras.layers.Dense.from_config(tl.get_config()),
                lambda: tk.layers.Dense.from_config(kl.get_config()), lambda layer: layer.build((None, 8)),
                store_k, store_t, x)


EINSUM = [("ab,bc->ac", (8,), (6,), "c"), ("abc,cd->abd", (4, 8), (None, 6), "d"),
          ("abc,cde->abde", (4, 8), (None, 2, 3), "de"), ("abcd,cde->abe", (4, 2, 3), (None, 5), "e"),
          ("abc,dc->abd", (4, 8), (None, 6), None), ("ab,bcd->acd", (8,), (2, 3), "cd")]


@pytest.mark.parametrize("mode, block_size", MODES, ids=MODE_IDS)
@pytest.mark.parametrize("equation, input_shape, output_shape, bias_axes", EINSUM, ids=[c[0] for c in EINSUM])
def test_einsum_dense(mode, block_size, equation, input_shape, output_shape, bias_axes):
    kl = keras.layers.EinsumDense(equation, output_shape, bias_axes=bias_axes, bias_initializer="random_normal")
    tl = tk.layers.EinsumDense(equation, output_shape, bias_axes=bias_axes, bias_initializer="random_normal")
    kl.build((None,) + input_shape), tl.build((None,) + input_shape)
    tl.set_weights(kl.get_weights())
    kc, tc = _configs(mode, block_size)
    kl.quantize(mode, config=kc), tl.quantize(mode, config=tc)
    x = _rand((3,) + input_shape, 2)
    store_k, store_t = _check_pair(kl, tl, x, exact=mode != "float8")
    _cross_load(lambda: keras.layers.EinsumDense.from_config(tl.get_config()),
                lambda: tk.layers.EinsumDense.from_config(kl.get_config()),
                lambda layer: layer.build((None,) + input_shape), store_k, store_t, x)


@pytest.mark.parametrize("mode, block_size", [m for m in MODES if m[0] != "float8"], ids=MODE_IDS[:-1])
def test_embedding(mode, block_size):
    kl, tl = keras.layers.Embedding(20, 10), tk.layers.Embedding(20, 10)
    kl.build(), tl.build()
    tl.set_weights(kl.get_weights())
    kc, tc = _configs(mode, block_size)
    kl.quantize(mode, config=kc), tl.quantize(mode, config=tc)
    ids = np.random.default_rng(3).integers(0, 20, (4, 7))
    store_k, store_t = _check_pair(kl, tl, ids)
    _cross_load(lambda: keras.layers.Embedding.from_config(tl.get_config()),
                lambda: tk.layers.Embedding.from_config(kl.get_config()), lambda layer: layer.build(),
                store_k, store_t, ids)


def test_custom_int8_config_weight_only():
    def config(k):
        return k.quantizers.Int8QuantizationConfig(weight_quantizer=k.quantizers.AbsMaxQuantizer(axis=0),
                                                   activation_quantizer=None)

    kl, tl = keras.layers.Dense(6), tk.layers.Dense(6)
    kl.build((None, 8)), tl.build((None, 8))
    tl.set_weights(kl.get_weights())
    kl.quantize("int8", config=config(keras)), tl.quantize("int8", config=config(tk))
    _check_pair(kl, tl, _rand((4, 8), 4), exact=False)


# --- the functions ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("to_numpy", [False, True])
@pytest.mark.parametrize("axis", [0, -1, (0, 1)])
def test_abs_max_quantize(to_numpy, axis):
    x = _rand((16, 9), 5)
    for a, b in zip(keras.quantizers.abs_max_quantize(x, axis, to_numpy=to_numpy),
                    tk.quantizers.abs_max_quantize(x, axis, to_numpy=to_numpy)):
        np.testing.assert_array_equal(_np(b), _np(a))


@pytest.mark.parametrize("to_numpy", [False, True])
@pytest.mark.parametrize("block_size", [3, 4, 16])
def test_grouped_with_zero_point(to_numpy, block_size):
    x = _rand((10, 6), 6)
    for a, b in zip(keras.quantizers.abs_max_quantize_grouped_with_zero_point(x, block_size, to_numpy=to_numpy),
                    tk.quantizers.abs_max_quantize_grouped_with_zero_point(x, block_size, to_numpy=to_numpy)):
        assert _np(a).dtype == _np(b).dtype
        np.testing.assert_array_equal(_np(b), _np(a))


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_pack_unpack_int4(axis):
    x = np.random.default_rng(7).integers(-8, 8, (5, 7, 3)).astype("int8")
    packed_k, shape_k, n_k = keras.quantizers.pack_int4(x, axis=axis)
    packed_t, shape_t, n_t = tk.quantizers.pack_int4(x, axis=axis)
    np.testing.assert_array_equal(_np(packed_t), _np(packed_k))
    assert (shape_t, n_t) == (tuple(shape_k), n_k)
    np.testing.assert_array_equal(_np(tk.quantizers.unpack_int4(packed_t, n_t, axis=axis)),
                                  _np(keras.quantizers.unpack_int4(packed_k, n_k, axis=axis)))


def test_float8_functions():
    history = np.abs(_rand((8,), 8))
    for amax in (3.0, 0.0, float("inf")):
        np.testing.assert_array_equal(_np(tk.quantizers.compute_float8_scale(torch.tensor(amax), torch.tensor(0.5),
                                                                             448.0)),
                                      _np(keras.quantizers.compute_float8_scale(torch.tensor(amax),
                                                                                torch.tensor(0.5), 448.0)))
    x = torch.tensor(_rand((4, 4), 9))
    np.testing.assert_array_equal(_np(tk.quantizers.compute_float8_amax_history(x, torch.tensor(history))),
                                  _np(keras.quantizers.compute_float8_amax_history(x, torch.tensor(history))))
    for dtype in ("float8_e4m3fn", "float8_e5m2"):
        np.testing.assert_array_equal(
            _np(tk.quantizers.quantize_and_dequantize(x * 100, torch.tensor(0.25), dtype, "float32")),
            _np(keras.quantizers.quantize_and_dequantize(x * 100, torch.tensor(0.25), dtype, "float32")))


@pytest.mark.parametrize("axis, narrow", [(None, False), (None, True), (-1, False)])
def test_fake_quant_values_and_gradients(axis, narrow):
    x = _rand((6, 3), 10) * 3
    lo = np.array([-2.0, -1.0, -0.5], "float32") if axis is not None else np.array(-2.0, "float32")
    hi = np.array([2.0, 1.5, 0.5], "float32") if axis is not None else np.array(1.7, "float32")
    results = []
    for k in (keras, tk):
        xs, los, his = (torch.tensor(v, requires_grad=True) for v in (x, lo, hi))
        out = k.quantizers.fake_quant_with_min_max_vars(xs, los, his, num_bits=4, narrow_range=narrow, axis=axis)
        grads = torch.autograd.grad((out * torch.tensor(_rand(x.shape, 11))).sum(), [xs, los, his])
        results.append([_np(out)] + [_np(g) for g in grads])
    for a, b in zip(*results):
        np.testing.assert_allclose(b, a, rtol=1e-6, atol=1e-6)


def test_compute_quantization_parameters():
    from keras.src.quantizers.quantizers import compute_quantization_parameters as keras_params

    w = torch.tensor(_rand((6, 10), 12))
    for kwargs in ({"per_channel": True, "group_size": 4}, {"per_channel": False}, {"per_channel": True},
                   {"per_channel": True, "symmetric": True, "signed": True}, {"epsilon": 1e-3, "signed": True}):
        a = keras_params(w, bits=4, **kwargs)
        b = tk.quantizers.compute_quantization_parameters(w, bits=4, **kwargs)
        for u, v in zip(a, b):
            np.testing.assert_array_equal(_np(v), _np(u))


# --- policies, configs, models ----------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["int8_from_float32", "int4_from_float32", "int4/64_from_mixed_bfloat16",
                                  "float8_from_float32", "gptq/4/128_from_float32", "awq/4/-1_from_float32",
                                  "float32", "mixed_float16"])
def test_dtype_policy_configs(name):
    kp, tp = keras.dtype_policies.get(name), tk.dtype_policies.get(name)
    assert type(tp).__name__ == type(kp).__name__ and tp.name == kp.name
    assert _json(tk.dtype_policies.serialize(tp)) == _json(keras.dtype_policies.serialize(kp))
    assert tk.dtype_policies.deserialize(keras.dtype_policies.serialize(kp)).name == kp.name
    assert (tp.compute_dtype, tp.variable_dtype, tp.quantization_mode) == \
        (kp.compute_dtype, kp.variable_dtype, kp.quantization_mode)


def test_dtype_policy_map_config():
    def make(k):
        policy_map = k.dtype_policies.DTypePolicyMap()
        policy_map["block/dense"] = k.dtype_policies.get("int8_from_float32")
        policy_map["block/.*"] = k.dtype_policies.get("bfloat16")
        return policy_map

    assert _json(tk.dtype_policies.serialize(make(tk))) == _json(keras.dtype_policies.serialize(make(keras)))
    restored_k = keras.dtype_policies.deserialize(keras.dtype_policies.serialize(make(keras)))
    restored = tk.dtype_policies.deserialize(keras.dtype_policies.serialize(make(keras)))
    # Without a default policy, the entries are written without their source dtype (the global one applies).
    for path in ("block/dense", "block/x", "other"):
        assert (restored[path].name, restored[path].quantization_mode) == \
            (restored_k[path].name, restored_k[path].quantization_mode)


@pytest.mark.parametrize("make", [
    lambda k: k.quantizers.Int8QuantizationConfig(),
    lambda k: k.quantizers.Int8QuantizationConfig(weight_quantizer=k.quantizers.AbsMaxQuantizer(axis=0),
                                                  activation_quantizer=None),
    lambda k: k.quantizers.Int4QuantizationConfig(block_size=32),
    lambda k: k.quantizers.Float8QuantizationConfig(),
    lambda k: k.quantizers.GPTQConfig(dataset=None, tokenizer=None, weight_bits=3),
    lambda k: k.quantizers.AWQConfig(dataset=None, tokenizer=None, group_size=64),
])
def test_quantization_config_serialization(make):
    ck, ct = keras.quantizers.serialize(make(keras)), tk.quantizers.serialize(make(tk))
    assert _json(ct) == _json(ck)
    assert tk.quantizers.deserialize(_json(ck)).get_config() == make(tk).get_config()


def _mlp(k):
    return k.Sequential([k.Input((8,)), k.layers.Dense(16, activation="relu", name="dense_1"),
                         k.layers.Dense(3, name="output_head")])


@pytest.mark.parametrize("mode", ["int8", "int4", "float8"])
def test_model_quantize_fit_and_summary(mode):
    km, tm = _mlp(keras), _mlp(tk)
    tm.set_weights(km.get_weights())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        km.quantize(mode, filters=None)
    tm.quantize(mode)
    lines_k, lines_t = [], []
    km.summary(print_fn=lines_k.append), tm.summary(print_fn=lines_t.append)
    assert [line for line in "\n".join(lines_t).splitlines() if "params" in line] == \
        [line for line in "\n".join(lines_k).splitlines() if "params" in line]
    assert tm.count_params() == km.count_params()
    x, y = _rand((32, 8), 13), _rand((32, 3), 14)
    km.compile(optimizer=keras.optimizers.SGD(0.05), loss="mse")
    tm.compile(optimizer=tk.optimizers.SGD(0.05), loss="mse")
    hk = km.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    ht = tm.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    np.testing.assert_allclose(ht.history["loss"], hk.history["loss"], rtol=1e-5)
    for a, b in zip(km.get_weights(), tm.get_weights()):
        np.testing.assert_allclose(b, a, rtol=1e-5, atol=1e-6)


def test_model_quantize_filters_select_the_same_layers():
    for filters in (["dense", "^((?!output).)*$"], "output", lambda layer: layer.name == "dense_1"):
        km, tm = _mlp(keras), _mlp(tk)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            km.quantize("int8", filters=filters)
        tm.quantize("int8", filters=filters)
        assert [la.quantization_mode for la in tm.layers] == [la.quantization_mode for la in km.layers]


def test_multi_head_attention_quantizes_its_projections():
    def model(k):
        inputs = k.Input((5, 8))
        return k.Model(inputs, k.layers.MultiHeadAttention(2, 4, name="mha")(inputs, inputs))

    km, tm = model(keras), model(tk)
    tm.set_weights(km.get_weights())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        km.quantize("int8")
        tm.quantize("int8")
    assert [(w.path, str(w.dtype).replace("torch.", "")) for w in tm.weights] == \
        [(w.path, w.dtype) for w in km.weights]
    for a, b in zip(km.get_weights(), tm.get_weights()):
        np.testing.assert_array_equal(b, a)
    x = _rand((2, 5, 8), 15)
    np.testing.assert_allclose(tm.predict(x, verbose=0), km.predict(x, verbose=0), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("tie_weights", [True, False])
@pytest.mark.parametrize("mode, block_size", [m for m in MODES if m[0] != "float8"], ids=MODE_IDS[:-1])
def test_reversible_embedding(tie_weights, mode, block_size):
    kl = keras.layers.ReversibleEmbedding(20, 10, tie_weights=tie_weights, logit_soft_cap=5.0)
    tl = tk.layers.ReversibleEmbedding(20, 10, tie_weights=tie_weights, logit_soft_cap=5.0)
    kl.build(), tl.build()
    tl.set_weights(kl.get_weights())
    kc, tc = _configs(mode, block_size)
    kl.quantize(mode, config=kc), tl.quantize(mode, config=tc)
    ids = np.random.default_rng(3).integers(0, 20, (4, 7))
    store_k, store_t = _check_pair(kl, tl, ids)
    hidden = _rand((4, 7, 10), 4)
    np.testing.assert_array_equal(_np(tl(torch.tensor(hidden), reverse=True)),
                                  _np(kl(torch.tensor(hidden), reverse=True)))
    _cross_load(lambda: keras.layers.ReversibleEmbedding.from_config(tl.get_config()),
                lambda: tk.layers.ReversibleEmbedding.from_config(kl.get_config()), lambda layer: layer.build(),
                store_k, store_t, ids)
