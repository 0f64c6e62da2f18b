"""`keras.legacy.saving.serialize_keras_object` / `deserialize_keras_object` beside real Keras: the same Keras 2
configs out, and each reads the other's."""
import json

import numpy as np
import pytest
import torch

import keras

import torchkeras


def _objects(lib):
    return {
        "dense": lib.layers.Dense(3, activation="relu", kernel_regularizer="l2", name="d"),
        "relu": lib.activations.relu,
        "initializer": lib.initializers.GlorotUniform(seed=1),
        "optimizer": lib.optimizers.Adam(learning_rate=0.01, name="adam"),
        "bidirectional": lib.layers.Bidirectional(lib.layers.LSTM(2, name="l"), name="bi"),
        "loss": lib.losses.MeanSquaredError(),
        "metric": lib.metrics.AUC(name="auc"),
        "schedule": lib.optimizers.schedules.ExponentialDecay(0.1, 10, 0.9),
        "sequential": lib.Sequential([lib.Input((3,), name="in"), lib.layers.Dense(2, name="x")], name="s"),
        "none": None,
    }


def _json(value):
    return json.loads(json.dumps(value))


@pytest.mark.parametrize("key", list(_objects(torchkeras)))
def test_serialize_gives_keras_config(key):
    theirs = keras.legacy.saving.serialize_keras_object(_objects(keras)[key])
    ours = torchkeras.legacy.saving.serialize_keras_object(_objects(torchkeras)[key])
    assert _json(ours) == _json(theirs)
    assert _json(torchkeras.utils.legacy.serialize_keras_object(_objects(torchkeras)[key])) == _json(theirs)


def test_each_reads_the_others_layer_config():
    k_layer = keras.layers.Dense(3, activation="tanh", kernel_regularizer="l2", name="d")
    k_layer.build((None, 4))
    config = _json(keras.legacy.saving.serialize_keras_object(k_layer))
    t_layer = torchkeras.legacy.saving.deserialize_keras_object(config,
                                                                module_objects={"Dense": torchkeras.layers.Dense})
    assert isinstance(t_layer, torchkeras.layers.Dense)
    assert _json(t_layer.get_config()) == _json(k_layer.get_config())
    t_layer.build((None, 4))
    t_layer.set_weights(k_layer.get_weights())
    x = np.random.default_rng(0).normal(size=(2, 4)).astype("float32")
    np.testing.assert_allclose(t_layer(torch.tensor(x)).detach().numpy(),
                               keras.ops.convert_to_numpy(k_layer(x)), rtol=1e-5, atol=1e-6)

    back = keras.legacy.saving.deserialize_keras_object(
        _json(torchkeras.legacy.saving.serialize_keras_object(t_layer)),
        module_objects={"Dense": keras.layers.Dense})
    assert _json(back.get_config()) == _json(k_layer.get_config())


def test_passive_serialization_matches_keras():
    def holder(lib):
        class Holder:
            def __init__(self, inner, size=1):
                self.inner, self.size = inner, size

            def get_config(self):
                return {"inner": self.inner, "size": self.size}

        return Holder(lib.initializers.Constant(2.0), size=3)

    theirs = keras.legacy.saving.serialize_keras_object(holder(keras))
    ours = torchkeras.legacy.saving.serialize_keras_object(holder(torchkeras))
    assert _json(ours) == _json(theirs)
    assert ours["config"]["inner"]["__passive_serialization__"] is True
