"""Quantization configs and quantized dtype policies: validation, resolution, serialization."""
import pytest

import torchkeras as keras
from torchkeras import dtype_policies
from torchkeras import quantizers
from torchkeras.quantizers.quantization_config import validate_and_resolve_config


def test_resolve_default_configs_per_mode():
    assert isinstance(validate_and_resolve_config("int8", None), quantizers.Int8QuantizationConfig)
    int4 = validate_and_resolve_config("int4", None)
    assert isinstance(int4, quantizers.Int4QuantizationConfig) and int4.block_size == 128
    assert validate_and_resolve_config(None, "float8").mode == "float8"
    with pytest.raises(ValueError, match="GPTQConfig"):
        validate_and_resolve_config("gptq", None)
    with pytest.raises(ValueError, match="Invalid quantization mode"):
        validate_and_resolve_config("int3", None)
    with pytest.raises(ValueError, match="either `mode` or `config`"):
        validate_and_resolve_config(None, None)
    with pytest.raises(ValueError, match="Contradictory"):
        validate_and_resolve_config("int8", quantizers.Int4QuantizationConfig())
    with pytest.raises(ValueError, match="instance of `QuantizationConfig`"):
        validate_and_resolve_config("int8", {"mode": "int8"})


def test_int8_and_int4_config_checks():
    assert isinstance(quantizers.Int8QuantizationConfig().activation_quantizer, quantizers.AbsMaxQuantizer)
    assert quantizers.Int8QuantizationConfig(activation_quantizer=None).activation_quantizer is None
    with pytest.raises(ValueError, match="output_dtype='int8'"):
        quantizers.Int8QuantizationConfig(weight_quantizer=quantizers.AbsMaxQuantizer(output_dtype="int16"))
    with pytest.raises(ValueError, match="block_size must be"):
        quantizers.Int4QuantizationConfig(block_size=0)
    with pytest.raises(ValueError, match="does not support custom quantizers"):
        quantizers.Int4QuantizationConfig(weight_quantizer=quantizers.AbsMaxQuantizer(value_range=(-8, 7)))
    with pytest.raises(ValueError, match=r"value_range=\(-8, 7\)"):
        quantizers.Int4QuantizationConfig(weight_quantizer=quantizers.AbsMaxQuantizer(), block_size=None)
    assert quantizers.Int4QuantizationConfig.from_config({"weight_quantizer": None,
                                                         "activation_quantizer": None}).block_size is None


@pytest.mark.parametrize("config", [
    quantizers.Int8QuantizationConfig(),
    quantizers.Int8QuantizationConfig(weight_quantizer=quantizers.AbsMaxQuantizer(axis=0), activation_quantizer=None),
    quantizers.Int4QuantizationConfig(block_size=64),
    quantizers.Float8QuantizationConfig(),
], ids=lambda c: type(c).__name__)
def test_configs_round_trip_through_serialize(config):
    data = quantizers.serialize(config)
    assert data["module"] == "keras.quantizers" and data["class_name"] == type(config).__name__
    restored = quantizers.deserialize(data)
    assert type(restored) is type(config) and restored.get_config() == config.get_config()


def test_gptq_and_awq_configs_validate_and_name_their_policy():
    gptq = quantizers.GPTQConfig(dataset=["a"], tokenizer=None, weight_bits=3, group_size=-1)
    assert gptq.mode == "gptq" and gptq.dtype_policy_string() == "gptq/3/-1"
    assert gptq.get_config()["dataset"] is None
    with pytest.raises(ValueError, match="Unsupported weight_bits"):
        quantizers.GPTQConfig(None, None, weight_bits=5)
    awq = quantizers.AWQConfig(dataset=None, tokenizer=None, group_size=64)
    assert awq.dtype_policy_string() == "awq/4/64"
    with pytest.raises(ValueError, match="only supports 4-bit"):
        quantizers.AWQConfig(None, None, weight_bits=8)


def test_public_names_exist_like_keras():
    assert "quantizers" in dir(keras) and keras.Quantizer is quantizers.Quantizer
    assert keras.FloatDTypePolicy is dtype_policies.FloatDTypePolicy
    for name in ("Quantizer", "AbsMaxQuantizer", "QuantizationConfig", "Int8QuantizationConfig",
                 "Int4QuantizationConfig", "Float8QuantizationConfig", "GPTQConfig", "AWQConfig", "abs_max_quantize",
                 "abs_max_quantize_grouped_with_zero_point", "compute_float8_amax_history", "compute_float8_scale",
                 "fake_quant_with_min_max_vars", "pack_int4", "unpack_int4", "quantize_and_dequantize", "serialize",
                 "deserialize", "get"):
        assert callable(getattr(keras.quantizers, name)), name
    for name in ("DTypePolicy", "FloatDTypePolicy", "QuantizedDTypePolicy", "QuantizedFloat8DTypePolicy",
                 "Int4DTypePolicy", "GPTQDTypePolicy", "AWQDTypePolicy", "DTypePolicyMap", "get", "serialize",
                 "deserialize"):
        assert hasattr(keras.dtype_policies, name), name


@pytest.mark.parametrize("name, cls, mode", [
    ("int8_from_float32", dtype_policies.QuantizedDTypePolicy, "int8"),
    ("int8_from_mixed_bfloat16", dtype_policies.QuantizedDTypePolicy, "int8"),
    ("int4_from_float32", dtype_policies.QuantizedDTypePolicy, "int4"),
    ("int4/128_from_float32", dtype_policies.Int4DTypePolicy, "int4"),
    ("float8_from_float32", dtype_policies.QuantizedFloat8DTypePolicy, "float8"),
    ("gptq/4/128_from_float32", dtype_policies.GPTQDTypePolicy, "gptq"),
    ("awq/4/-1_from_bfloat16", dtype_policies.AWQDTypePolicy, "awq"),
])
def test_quantized_policy_strings(name, cls, mode):
    policy = dtype_policies.get(name)
    assert type(policy) is cls and policy.quantization_mode == mode and policy.name == name
    restored = dtype_policies.deserialize(dtype_policies.serialize(policy))
    assert restored == policy and restored.name == name


def test_quantized_policy_dtypes_and_errors():
    policy = dtype_policies.get("int8_from_mixed_bfloat16")
    assert policy.compute_dtype == "bfloat16" and policy.variable_dtype == "float32"
    assert dtype_policies.get("float32").quantization_mode is None
    with pytest.raises(ValueError, match="doesn't work well with compute_dtype='float16'"):
        dtype_policies.QuantizedDTypePolicy("int8", "float16")
    with pytest.raises(ValueError, match="Invalid mode for Int4DTypePolicy"):
        dtype_policies.Int4DTypePolicy("int4")
    with pytest.raises(ValueError, match="Supported values are 2, 3, 4, and 8"):
        dtype_policies.GPTQDTypePolicy("gptq/5/128", "float32")
    with pytest.raises(ValueError, match="valid pair"):
        dtype_policies.get("int8_float32")
    with pytest.raises(TypeError, match="amax_history_length"):
        dtype_policies.QuantizedFloat8DTypePolicy("float8", "float32", amax_history_length=1.5)
    assert dtype_policies.QuantizedFloat8DTypePolicy("float8", "float32", 16).get_config() == {
        "mode": "float8", "source_name": "float32", "amax_history_length": 16}


def test_policy_equality_distinguishes_classes():
    assert dtype_policies.DTypePolicy("float32") == dtype_policies.FloatDTypePolicy("float32")
    assert dtype_policies.get("int8_from_float32") != dtype_policies.DTypePolicy("float32")
    assert dtype_policies.get("int8_from_float32") != dtype_policies.get("int8_from_bfloat16")
    assert repr(dtype_policies.FloatDTypePolicy("float32")) == '<DTypePolicy "float32">'


def test_global_quantized_policy_builds_quantized_layers():
    try:
        keras.config.set_dtype_policy("int8_from_float32")
        layer = keras.layers.Dense(3)
        layer.build((None, 4))
    finally:
        keras.config.set_dtype_policy("float32")
    assert layer.quantization_mode == "int8" and layer.kernel.dtype.is_floating_point is False


def test_dtype_policy_map_lookup_and_config():
    policy_map = dtype_policies.DTypePolicyMap()
    policy_map["encoder/dense"] = "int8_from_float32"
    policy_map["decoder/.*"] = "bfloat16"
    assert policy_map["encoder/dense"].quantization_mode == "int8"
    assert policy_map["decoder/attention"].name == "bfloat16"
    assert policy_map["other"].name == "float32" and policy_map.name == "map_float32"
    with pytest.raises(ValueError, match="already exist"):
        policy_map["encoder/dense"] = "float32"
    policy_map["decoder/a.*"] = "float16"
    with pytest.raises(ValueError, match="matches multiple"):
        policy_map["decoder/attention"]
    restored = dtype_policies.deserialize(dtype_policies.serialize(policy_map))
    assert isinstance(restored, dtype_policies.DTypePolicyMap) and list(restored) == list(policy_map)
    assert restored["encoder/dense"].quantization_mode == "int8"
    with pytest.raises(ValueError, match="cannot be a `DTypePolicyMap`"):
        dtype_policies.DTypePolicyMap(default_policy=policy_map)


def test_layers_refuse_a_policy_map_with_per_path_entries():
    policy_map = dtype_policies.DTypePolicyMap()
    policy_map["dense"] = "int8_from_float32"
    with pytest.raises(NotImplementedError, match="per-path entries"):
        keras.layers.Dense(3, dtype=policy_map).build((None, 4))
    layer = keras.layers.Dense(3, dtype=dtype_policies.DTypePolicyMap(default_policy="bfloat16"))
    layer.build((None, 4))
    assert layer.compute_dtype == "bfloat16" and layer.quantization_mode is None
