"""Quantized Dense, EinsumDense and Embedding: variables, numbers, policies, configs, saving hooks, training."""
import warnings

import numpy as np
import pytest
import torch

import torchkeras as keras
from torchkeras import layers
from torchkeras import quantizers


def _rand(shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype("float32")


def _dense(**kwargs):
    layer = layers.Dense(6, **kwargs)
    layer.build((None, 8))
    return layer


def _weights(layer):
    return [(w.name, str(w.dtype).replace("torch.", ""), tuple(w.shape)) for w in layer.weights]


def _store(layer):
    store = {}
    layer.save_own_variables(store)
    return {k: (v.detach().cpu().numpy() if isinstance(v, torch.Tensor) else np.asarray(v)) for k, v in store.items()}


DENSE_MODES = {
    "int8": [("bias", "float32", (6,)), ("kernel", "int8", (8, 6)), ("kernel_scale", "float32", (6,))],
    "int4": [("bias", "float32", (6,)), ("kernel", "int8", (8, 3)), ("kernel_scale", "float32", (1, 6)),
             ("kernel_zero", "int8", (1, 6)), ("g_idx", "float32", (8,))],
    "float8": [("kernel", "float32", (8, 6)), ("bias", "float32", (6,)), ("inputs_scale", "float32", ()),
               ("inputs_amax_history", "float32", (1024,)), ("kernel_scale", "float32", ()),
               ("kernel_amax_history", "float32", (1024,)), ("outputs_grad_scale", "float32", ()),
               ("outputs_grad_amax_history", "float32", (1024,))],
}


@pytest.mark.parametrize("mode", ["int8", "int4", "float8"])
def test_dense_quantize_replaces_weights_and_keeps_outputs_close(mode):
    layer = _dense(bias_initializer="random_normal")
    x = torch.tensor(_rand((4, 8), 1))
    expected = layer(x).detach()
    layer.quantize(mode)
    assert _weights(layer) == DENSE_MODES[mode]
    assert layer.quantization_mode == mode and layer._is_quantized
    tolerance = {"int8": 0.05, "int4": 0.4, "float8": 0.1}[mode]
    np.testing.assert_allclose(layer(x).detach().numpy(), expected.numpy(), atol=tolerance)
    assert [w.name for w in layer.trainable_weights] == (["bias"] if mode != "float8" else [w[0] for w in
                                                                                            DENSE_MODES[mode]])


def test_int8_dense_numbers_are_the_int8_product_descaled():
    layer = _dense()
    layer.quantize("int8")
    x = torch.tensor(_rand((3, 8), 2))
    x_q, x_scale = quantizers.abs_max_quantize(x, axis=-1)
    exact = (x_q.double() @ layer.kernel.double()).float() / (layer.kernel_scale * x_scale) + layer.bias
    assert torch.equal(layer(x).detach(), exact.detach())


def test_int4_policy_names_carry_the_block_size():
    layer = _dense()
    layer.quantize("int4")
    assert layer.dtype_policy.name == "int4/128_from_float32"
    layer = _dense()
    layer.quantize("int4", config=quantizers.Int4QuantizationConfig(block_size=None))
    assert layer.dtype_policy.name == "int4/-1_from_float32" and not hasattr(layer, "kernel_zero")
    assert tuple(layer.kernel_scale.shape) == (6,)


def test_weight_only_int8_and_custom_weight_quantizer():
    layer = _dense()
    config = quantizers.Int8QuantizationConfig(weight_quantizer=quantizers.AbsMaxQuantizer(axis=0),
                                               activation_quantizer=None)
    float_kernel = layer.kernel.detach().clone()
    layer.quantize("int8", config=config)
    assert layer.inputs_quantizer is None
    x = torch.tensor(_rand((2, 8), 3))
    dequantized = layer.kernel.float() / layer.kernel_scale
    np.testing.assert_allclose(layer(x).detach().numpy(), (x @ dequantized + layer.bias).detach().numpy(),
                               rtol=1e-5, atol=1e-6)
    assert float((dequantized - float_kernel).abs().max()) < 0.02


def test_quantize_errors_like_keras():
    with pytest.raises(ValueError, match="isn't yet built"):
        layers.Dense(3).quantize("int8")
    layer = _dense()
    layer.quantize("int8")
    with pytest.raises(ValueError, match="already quantized"):
        layer.quantize("int4")
    with pytest.raises(ValueError, match="Invalid quantization mode"):
        _dense().quantize("int2")
    with pytest.raises(NotImplementedError, match="GPTQ"):
        _dense().quantize("gptq", config=quantizers.GPTQConfig(dataset=["x"], tokenizer=None))

    class MyDense(layers.Dense):
        pass

    custom = MyDense(3)
    custom.build((None, 4))
    with pytest.raises(NotImplementedError, match="does not have a `quantize` method"):
        custom.quantize("int8")
    custom.quantize("int8", type_check=False)
    assert custom.quantization_mode == "int8"
    embedding = layers.Embedding(5, 3)
    embedding.build()
    with pytest.raises(NotImplementedError, match=r"Expected one of \('int8', 'int4'\)"):
        embedding.quantize("float8")


def test_setting_a_quantized_dtype_policy_quantizes_a_built_layer():
    layer = _dense()
    layer.dtype_policy = "int8_from_float32"
    assert layer.kernel.dtype == torch.int8 and layer._is_quantized
    with pytest.raises(ValueError, match="Implicitly enabling GPTQ"):
        _dense().dtype_policy = "gptq/4/128_from_float32"


def test_quantization_config_argument_is_checked_not_ignored():
    with pytest.raises(ValueError, match="is not quantized"):
        layers.Dense(3, quantization_config=quantizers.Int8QuantizationConfig())
    with pytest.raises(ValueError, match="Contradictory"):
        layers.Dense(3, dtype="int8_from_float32", quantization_config=quantizers.Int4QuantizationConfig())
    with pytest.raises(ValueError, match="must be an instance"):
        layers.Embedding(4, 2, dtype="int8_from_float32", quantization_config="int8")
    config = quantizers.Int4QuantizationConfig(block_size=4)
    layer = layers.Dense(3, dtype="int4_from_float32", quantization_config=config)
    layer.build((None, 8))
    assert tuple(layer.kernel_scale.shape) == (2, 3)  # the config's block size decides the layout


@pytest.mark.parametrize("mode", ["int8", "int4", "float8"])
def test_dense_config_round_trip_builds_the_quantized_layout(mode):
    layer = _dense(activation="relu")
    layer.quantize(mode)
    config = layer.get_config()
    assert config["dtype"]["class_name"] in ("QuantizedDTypePolicy", "Int4DTypePolicy", "QuantizedFloat8DTypePolicy")
    assert config["quantization_config"]["class_name"].startswith(mode.capitalize())
    clone = layers.Dense.from_config(config)
    clone.build((None, 8))
    assert _weights(clone) == (_weights(layer) if mode != "float8" else
                               [_weights(layer)[i] for i in (2, 3, 4, 5, 6, 7, 0, 1)])
    clone.load_own_variables(_store(layer))
    x = torch.tensor(_rand((2, 8), 4))
    assert torch.equal(clone(x), layer(x))


def test_save_hooks_follow_keras_variable_order():
    layer = _dense()
    layer.quantize("int8")
    store = _store(layer)
    assert [store[k].dtype for k in ("0", "1", "2")] == [np.int8, np.float32, np.float32]
    assert store["0"].shape == (8, 6) and store["1"].shape == (6,)
    with pytest.raises(ValueError, match="expected 3 variables, but received 2"):
        _loaded = _dense(dtype="int8_from_float32")
        _loaded.load_own_variables({"0": store["0"], "1": store["1"]})
    fresh = _dense(dtype="int8_from_float32")
    bad = dict(store, **{"0": store["0"].astype("float32")})
    with pytest.raises(ValueError, match="quantized in the same mode"):
        fresh.load_own_variables(bad)
    assert int(fresh.kernel.abs().sum()) == 0  # nothing was assigned


EINSUM_CASES = [("abc,cd->abd", (None, 6), "d", (None, 4, 8)), ("abc,cde->abde", (None, 2, 3), "de", (None, 4, 8)),
                ("abcd,cde->abe", (None, 5), "e", (None, 4, 2, 3)), ("abc,dc->abd", (None, 6), None, (None, 4, 8)),
                ("...b,bc->...c", 6, "c", (None, 3, 8))]


@pytest.mark.parametrize("mode", ["int8", "int4", "float8"])
@pytest.mark.parametrize("equation, output_shape, bias_axes, input_shape", EINSUM_CASES,
                         ids=[c[0] for c in EINSUM_CASES])
def test_einsum_dense_quantize(mode, equation, output_shape, bias_axes, input_shape):
    layer = layers.EinsumDense(equation, output_shape, bias_axes=bias_axes)
    layer.build(input_shape)
    x = torch.tensor(_rand((2,) + input_shape[1:], 5), requires_grad=True)
    expected = layer(x).detach()
    layer.quantize(mode)
    out = layer(x)
    tolerance = {"int8": 0.08, "int4": 0.6, "float8": 0.15}[mode]
    np.testing.assert_allclose(out.detach().numpy(), expected.numpy(), atol=tolerance)
    out.sum().backward()
    assert x.grad is not None and x.grad.shape == x.shape
    clone = layers.EinsumDense.from_config(layer.get_config())
    clone.build(input_shape)
    clone.load_own_variables(_store(layer))
    assert torch.equal(clone(x.detach()), out.detach())


def test_einsum_int8_kernel_scale_broadcasts_to_the_output():
    layer = layers.EinsumDense("abc,cde->abde", (None, 2, 3), bias_axes="de")
    layer.build((None, 4, 8))
    layer.quantize("int8")
    assert tuple(layer.kernel.shape) == (8, 2, 3) and tuple(layer.kernel_scale.shape) == (1, 1, 2, 3)
    assert layer.quantization_axis == (2,)


@pytest.mark.parametrize("mode, block", [("int8", None), ("int4", None), ("int4", 4)])
def test_embedding_quantize(mode, block):
    layer = layers.Embedding(20, 10)
    layer.build()
    ids = torch.tensor(np.random.default_rng(0).integers(0, 20, (3, 5)))
    expected = layer(ids).detach()
    config = quantizers.Int4QuantizationConfig(block_size=block) if mode == "int4" else None
    layer.quantize(mode, config=config)
    np.testing.assert_allclose(layer(ids).numpy(), expected.numpy(), atol=0.05 if mode == "int8" else 0.02)
    names = [w.name for w in layer.weights]
    assert names[:2] == ["embeddings", "embeddings_scale"] and (("g_idx" in names) == (block is not None))
    clone = layers.Embedding.from_config(layer.get_config())
    clone.build()
    clone.load_own_variables(_store(layer))
    assert torch.equal(clone(ids), layer(ids))


def test_model_quantize_filters():
    def model():
        return keras.Sequential([keras.Input((4,)), layers.Dense(8, name="dense_1"), layers.Dense(8, name="dense_2"),
                                 layers.Dense(2, name="output_head")])

    m = model()
    m.quantize("int8", filters=["dense", "^((?!output).)*$"])
    assert [layer.quantization_mode for layer in m.layers] == ["int8", "int8", None]
    m = model()
    m.quantize("int8", filters=lambda layer: layer.name == "dense_2")
    assert [layer.quantization_mode for layer in m.layers] == [None, "int8", None]
    m = model()
    m.quantize("int8", filters="output")
    assert [layer.quantization_mode for layer in m.layers] == [None, None, "int8"]
    with pytest.raises(ValueError, match="`filters` argument must be"):
        model().quantize("int8", filters=3)
    with pytest.raises(ValueError, match="Unrecognized keyword"):
        model().quantize("int8", foo=1)


def test_model_quantize_warns_for_leaf_layers_that_cannot_quantize():
    m = keras.Sequential([keras.Input((4,)), layers.Dense(3), layers.Dropout(0.1), layers.Dense(2)])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        m.quantize("int4")
    assert any("Dropout does not have a `quantize` method" in str(w.message) for w in caught)
    assert m.predict(np.ones((2, 4), "float32"), verbose=0).shape == (2, 2)


def test_quantized_model_trains_bias_and_passes_gradients_to_inputs():
    x, y = _rand((32, 4), 6), _rand((32, 2), 7)
    m = keras.Sequential([keras.Input((4,)), layers.Dense(8, activation="relu"), layers.Dense(2)])
    m.quantize("int8")
    kernels = [layer.kernel.detach().clone() for layer in m.layers]
    m.compile(optimizer="sgd", loss="mse")
    history = m.fit(x, y, epochs=3, batch_size=8, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert all(torch.equal(k, layer.kernel) for k, layer in zip(kernels, m.layers))


def test_float8_training_updates_scales_and_histories():
    x, y = _rand((16, 8), 8), _rand((16, 6), 9)
    m = keras.Sequential([keras.Input((8,)), layers.Dense(6)])
    m.quantize("float8")
    m.compile(optimizer="sgd", loss="mse")
    m.fit(x, y, epochs=1, batch_size=8, verbose=0, shuffle=False)
    layer = m.layers[0]
    history = layer.inputs_amax_history.detach().numpy()
    np.testing.assert_array_equal(history[[0, -1]], [np.abs(x[8:]).max(), np.abs(x[:8]).max()])
    assert float(layer.inputs_scale.detach()) != 1.0 and float(layer.outputs_grad_amax_history.detach().max()) > 0


def test_count_params_and_summary_bytes():
    m = keras.Sequential([keras.Input((8,)), layers.Dense(4), layers.Dense(3)])
    m.quantize("int8")
    assert m.count_params() == 58
    lines = []
    m.summary(print_fn=lines.append)
    text = "\n".join(lines)
    assert "Total params: 58 (100.00 B)" in text and "Non-trainable params: 51 (72.00 B)" in text


def test_float8_inference_through_scaled_mm_matches_the_dequantized_product(monkeypatch):
    """The `torch._scaled_mm` path (CUDA in use; exercised here on CPU) gives the float8 product of Keras's
    dequantized operands."""
    from torchkeras.quantizers import kernels

    layer = _dense()
    layer.quantize("float8")
    with torch.no_grad():
        layer.inputs_scale.fill_(0.01)
        layer.kernel_scale.fill_(0.002)
    x = torch.tensor(_rand((16, 8), 10))
    with torch.no_grad():
        expected = layer(x)
        monkeypatch.setattr(kernels, "FLOAT8_GEMM_DEVICES", ("cuda", "cpu"))
        got = layer(x)
    np.testing.assert_allclose(got.numpy(), expected.numpy(), rtol=1e-4, atol=1e-4)
    calls = []
    monkeypatch.setattr(torch, "_scaled_mm", lambda *a, **k: calls.append(1) or torch.zeros(16, 6))
    with torch.no_grad():
        layer(x)
    assert calls  # the layer did take the float8 GEMM path


def test_int8_matmul_falls_back_to_exact_int32_when_int_mm_is_unavailable(monkeypatch):
    from torchkeras.quantizers import kernels

    a = torch.randint(-127, 128, (5, 33), dtype=torch.int8)
    b = torch.randint(-127, 128, (33, 7), dtype=torch.int8)
    expected = kernels.int8_matmul(a, b)

    def unavailable(*args):
        raise RuntimeError("no int8 GEMM here")

    monkeypatch.setattr(torch, "_int_mm", unavailable)
    got = kernels.int8_matmul(a.reshape(5, 1, 33), b)
    assert got.dtype == torch.int32 and torch.equal(got.reshape(5, 7), expected)
    assert torch.equal(expected, a.to(torch.int32) @ b.to(torch.int32))


@pytest.mark.parametrize("tie_weights", [True, False])
@pytest.mark.parametrize("mode, block", [("int8", None), ("int4", None), ("int4", 4)])
def test_reversible_embedding_quantize_both_directions(tie_weights, mode, block):
    layer = layers.ReversibleEmbedding(20, 10, tie_weights=tie_weights)
    layer.build()
    ids = torch.tensor(np.random.default_rng(0).integers(0, 20, (3, 5)))
    hidden = torch.tensor(_rand((3, 5, 10), 11))
    expected_forward, expected_reverse = layer(ids).detach(), layer(hidden, reverse=True).detach()
    config = quantizers.Int4QuantizationConfig(block_size=block) if mode == "int4" else None
    layer.quantize(mode, config=config)
    assert ("reverse_embeddings" in [w.name for w in layer.weights]) == (not tie_weights)
    np.testing.assert_allclose(layer(ids).numpy(), expected_forward.numpy(), atol=0.05)
    if block is None:  # (small blocks of one sign saturate Keras's int4 zero point, so only check these)
        scale = float(expected_reverse.abs().max())
        assert float((layer(hidden, reverse=True) - expected_reverse).abs().max()) < 0.2 * scale
    clone = layers.ReversibleEmbedding.from_config(layer.get_config())
    clone.build()
    clone.load_own_variables(_store(layer))
    assert torch.equal(clone(hidden, reverse=True), layer(hidden, reverse=True))
