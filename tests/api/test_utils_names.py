"""`keras.utils` names of Keras 3.15: get_source_inputs, is_keras_tensor, standardize_dtype, Config and the
interactive-logging switches."""
import logging

import numpy as np
import pytest
import torch

import torchkeras as keras


def test_get_source_inputs_walks_back_to_the_inputs():
    a, b = keras.Input((3,), name="a"), keras.Input((2,), name="b")
    merged = keras.layers.Concatenate()([keras.layers.Dense(2)(a), b, keras.layers.Dense(2)(a)])
    assert keras.utils.get_source_inputs(merged) == [a, b]  # each input once, in order of appearance
    assert keras.utils.get_source_inputs(a) == [a]
    bare = keras.KerasTensor((None, 3))
    assert keras.utils.get_source_inputs(bare) is bare
    assert keras.utils.get_source_inputs(keras.ops.relu(bare)) == [bare]
    tensor = torch.ones(2)
    assert keras.utils.get_source_inputs(tensor) is tensor


def test_is_keras_tensor_and_standardize_dtype():
    assert keras.utils.is_keras_tensor(keras.Input((2,)))
    assert not keras.utils.is_keras_tensor(torch.ones(2))
    assert keras.utils.standardize_dtype(torch.float16) == "float16"
    assert keras.utils.standardize_dtype(np.int64) == "int64"
    assert keras.utils.standardize_dtype("float") == "float32"


def test_config_behaves_like_keras():
    config = keras.utils.Config(learning_rate=0.1, momentum=0.9)
    config.use_ema = True
    config["seed"] = 123
    assert config.seed == 123 and config["learning_rate"] == 0.1 and config.get("missing", 7) == 7
    assert list(config) == ["learning_rate", "momentum", "seed", "use_ema"]
    assert len(config) == 4 and "seed" in config
    assert config.as_dict() == {"learning_rate": 0.1, "momentum": 0.9, "use_ema": True, "seed": 123}
    assert config.to_json() == '{"learning_rate": 0.1, "momentum": 0.9, "use_ema": true, "seed": 123}'
    assert repr(keras.utils.Config(a=1)) == "<Config {'a': 1}>"
    with pytest.raises(AttributeError, match="Unknown attribute: 'learning_rat'. Did you mean 'learning_rate'?"):
        config.learning_rat
    config.freeze()
    assert config.frozen
    for mutate in (lambda: setattr(config, "foo", 1), lambda: config.__setitem__("foo", 1),
                   lambda: config.pop("seed"), lambda: config.update(a=1), lambda: config.__delitem__("seed")):
        with pytest.raises(ValueError, match="Cannot mutate attribute\\(s\\) because the config is frozen."):
            mutate()
    config.unfreeze()
    del config["seed"]
    assert config.pop("use_ema") is True and len(config) == 2


def test_interactive_logging_switches_drive_the_progress_bar_and_summary(capsys, caplog):
    assert keras.utils.enable_interactive_logging is keras.config.enable_interactive_logging
    assert keras.utils.is_interactive_logging_enabled()
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    keras.utils.disable_interactive_logging()
    try:
        assert not keras.utils.is_interactive_logging_enabled()
        with caplog.at_level(logging.INFO, logger="torchkeras"):
            model.summary()
            bar = keras.utils.Progbar(2)
            bar.update(2)
    finally:
        keras.utils.enable_interactive_logging()
    assert capsys.readouterr().out == ""
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "Total params" in logged and "2/2" in logged
    model.summary()
    assert "Total params" in capsys.readouterr().out
