"""Hostile and wrong model configs (issue 11, classes 3, 5 and 6 for JSON/YAML), through every loader that
rebuilds a model from a config: `model_from_json`, `model_from_yaml`, `model_from_config`, `load_model` of a
`.keras` archive (config.json) and of a legacy `.h5` (model_config). Each raises ValueError or TypeError with a
message saying what was found, fast, and leaves the file untouched."""
import json

import h5py
import numpy as np
import pytest

import torchkeras as keras
from torchkeras.saving import serialization_lib

from hostile_inputs import Timer, rewrite_zip, small_file, small_model

LOADERS = ["json", "yaml", "config", "keras", "h5"]


def _pristine(tmp_path):
    small_file("keras", tmp_path)
    small_file("full", tmp_path)


def load_with(loader, config, tmp_path, raw=None):
    """Give `config` (or the raw text `raw`) to `loader`; return the file used (or None)."""
    if loader == "json":
        keras.models.model_from_json(raw if raw is not None else json.dumps(config))
    elif loader == "yaml":
        import yaml

        keras.models.model_from_yaml(raw if raw is not None else yaml.safe_dump(config))
    elif loader == "config":
        keras.models.model_from_config(config)
    elif loader == "keras":
        path = str(tmp_path / "m.keras")
        rewrite_zip(path, {"config.json": (raw if raw is not None else json.dumps(config)).encode()})
        keras.models.load_model(path)
    else:
        path = str(tmp_path / "full.h5")
        with h5py.File(path, "a") as f:
            f.attrs["model_config"] = (raw if raw is not None else json.dumps(config)).encode()
        keras.models.load_model(path)


def _serialized(obj):
    return serialization_lib.serialize_keras_object(obj)


# --- class 3: a loader returns a model or raises ----------------------------------------------------------------


NOT_MODELS = {
    "null": None,
    "empty_dict": {},
    "list": [{"class_name": "Dense", "config": {"units": 2}}],
    "number": 5,
    "float": 1.5,
    "bool": True,
    "string": "relu",
    "function_ref": {"module": "keras.activations", "class_name": "function", "config": "relu",
                     "registered_name": "function"},
    "class_ref": {"module": "keras.layers", "class_name": "class", "config": "Dense", "registered_name": None},
    "optimizer": "adam_config",
    "bare_layer": "dense_config",
    "keras2_bare_layer": {"class_name": "Dense", "config": {"units": 2, "name": "d"}},
    "loss": "loss_config",
    "initializer": "initializer_config",
    "metric": "metric_config",
    "no_class_name": {"config": {"layers": []}},
    "class_name_number": {"class_name": 5, "config": {}},
    "class_name_list": {"class_name": ["Sequential"], "config": {}},
    "config_number": {"class_name": "Sequential", "config": 5},
    "config_string": {"class_name": "Functional", "config": "layers"},
    "special_object": {"class_name": "__numpy__", "config": {"value": [1], "dtype": "float32"}},
}
FOUND = {"optimizer": lambda: _serialized(keras.optimizers.Adam()),
         "dense_config": lambda: _serialized(keras.layers.Dense(2)),
         "loss_config": lambda: _serialized(keras.losses.MeanSquaredError()),
         "initializer_config": lambda: _serialized(keras.initializers.GlorotUniform()),
         "metric_config": lambda: _serialized(keras.metrics.Mean())}


@pytest.mark.parametrize("loader", LOADERS)
@pytest.mark.parametrize("case", sorted(NOT_MODELS))
def test_loaders_return_a_model_or_raise(case, loader, tmp_path):
    config = NOT_MODELS[case]
    if isinstance(config, str) and config.endswith("_config") or config == "adam_config":
        config = FOUND.get(config, FOUND.get("optimizer"))()
    _pristine(tmp_path)
    with Timer(3.0), pytest.raises((ValueError, TypeError)) as info:
        load_with(loader, config, tmp_path)
    message = str(info.value)
    assert any(f in message for f in ("not a model config", "expects a dictionary", "must be a string",
                                      "must be a dict")), message


# --- class 5: values validated as a constructor would, before anything is allocated -----------------------------


def _sequential(layer_class, layer_config, input_shape=(4,)):
    return {"module": "keras", "class_name": "Sequential", "registered_name": None, "config": {
        "name": "s", "layers": [
            {"module": "keras.layers", "class_name": "InputLayer", "registered_name": None,
             "config": {"batch_shape": [None, *input_shape], "dtype": "float32", "name": "inp"}},
            {"module": "keras.layers", "class_name": layer_class, "registered_name": None,
             "config": {"name": "bad", **layer_config}}]}}


BAD_VALUES = {
    "units_10e40": ("Dense", {"units": 10 ** 40}, "units"),
    "units_2e40": ("Dense", {"units": 2 ** 40}, "units"),
    "units_negative": ("Dense", {"units": -1}, "units"),
    "units_zero": ("Dense", {"units": 0}, "units"),
    "units_fraction": ("Dense", {"units": 1.5}, "units"),
    "units_string": ("Dense", {"units": "10"}, "units"),
    "units_bool": ("Dense", {"units": True}, "units"),
    "units_list": ("Dense", {"units": [3]}, "units"),
    "epsilon_negative": ("BatchNormalization", {"epsilon": -1.0}, "epsilon"),
    "epsilon_string": ("BatchNormalization", {"epsilon": "1e-3"}, "epsilon"),
    "epsilon_nan": ("BatchNormalization", {"epsilon": float("nan")}, "epsilon"),
    "momentum_above_one": ("BatchNormalization", {"momentum": 3.0}, "momentum"),
    "ln_epsilon_negative": ("LayerNormalization", {"epsilon": -0.5}, "epsilon"),
    "rate_above_one": ("Dropout", {"rate": 2.0}, "rate"),
    "rate_negative": ("Dropout", {"rate": -0.5}, "rate"),
    "rate_string": ("Dropout", {"rate": "0.5"}, "rate"),
    "filters_2e40": ("Conv1D", {"filters": 2 ** 40, "kernel_size": 3}, "filters"),
    "kernel_size_zero": ("Conv1D", {"filters": 2, "kernel_size": 0}, "kernel_size"),
    "kernel_size_negative": ("Conv1D", {"filters": 2, "kernel_size": [-3]}, "kernel_size"),
    "kernel_size_string": ("Conv1D", {"filters": 2, "kernel_size": "3"}, "kernel_size"),
    "strides_huge": ("Conv1D", {"filters": 2, "kernel_size": 3, "strides": 10 ** 30}, "strides"),
    "embedding_input_dim": ("Embedding", {"input_dim": 10 ** 12, "output_dim": 4}, "input_dim"),
    "embedding_output_dim": ("Embedding", {"input_dim": 10, "output_dim": -4}, "output_dim"),
    "heads_huge": ("MultiHeadAttention", {"num_heads": 2 ** 40, "key_dim": 2}, "num_heads"),
    "repeat_negative": ("RepeatVector", {"n": -2}, "n"),
    "gru_units_huge": ("GRU", {"units": 2 ** 35}, "units"),
    "recurrent_dropout": ("LSTM", {"units": 2, "recurrent_dropout": 1.5}, "recurrent_dropout"),
    "noise_negative": ("GaussianNoise", {"stddev": -1.0}, "stddev"),
}
VALUE_LOADERS = ["json", "keras", "h5"]


@pytest.mark.parametrize("loader", VALUE_LOADERS)
@pytest.mark.parametrize("case", sorted(BAD_VALUES))
def test_layer_values_are_validated_before_building(case, loader, tmp_path):
    layer_class, layer_config, argument = BAD_VALUES[case]
    shape = (5, 4) if layer_class in ("Conv1D", "GRU", "LSTM", "MultiHeadAttention") else (4,)
    config = _sequential(layer_class, layer_config, shape)
    _pristine(tmp_path)
    with Timer(2.0), pytest.raises((ValueError, TypeError), match=f"`{argument}`|{argument}=") as info:
        load_with(loader, config, tmp_path)
    assert layer_class in str(info.value)


def test_wrong_types_inside_a_model_config(tmp_path):
    config = _sequential("Dense", {"units": 2})
    config["config"]["layers"][1]["class_name"] = 5
    with pytest.raises(TypeError, match="`class_name` must be a string"):
        keras.models.model_from_json(json.dumps(config))
    config["config"]["layers"][1] = {"class_name": "Dense", "config": "units=2"}
    with pytest.raises(TypeError, match="must be a dict"):
        keras.models.model_from_json(json.dumps(config))


# --- class 6 (configs): nesting and alias bombs fail in milliseconds ------------------------------------------


def _nested_lists(depth):
    return "[" * depth + "]" * depth


def _nested_dicts(depth):
    return '{"a": ' * depth + "1" + "}" * depth


def _nested_in_model(depth):
    config = _sequential("Dense", {"units": 2})
    text = json.dumps(config)
    return text.replace('"units": 2', '"units": 2, "extra": ' + _nested_lists(depth))


JSON_BOMBS = {f"lists_{d}": _nested_lists(d) for d in (250, 2000, 100000)}
JSON_BOMBS.update({f"dicts_{d}": _nested_dicts(d) for d in (250, 5000, 50000)})
JSON_BOMBS.update({f"in_layer_{d}": _nested_in_model(d) for d in (300, 20000)})


@pytest.mark.parametrize("loader", ["json", "keras", "h5"])
@pytest.mark.parametrize("case", sorted(JSON_BOMBS))
def test_deeply_nested_json_is_a_malformed_file(case, loader, tmp_path):
    _pristine(tmp_path)
    with Timer(2.0), pytest.raises(ValueError, match="nested|malformed"):
        load_with(loader, None, tmp_path, raw=JSON_BOMBS[case])


def _laughs(levels, width):
    lines = ['a0: &a0 ["lol"]']
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * width) + "]")
    lines.append(f"config: [*a{levels - 1}]")
    return "\n".join(lines)


YAML_BOMBS = {f"laughs_{levels}x{width}": _laughs(levels, width)
              for levels, width in ((9, 10), (12, 8), (20, 4), (40, 2), (7, 30))}
YAML_BOMBS["recursive_alias"] = "a: &a [*a]"
YAML_BOMBS["deep_flow"] = "[" * 5000 + "]" * 5000
YAML_BOMBS["deep_block"] = "\n".join("  " * i + "- " for i in range(300)) + "x"


@pytest.mark.parametrize("case", sorted(YAML_BOMBS))
def test_yaml_bombs_fail_in_milliseconds(case):
    with Timer(2.0), pytest.raises(ValueError, match="alias|nested|recursive|YAML"):
        keras.models.model_from_yaml(YAML_BOMBS[case])


def test_yaml_of_a_real_model_still_loads():
    model = small_model(compiled=False)
    rebuilt = keras.models.model_from_yaml(model.to_yaml())
    assert [layer.name for layer in rebuilt.layers] == [layer.name for layer in model.layers]
    assert rebuilt.predict(np.zeros((2, 4), "float32"), verbose=0).shape == (2, 2)
