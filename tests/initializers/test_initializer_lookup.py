"""`initializers.get` / `serialize` / `deserialize`, configs, and use through `keras.Variable`."""
import numpy as np
import pytest
import torch

from torchkeras import initializers
from torchkeras.backend.variables import Variable
from torchkeras.saving import serialization_lib

ALIASES = {
    "glorot_uniform": initializers.GlorotUniform,
    "GlorotUniform": initializers.GlorotUniform,
    "glorot_normal": initializers.GlorotNormal,
    "he_uniform": initializers.HeUniform,
    "he_normal": initializers.HeNormal,
    "lecun_uniform": initializers.LecunUniform,
    "lecun_normal": initializers.LecunNormal,
    "uniform": initializers.RandomUniform,
    "random_uniform": initializers.RandomUniform,
    "RandomUniform": initializers.RandomUniform,
    "normal": initializers.RandomNormal,
    "random_normal": initializers.RandomNormal,
    "RandomNormal": initializers.RandomNormal,
    "truncated_normal": initializers.TruncatedNormal,
    "TruncatedNormal": initializers.TruncatedNormal,
    "variance_scaling": initializers.VarianceScaling,
    "zeros": initializers.Zeros,
    "zero": initializers.Zeros,
    "Zeros": initializers.Zeros,
    "ones": initializers.Ones,
    "one": initializers.Ones,
    "constant": initializers.Constant,
    "orthogonal": initializers.Orthogonal,
    "Orthogonal": initializers.Orthogonal,
    "OrthogonalInitializer": initializers.Orthogonal,
    "identity": initializers.Identity,
    "IdentityInitializer": initializers.Identity,
    "stft": initializers.STFT,
}


@pytest.mark.parametrize("name", sorted(ALIASES))
def test_get_by_name(name):
    init = initializers.get(name)
    assert type(init) is ALIASES[name]


def test_get_none_and_passthrough():
    assert initializers.get(None) is None
    init = initializers.HeNormal(seed=1)
    assert initializers.get(init) is init
    assert isinstance(initializers.get(initializers.Ones), initializers.Ones)

    def my_init(shape, dtype=None):
        return torch.full(shape, 7.0)

    assert initializers.get(my_init) is my_init


def test_get_from_values():
    values = np.arange(6, dtype="float64").reshape(2, 3)
    fn = initializers.get(values)
    out = fn((2, 3))
    assert out.dtype == torch.float32
    np.testing.assert_array_equal(out.cpu().numpy(), values)
    out = initializers.get(torch.ones(2))((2,), dtype="float64")
    assert out.dtype == torch.float64
    with pytest.raises(ValueError, match=r"Expected `shape` to be \(2, 3\) for direct tensor as initializer"):
        fn((3, 2))


def test_unknown_identifiers():
    with pytest.raises(ValueError, match="^Could not interpret initializer identifier: glorot$"):
        initializers.get("glorot")
    with pytest.raises(ValueError, match="Could not interpret initializer identifier: 3"):
        initializers.get(3)
    with pytest.raises(ValueError, match="Could not interpret initializer identifier: {'class_name': 'Foo'"):
        initializers.get({"class_name": "Foo", "config": {}})


def test_keras3_config_dict():
    config = {"module": "keras.initializers", "class_name": "GlorotUniform",
              "config": {"seed": 3, "input_axes": None, "output_axes": None}, "registered_name": None}
    init = initializers.get(config)
    assert type(init) is initializers.GlorotUniform and init.seed == 3
    assert initializers.serialize(init) == config


def test_keras2_config_dicts():
    init = initializers.get({"class_name": "VarianceScaling",
                             "config": {"scale": 2.0, "mode": "fan_out", "distribution": "normal", "seed": None}})
    assert (init.scale, init.mode, init.distribution) == (2.0, "fan_out", "truncated_normal")
    init = initializers.get({"class_name": "GlorotUniform", "config": {"seed": None}})
    assert type(init) is initializers.GlorotUniform
    # TF 1.x-era tf.keras also wrote the dtype into initializer configs.
    init = initializers.get({"class_name": "RandomNormal",
                             "config": {"mean": 0.0, "stddev": 0.1, "seed": None, "dtype": "float32"}})
    assert init.stddev == 0.1


CONFIGS = [
    (initializers.GlorotUniform(), {"seed": None, "input_axes": None, "output_axes": None}),
    (initializers.HeNormal(seed=5), {"seed": 5, "input_axes": None, "output_axes": None}),
    (initializers.RandomNormal(), {"seed": None, "mean": 0.0, "stddev": 0.05}),
    (initializers.RandomUniform(), {"seed": None, "minval": -0.05, "maxval": 0.05}),
    (initializers.TruncatedNormal(), {"seed": None, "mean": 0.0, "stddev": 0.05}),
    (initializers.VarianceScaling(), {"seed": None, "scale": 1.0, "mode": "fan_in",
                                      "distribution": "truncated_normal", "input_axes": None,
                                      "output_axes": None}),
    (initializers.Orthogonal(), {"seed": None, "gain": 1.0}),
    (initializers.Zeros(), {}),
    (initializers.Ones(), {}),
    (initializers.Constant(), {"value": 0.0}),
]


@pytest.mark.parametrize("init,config", CONFIGS, ids=[type(i).__name__ for i, _ in CONFIGS])
def test_get_config_and_round_trip(init, config):
    assert init.get_config() == config
    serialized = initializers.serialize(init)
    assert serialized["module"] == "keras.initializers"
    assert serialized["class_name"] == type(init).__name__
    rebuilt = initializers.deserialize(serialized)
    assert type(rebuilt) is type(init) and rebuilt.get_config() == config
    assert type(init.clone()) is type(init) and init.clone().get_config() == config


def test_seeded_round_trip_gives_the_same_values():
    init = initializers.LecunNormal(seed=11)
    rebuilt = initializers.deserialize(initializers.serialize(init))
    torch.testing.assert_close(rebuilt((8, 8)), init((8, 8)), rtol=0, atol=0)


def test_custom_initializer_by_name():
    class Twos(initializers.Initializer):
        def __call__(self, shape, dtype=None):
            return torch.full(shape, 2.0)

    with serialization_lib.CustomObjectScope({"Twos": Twos}):
        assert isinstance(initializers.get("Twos"), Twos)
    assert isinstance(initializers.deserialize("Twos", custom_objects={"Twos": Twos}), Twos)


def test_base_class():
    with pytest.raises(NotImplementedError):
        initializers.Initializer()((2,))
    assert initializers.Initializer().get_config() == {}


def test_variables_use_initializers(device):
    v = Variable("glorot_uniform", shape=(30, 20), name="kernel")
    assert v.device.type == device and tuple(v.shape) == (30, 20)
    assert v.abs().max().item() <= np.sqrt(6 / 50)
    b = Variable(initializers.Constant(0.5), shape=(4,), dtype="float64")
    assert b.dtype == torch.float64
    np.testing.assert_array_equal(b.numpy(), np.full(4, 0.5))
