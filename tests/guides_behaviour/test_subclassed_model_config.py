"""A subclassed model without `get_config()` records its constructor arguments, passed ones included (Keras 3.15
records only the defaults of a subclassed model), and is rebuilt from that config."""
import torchkeras as keras


class Tower(keras.Model):
    def __init__(self, units=3, depth=1, **kwargs):
        super().__init__(**kwargs)
        self.units, self.depth = units, depth
        self.dense = keras.layers.Dense(units)

    def call(self, x):
        return self.dense(x)


def test_passed_and_default_arguments_are_recorded():
    config = Tower(5, name="t").get_config()
    assert config["units"] == 5 and config["depth"] == 1 and config["name"] == "t"
    assert list(config)[:3] == ["name", "units", "depth"]


def test_rebuilt_from_its_config():
    clone = Tower.from_config(Tower(units=4, depth=2, name="t").get_config())
    assert (clone.units, clone.depth, clone.name) == (4, 2, "t")
