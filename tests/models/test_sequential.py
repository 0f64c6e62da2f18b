import numpy as np
import pytest

import torchkeras as keras
from torchkeras import layers


def test_sequential_with_input():
    model = keras.Sequential([keras.Input((4,)), layers.Dense(3), layers.Dense(2)], name="seq")
    assert model.built and [l.name for l in model.layers] == ["dense", "dense_1"]
    assert [w.path for w in model.weights][0] == "seq/dense/kernel"
    assert model.output_shape == (None, 2)


def test_keras2_input_dim_and_input_shape():
    model = keras.Sequential()
    model.add(layers.Dense(5, input_dim=2))
    model.add(layers.Activation("relu"))
    assert model.built and model.input_shape == (None, 2) and model.output_shape == (None, 5)
    m2 = keras.Sequential([layers.Dense(4, input_shape=(3,))])
    assert m2.output_shape == (None, 4)


def test_deferred_build_on_first_call():
    model = keras.Sequential([layers.Dense(3), layers.Dense(1)])
    assert not model.built
    out = model(np.ones((2, 5), "float32"))
    assert model.built and out.shape == (2, 1) and model.input_shape == (2, 5)  # Keras keeps the batch size


def test_build_with_shape():
    model = keras.Sequential([layers.Dense(3)])
    model.build((None, 7))
    assert model.count_params() == 24


def test_add_pop_and_unique_names():
    model = keras.Sequential([keras.Input((2,)), layers.Dense(3, name="a")])
    model.add(layers.Dense(1, name="b"))
    assert model.output_shape == (None, 1)
    with pytest.raises(ValueError, match="unique names"):
        model.add(layers.Dense(1, name="a"))
    popped = model.pop()
    assert popped.name == "b" and model.output_shape == (None, 3)


def test_only_layers():
    with pytest.raises(ValueError, match="Only instances of `keras.Layer`"):
        keras.Sequential([42])


def test_sequential_config_round_trip():
    model = keras.Sequential([keras.Input((4,)), layers.Dense(3, activation="relu"), layers.Dropout(0.5)],
                             name="s")
    config = model.get_config()
    assert config["layers"][0]["class_name"] == "InputLayer"
    assert config["build_input_shape"] == [None, 4]
    clone = keras.Sequential.from_config(config)
    assert clone.output_shape == (None, 3) and clone.name == "s"


def test_get_layer():
    model = keras.Sequential([keras.Input((4,)), layers.Dense(3, name="x")])
    assert model.get_layer("x") is model.layers[0]
