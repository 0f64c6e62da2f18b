"""Initializers: torchkeras and real Keras 3 (torch backend): configs, values, statistics, lookup."""
import math

import numpy as np
import pytest

import keras  # noqa: E402  (conftest sets KERAS_BACKEND=torch first)
import torch

from torchkeras import initializers

pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation doesn't accept a copy keyword")

CLASS_NAMES = ["Constant", "GlorotNormal", "GlorotUniform", "HeNormal", "HeUniform", "Identity", "LecunNormal",
               "LecunUniform", "Ones", "Orthogonal", "RandomNormal", "RandomUniform", "STFT", "TruncatedNormal",
               "VarianceScaling", "Zeros"]

# (class name, constructor kwargs) pairs covering defaults and non-default arguments.
CASES = [(name, {}) for name in CLASS_NAMES] + [
    ("GlorotUniform", {"seed": 7}),
    ("HeNormal", {"seed": 1, "input_axes": [0], "output_axes": [1]}),
    ("VarianceScaling", {"scale": 2.0, "mode": "fan_avg", "distribution": "uniform", "seed": 3}),
    ("VarianceScaling", {"distribution": "normal"}),
    ("VarianceScaling", {"distribution": "untruncated_normal", "mode": "fan_out"}),
    ("RandomNormal", {"mean": 1.0, "stddev": 0.5, "seed": 2}),
    ("RandomUniform", {"minval": -1.0, "maxval": 3.0}),
    ("TruncatedNormal", {"mean": -1.0, "stddev": 0.2, "seed": 9}),
    ("Orthogonal", {"gain": 2.0, "seed": 4}),
    ("Constant", {"value": 0.25}),
    ("Constant", {"value": np.array([1.0, 2.0])}),
    ("STFT", {"side": "imag", "window": "hamming", "scaling": "spectrum", "periodic": True}),
]


def _np(x):
    return keras.ops.convert_to_numpy(x) if not isinstance(x, torch.Tensor) else x.detach().cpu().numpy()


@pytest.mark.parametrize("name,kwargs", CASES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CASES)])
def test_same_config_and_serialization(name, kwargs):
    theirs = getattr(keras.initializers, name)(**kwargs)
    ours = getattr(initializers, name)(**kwargs)
    assert ours.get_config().keys() == theirs.get_config().keys()
    assert list(ours.get_config()) == list(theirs.get_config())  # same key order in saved JSON
    assert initializers.serialize(ours) == keras.initializers.serialize(theirs)


@pytest.mark.parametrize("name,kwargs", CASES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CASES)])
def test_reads_keras_configs(name, kwargs):
    config = keras.initializers.serialize(getattr(keras.initializers, name)(**kwargs))
    ours = initializers.deserialize(config)
    assert type(ours).__name__ == name
    assert initializers.serialize(ours) == config


def test_identity_with_gain_round_trips_in_both():
    # Keras 3.15 drops `gain` from Identity's config; torchkeras writes it when it is not 1, which Keras reads.
    config = initializers.serialize(initializers.Identity(gain=3.0))
    assert keras.initializers.deserialize(config).gain == 3.0


@pytest.mark.parametrize(
    "name,kwargs,shape",
    [
        ("Zeros", {}, (3, 4)),
        ("Ones", {}, (2, 3, 4)),
        ("Constant", {"value": 0.3}, (5,)),
        ("Constant", {"value": np.array([1.0, 2.0, 3.0])}, (2, 3)),
        ("Identity", {}, (4, 4)),
        ("Identity", {"gain": 0.5}, (3, 5)),
        ("STFT", {}, (16, 1, 9)),
        ("STFT", {"side": "imag", "window": "blackman", "scaling": "spectrum"}, (32, 2, 17)),
        ("STFT", {"window": "bartlett", "periodic": True, "scaling": None}, (8, 1, 5)),
    ],
)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_deterministic_values(name, kwargs, shape, dtype):
    theirs = _np(getattr(keras.initializers, name)(**kwargs)(shape, dtype=dtype))
    ours = _np(getattr(initializers, name)(**kwargs)(shape, dtype=dtype))
    assert ours.dtype == theirs.dtype and ours.shape == theirs.shape
    np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=1e-7)


SEEDED = [
    ("RandomNormal", {"mean": 0.5, "stddev": 2.0}, (7, 9)),
    ("RandomUniform", {"minval": -2.0, "maxval": 1.0}, (7, 9)),
    ("RandomUniform", {}, ()),
    ("TruncatedNormal", {"stddev": 0.3}, (40, 50)),
    ("GlorotUniform", {}, (30, 20)),
    ("GlorotNormal", {}, (3, 3, 8, 16)),
    ("HeUniform", {}, (5, 7)),
    ("HeNormal", {}, (64, 32)),
    ("LecunUniform", {}, (10, 10)),
    ("LecunNormal", {}, (12, 6)),
    ("VarianceScaling", {"scale": 3.0, "mode": "fan_out", "distribution": "untruncated_normal"}, (9, 4)),
    ("Orthogonal", {"gain": 1.5}, (20, 8)),
    ("Orthogonal", {}, (3, 3, 4, 16)),
]


@pytest.mark.parametrize("name,kwargs,shape", SEEDED, ids=[f"{n}-{i}" for i, (n, _, _) in enumerate(SEEDED)])
@pytest.mark.parametrize("seed", [0, 1234, 2**32 + 5])
def test_seeded_values_are_identical(name, kwargs, shape, seed):
    # torchkeras seeds a torch.Generator the way Keras's torch backend does, so on CPU the values are equal.
    theirs = _np(getattr(keras.initializers, name)(seed=seed, **kwargs)(shape))
    ours = _np(getattr(initializers, name)(seed=seed, **kwargs)(shape))
    np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize(
    "name,shape",
    [("GlorotUniform", (600, 400)), ("GlorotNormal", (600, 400)), ("HeUniform", (5, 5, 32, 64)),
     ("HeNormal", (5, 5, 32, 64)), ("LecunUniform", (256, 300)), ("LecunNormal", (256, 300)),
     ("RandomNormal", (500, 400)), ("RandomUniform", (500, 400)), ("TruncatedNormal", (500, 400)),
     ("Orthogonal", (300, 200))],
)
def test_unseeded_statistics_match(name, shape):
    keras.utils.set_random_seed(0)  # Keras draws the seeds of unseeded initializers from Python's `random`
    theirs = _np(getattr(keras.initializers, name)()(shape)).astype("float64")
    ours = _np(getattr(initializers, name)()(shape)).astype("float64")
    np.testing.assert_allclose(ours.std(), theirs.std(), rtol=0.02)
    for q in (0.5, 0.9, 0.999):
        np.testing.assert_allclose(np.quantile(np.abs(ours), q), np.quantile(np.abs(theirs), q), rtol=0.03)
    assert abs(ours.mean() - theirs.mean()) < 0.05 * theirs.std()


def test_glorot_uniform_limit_for_a_conv_kernel():
    # Keras's documented check: Conv2D 5x5, 32 -> 64 kernels stay within sqrt(6 / (800 + 1600)) = 0.05.
    ours = _np(initializers.GlorotUniform()((5, 5, 32, 64)))
    assert np.abs(ours).max() <= math.sqrt(6 / 2400)
    assert np.abs(ours).max() > 0.999 * math.sqrt(6 / 2400)


@pytest.mark.parametrize("alias", ["glorot_uniform", "glorot_normal", "he_uniform", "he_normal", "lecun_uniform",
                                   "lecun_normal", "uniform", "normal", "zeros", "zero", "ones", "one",
                                   "orthogonal", "identity", "random_normal", "random_uniform", "truncated_normal",
                                   "variance_scaling", "RandomNormal", "TruncatedNormal", "Zeros",
                                   "OrthogonalInitializer", "IdentityInitializer", "STFTInitializer", "stft"])
def test_same_aliases(alias):
    # (`get("constant")` fails in Keras 3.15 with a KeyError; torchkeras returns Constant(0.0).)
    theirs = keras.initializers.get(alias)
    ours = initializers.get(alias)
    assert type(ours).__name__ == type(theirs).__name__
    assert ours.get_config().keys() == theirs.get_config().keys()


def test_same_error_for_unknown_names():
    with pytest.raises(ValueError) as theirs:
        keras.initializers.get("glorot")
    with pytest.raises(ValueError) as ours:
        initializers.get("glorot")
    assert str(ours.value) == str(theirs.value)


@pytest.mark.parametrize("shape", [(), (7,), (3, 4), (3, 5, 6), (2, 3, 4, 5)])
def test_same_fans(shape):
    from keras.src.initializers.random_initializers import compute_fans as keras_compute_fans

    assert initializers.compute_fans(shape) == keras_compute_fans(shape)


def test_same_validation_messages():
    for kwargs in ({"scale": -1.0}, {"mode": "fan"}, {"distribution": "gamma"}):
        with pytest.raises(ValueError) as theirs:
            keras.initializers.VarianceScaling(**kwargs)
        with pytest.raises(ValueError) as ours:
            initializers.VarianceScaling(**kwargs)
        # (Sets in the messages print in hash order, which differs between processes.)
        assert str(ours.value).split("{")[0].replace(" ", "") == str(theirs.value).split("{")[0].replace(" ", "")


def test_seed_generator_seeds_give_the_same_values():
    random_module = pytest.importorskip("torchkeras.random")
    theirs = keras.initializers.GlorotNormal(seed=keras.random.SeedGenerator(11))
    ours = initializers.GlorotNormal(seed=random_module.SeedGenerator(11))
    for _ in range(3):  # each call draws the next seed, on both sides
        np.testing.assert_allclose(_np(ours((6, 5))), _np(theirs((6, 5))), rtol=1e-6, atol=1e-7)
    our_config, their_config = initializers.serialize(ours), keras.initializers.serialize(theirs)
    for config in (our_config, their_config):
        config["config"]["seed"]["config"].pop("name")  # auto-named: depends on what ran before
    assert our_config == their_config
