"""Random initializers: fans, bounds, statistics, truncation, seeds, dtypes and devices."""
import math

import numpy as np
import pytest
import torch

from torchkeras import initializers
from torchkeras.initializers import compute_fans
from torchkeras.utils.rng_utils import set_random_seed


@pytest.mark.parametrize(
    "shape,fans",
    [
        ((), (1, 1)),
        ((7,), (7, 7)),
        ((600, 400), (600, 400)),
        ((3, 32, 64), (96, 192)),  # Conv1D kernel (k, in, out)
        ((5, 5, 32, 64), (800, 1600)),  # Conv2D kernel (kh, kw, in, out)
        ((2, 3, 4, 5, 6), (120, 144)),  # Conv3D kernel
    ],
)
def test_compute_fans(shape, fans):
    assert compute_fans(shape) == fans


def test_compute_fans_with_axes():
    assert compute_fans((4, 5, 6), input_axes=(0,), output_axes=(1, 2)) == (4, 30)
    assert compute_fans((4, 5, 6), input_axes=[0, 1], output_axes=[-1]) == (20, 6)


UNIFORM_LIMITS = {
    "glorot_uniform": lambda fi, fo: math.sqrt(6 / (fi + fo)),
    "he_uniform": lambda fi, fo: math.sqrt(6 / fi),
    "lecun_uniform": lambda fi, fo: math.sqrt(3 / fi),
}
NORMAL_STDS = {
    "glorot_normal": lambda fi, fo: math.sqrt(2 / (fi + fo)),
    "he_normal": lambda fi, fo: math.sqrt(2 / fi),
    "lecun_normal": lambda fi, fo: math.sqrt(1 / fi),
}


@pytest.mark.parametrize("name", sorted(UNIFORM_LIMITS))
@pytest.mark.parametrize("shape", [(600, 400), (5, 5, 32, 64)])
def test_uniform_variance_scaling(name, shape, device):
    values = initializers.get(name)(shape)
    assert tuple(values.shape) == shape and values.dtype == torch.float32 and values.device.type == device
    limit = UNIFORM_LIMITS[name](*compute_fans(shape))
    v = values.cpu().double().numpy()
    assert v.max() <= limit and v.min() >= -limit
    assert v.max() > 0.99 * limit and v.min() < -0.99 * limit
    assert abs(v.mean()) < 0.01 * limit
    np.testing.assert_allclose(v.std(), limit / math.sqrt(3), rtol=0.01)


@pytest.mark.parametrize("name", sorted(NORMAL_STDS))
@pytest.mark.parametrize("shape", [(600, 400), (5, 5, 32, 64)])
def test_truncated_normal_variance_scaling(name, shape, device):
    values = initializers.get(name)(shape).cpu().double().numpy()
    std = NORMAL_STDS[name](*compute_fans(shape))
    # The draw is N(0, std / 0.8796) cut at 2 of its own standard deviations: the realised std is `std`.
    cut = 2 * std / 0.87962566103423978
    assert np.mean(np.abs(values) > cut) < 1e-4  # (Keras keeps an out-of-range draw with probability 4e-6)
    assert np.abs(values).max() > 0.95 * cut
    np.testing.assert_allclose(values.std(), std, rtol=0.01)
    assert abs(values.mean()) < 0.01 * std


def test_variance_scaling_modes_and_distributions():
    shape = (300, 500)
    fan_in, fan_out = shape
    for mode, n in (("fan_in", fan_in), ("fan_out", fan_out), ("fan_avg", (fan_in + fan_out) / 2)):
        u = initializers.VarianceScaling(scale=3.0, mode=mode, distribution="uniform")(shape).numpy()
        limit = math.sqrt(3 * 3.0 / n)
        assert np.abs(u).max() <= limit
        np.testing.assert_allclose(u.std(), limit / math.sqrt(3), rtol=0.02)
        g = initializers.VarianceScaling(scale=3.0, mode=mode, distribution="untruncated_normal")(shape).numpy()
        np.testing.assert_allclose(g.std(), math.sqrt(3.0 / n), rtol=0.02)
        assert np.abs(g).max() > 3 * math.sqrt(3.0 / n)  # not truncated
        t = initializers.VarianceScaling(scale=3.0, mode=mode, distribution="normal")(shape).numpy()
        np.testing.assert_allclose(t.std(), math.sqrt(3.0 / n), rtol=0.02)


def test_variance_scaling_small_fans_use_one():
    # n = max(1, fan): a (1,)-shaped weight keeps the full scale.
    values = initializers.VarianceScaling(scale=4.0, distribution="uniform")((1, 1)).item()
    assert abs(values) <= math.sqrt(12.0)
    values = initializers.VarianceScaling(scale=1.0, distribution="uniform")(()).item()
    assert abs(values) <= math.sqrt(3.0)


def test_variance_scaling_axes():
    init = initializers.VarianceScaling(scale=1.0, mode="fan_in", distribution="uniform", input_axes=(0, 1),
                                        output_axes=(2,))
    values = init((10, 20, 7)).numpy()
    assert np.abs(values).max() <= math.sqrt(3 / 200)
    assert np.abs(values).max() > 0.9 * math.sqrt(3 / 200)


@pytest.mark.parametrize(
    "kwargs,message",
    [
        ({"scale": 0.0}, "Argument `scale` must be positive float. Received: scale=0.0"),
        ({"mode": "fan"}, "Invalid `mode` argument: fan"),
        ({"distribution": "gamma"}, "Invalid `distribution` argument: gamma"),
    ],
)
def test_variance_scaling_validation(kwargs, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        initializers.VarianceScaling(**kwargs)


def test_random_normal_uniform_truncated(device):
    n = initializers.RandomNormal(mean=1.0, stddev=2.0)((400, 500)).cpu().double().numpy()
    np.testing.assert_allclose([n.mean(), n.std()], [1.0, 2.0], rtol=0.01, atol=0.01)
    u = initializers.RandomUniform(minval=-3.0, maxval=5.0)((400, 500)).cpu().double().numpy()
    assert u.min() >= -3.0 and u.max() < 5.0
    np.testing.assert_allclose([u.mean(), u.std()], [1.0, 8 / math.sqrt(12)], rtol=0.01, atol=0.02)
    t = initializers.TruncatedNormal(mean=0.5, stddev=0.1)((400, 500)).cpu().double().numpy()
    assert np.mean(np.abs(t - 0.5) > 0.2) < 1e-4
    # A normal cut at +-2 sigma keeps 0.8796 of sigma as its standard deviation.
    np.testing.assert_allclose(t.std(), 0.1 * 0.87962566103423978, rtol=0.01)
    defaults = initializers.RandomUniform()((1000,)).numpy()
    assert defaults.min() >= -0.05 and defaults.max() < 0.05


def test_scalar_shapes():
    assert initializers.RandomUniform()(()).shape == ()
    assert initializers.RandomNormal()(()).shape == ()
    assert initializers.TruncatedNormal()(()).shape == ()


@pytest.mark.parametrize("cls", [initializers.RandomNormal, initializers.RandomUniform, initializers.TruncatedNormal,
                                 initializers.GlorotUniform, initializers.HeNormal, initializers.Orthogonal])
def test_seeded_initializers_repeat(cls, device):
    a = cls(seed=42)((20, 30))
    b = cls(seed=42)((20, 30))
    c = cls(seed=42)
    torch.testing.assert_close(a, b, rtol=0, atol=0)
    torch.testing.assert_close(c((20, 30)), c((20, 30)), rtol=0, atol=0)  # same values on every call
    assert not torch.equal(a, cls(seed=43)((20, 30)))


def test_unseeded_initializers_follow_the_global_seed():
    init = initializers.GlorotUniform()
    set_random_seed(7)
    a = init((10, 10))
    b = init((10, 10))
    assert not torch.equal(a, b)  # fresh values on every call
    set_random_seed(7)
    torch.testing.assert_close(init((10, 10)), a, rtol=0, atol=0)
    torch.manual_seed(3)
    c = initializers.RandomNormal()((5,))
    torch.manual_seed(3)
    torch.testing.assert_close(initializers.RandomNormal()((5,)), c, rtol=0, atol=0)


def test_numpy_integer_seed_is_accepted_and_stored_as_int():
    init = initializers.RandomNormal(seed=np.int64(5))
    assert init.get_config()["seed"] == 5 and type(init.get_config()["seed"]) is int


def test_bad_seed():
    with pytest.raises(ValueError, match="`seed` argument should be an instance of"):
        initializers.RandomNormal(seed="abc")


@pytest.mark.parametrize("dtype,torch_dtype", [("float64", torch.float64), ("float16", torch.float16),
                                               ("bfloat16", torch.bfloat16), (None, torch.float32),
                                               (torch.float64, torch.float64)])
def test_dtypes(dtype, torch_dtype):
    for init in (initializers.GlorotUniform(seed=1), initializers.HeNormal(seed=1), initializers.Orthogonal(seed=1),
                 initializers.RandomNormal(seed=1)):
        assert init((4, 6), dtype=dtype).dtype == torch_dtype


def test_random_initializers_refuse_integer_dtypes():
    with pytest.raises(ValueError, match="can only produce floating-point values. Received: dtype=int32"):
        initializers.RandomNormal()((2, 2), dtype="int32")


def test_float64_draws_are_exact_float64():
    values = initializers.RandomUniform(seed=3)((1000,), dtype="float64")
    assert values.dtype == torch.float64
    assert len(np.unique(values.numpy().astype(np.float32))) == 1000


@pytest.mark.parametrize("shape", [(50, 20), (20, 50), (3, 3, 4, 8), (3, 3, 16, 4)])
def test_orthogonal(shape, device):
    values = initializers.Orthogonal(gain=2.0, seed=0)(shape)
    assert tuple(values.shape) == shape and values.device.type == device
    flat = values.cpu().double().reshape(-1, shape[-1]).numpy()
    rows, cols = flat.shape
    gram = flat.T @ flat if rows >= cols else flat @ flat.T
    np.testing.assert_allclose(gram, 4.0 * np.eye(min(rows, cols)), atol=1e-5)


def test_orthogonal_needs_rank_two():
    with pytest.raises(ValueError, match=r"at least two-dimensional. Received: shape=\(5,\) of rank 1"):
        initializers.Orthogonal()((5,))


def test_bad_shape():
    with pytest.raises(ValueError, match="tuple of integers"):
        initializers.Zeros()(("a", 2))


def test_seed_generator_seeds():
    random_module = pytest.importorskip("torchkeras.random")
    init = initializers.RandomNormal(seed=random_module.SeedGenerator(3))
    a, b = init((4, 4)), init((4, 4))
    assert not torch.equal(a, b)  # a SeedGenerator gives a new seed on every call
    again = initializers.RandomNormal(seed=random_module.SeedGenerator(3))
    torch.testing.assert_close(again((4, 4)), a, rtol=0, atol=0)
    config = initializers.serialize(init)
    assert config["config"]["seed"]["class_name"] == "SeedGenerator"
    rebuilt = initializers.deserialize(config)
    torch.testing.assert_close(rebuilt((4, 4)), a, rtol=0, atol=0)
