"""`keras.legacy.saving` / `keras.utils.legacy`: Keras 2's `{"class_name", "config"}` serialization."""
import numpy as np
import pytest
import torch

import torchkeras as keras
from torchkeras.legacy.saving import deserialize_keras_object, serialize_keras_object
from torchkeras.saving import serialization_lib


def test_both_public_paths_are_the_same_functions():
    assert keras.utils.legacy.serialize_keras_object is serialize_keras_object
    assert keras.utils.legacy.deserialize_keras_object is deserialize_keras_object
    assert keras.legacy.saving.deserialize_keras_object is deserialize_keras_object


def test_objects_become_class_name_and_config_without_module():
    config = serialize_keras_object(keras.layers.Dense(3, kernel_regularizer="l2", name="d"))
    assert set(config) == {"class_name", "config"}
    assert config["class_name"] == "Dense"
    assert config["config"]["units"] == 3 and config["config"]["activation"] == "linear"
    # nested configs are left as get_config() wrote them
    assert config["config"]["kernel_regularizer"]["class_name"] == "L2"
    assert serialize_keras_object(keras.initializers.GlorotUniform(seed=1)) == {
        "class_name": "GlorotUniform", "config": {"seed": 1, "input_axes": None, "output_axes": None}}
    assert serialize_keras_object(keras.activations.relu) == "relu"
    assert serialize_keras_object(None) is None
    with pytest.raises(ValueError, match="doesn't implement `get_config\\(\\)`"):
        serialize_keras_object(3)


def test_round_trip_with_module_objects():
    layer = keras.layers.Dense(4, activation="relu", kernel_initializer=keras.initializers.Constant(0.5), name="d")
    config = serialize_keras_object(layer)
    restored = deserialize_keras_object(config, module_objects={"Dense": keras.layers.Dense})
    assert isinstance(restored, keras.layers.Dense)
    assert restored.get_config() == layer.get_config()
    out = restored(torch.ones(2, 3))
    np.testing.assert_allclose(out.detach().numpy(), np.full((2, 4), 1.5, "float32"))
    # the caller's config is left as it was
    assert config == serialize_keras_object(layer)


def test_names_resolve_like_keras():
    assert deserialize_keras_object("relu", module_objects={"relu": keras.activations.relu}) is \
        keras.activations.relu
    zeros = deserialize_keras_object("Zeros", module_objects=vars(keras.initializers))
    assert isinstance(zeros, keras.initializers.Zeros)  # a class named by a string is instantiated
    assert deserialize_keras_object(keras.activations.tanh) is keras.activations.tanh
    assert deserialize_keras_object(None) is None
    with pytest.raises(ValueError, match="Unknown initializer: 'Nope'"):
        deserialize_keras_object("Nope", module_objects={}, printable_module_name="initializer")
    with pytest.raises(ValueError, match="Unknown object: 'Dense'"):
        deserialize_keras_object({"class_name": "Dense", "config": {"units": 2}})
    with pytest.raises(ValueError, match="Improper config format"):
        deserialize_keras_object({"config": {}})
    with pytest.raises(ValueError, match="Could not interpret serialized object: 5"):
        deserialize_keras_object(5)


def test_custom_objects_and_registered_names():
    @keras.saving.register_keras_serializable(package="LegacyTest")
    class Scale(keras.layers.Layer):
        def __init__(self, factor=2.0, **kwargs):
            super().__init__(**kwargs)
            self.factor = factor

        def call(self, x):
            return x * self.factor

        def get_config(self):
            return {**super().get_config(), "factor": self.factor}

    try:
        config = serialize_keras_object(Scale(3.0, name="s"))
        assert config["class_name"] == "LegacyTest>Scale"
        restored = deserialize_keras_object(config)  # registered: found without module_objects
        assert isinstance(restored, Scale) and restored.factor == 3.0
    finally:
        serialization_lib.GLOBAL_CUSTOM_OBJECTS.pop("LegacyTest>Scale")
        serialization_lib.GLOBAL_CUSTOM_NAMES.pop(Scale)

    def my_activation(x):
        return x * 0

    config = {"class_name": "Dense", "config": {"units": 2, "activation": "my_activation", "name": "my_activation"}}
    layer = deserialize_keras_object(config, module_objects={"Dense": keras.layers.Dense},
                                     custom_objects={"my_activation": my_activation})
    assert layer.activation is my_activation and layer.name == "my_activation"
    with keras.saving.custom_object_scope({"Dense": keras.layers.Dense}):
        assert isinstance(deserialize_keras_object({"class_name": "Dense", "config": {"units": 1}}),
                          keras.layers.Dense)


def test_objects_inside_a_config_are_passively_serialized():
    class Holder:
        def __init__(self, inner, size=1):
            self.inner, self.size = inner, size

        def get_config(self):
            return {"inner": self.inner, "size": self.size, "label": "h"}

        @classmethod
        def from_config(cls, config):
            config.pop("label")
            return cls(**config)

    config = serialize_keras_object(Holder(keras.initializers.Constant(2.0), size=3))
    assert config["config"]["inner"] == {"class_name": "Constant", "config": {"value": 2.0},
                                         "__passive_serialization__": True}
    assert config["config"]["size"] == 3 and config["config"]["label"] == "h"
    restored = deserialize_keras_object(config, module_objects={"Holder": Holder, "Constant": keras.initializers.Constant})
    assert isinstance(restored.inner, keras.initializers.Constant) and restored.inner.value == 2.0
    assert restored.size == 3


def test_keras2_model_config_reads_through_the_class():
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, name="x")], name="s")
    config = serialize_keras_object(model)
    restored = deserialize_keras_object(config, module_objects={"Sequential": keras.Sequential})
    assert [layer.name for layer in restored.layers] == ["x"]
    restored.set_weights(model.get_weights())
    x = torch.ones(1, 3)
    torch.testing.assert_close(restored(x), model(x))
