"""`keras.layers.serialize` / `keras.layers.deserialize`."""
import pytest

import torchkeras
from torchkeras import layers


def test_round_trip_and_errors():
    layer = layers.Dense(3, activation="relu", name="d")
    config = layers.serialize(layer)
    assert config["module"] == "keras.layers" and config["class_name"] == "Dense"
    clone = layers.deserialize(config)
    assert isinstance(clone, layers.Dense) and clone.get_config() == layer.get_config()
    assert isinstance(layers.deserialize({"class_name": "Dropout", "config": {"rate": 0.5}}), layers.Dropout)
    with pytest.raises(ValueError, match="not a `keras.layers.Layer`"):
        layers.deserialize(torchkeras.optimizers.serialize(torchkeras.optimizers.SGD()))
