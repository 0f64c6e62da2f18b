"""keras.random: seeding semantics, SeedGenerator, distribution sanity, dropout and shuffle."""
import numpy as np
import pytest
import torch

import torchkeras
from torchkeras import random as krandom


def np_(x):
    return x.detach().cpu().numpy()


def test_int_seed_repeats_generator_advances_none_uses_torch_rng():
    np.testing.assert_array_equal(np_(krandom.normal((4,), seed=7)), np_(krandom.normal((4,), seed=7)))
    gen = krandom.SeedGenerator(7)
    a, b = krandom.normal((4,), seed=gen), krandom.normal((4,), seed=gen)
    assert not np.allclose(np_(a), np_(b))
    np.testing.assert_array_equal(np_(a), np_(krandom.normal((4,), seed=7)))  # first draw uses seed + 0
    gen2 = krandom.SeedGenerator(7)
    np.testing.assert_array_equal(np_(krandom.normal((4,), seed=gen2)), np_(a))
    torch.manual_seed(0)
    c = krandom.uniform((3,))
    torch.manual_seed(0)
    np.testing.assert_array_equal(np_(krandom.uniform((3,))), np_(c))


def test_seed_generator_state_config_and_errors():
    gen = krandom.SeedGenerator(11, name="my_gen")
    krandom.uniform((2,), seed=gen)
    np.testing.assert_array_equal(gen.state.numpy(), [11, 1])
    assert gen.get_config() == {"seed": 11, "name": "my_gen"}
    clone = krandom.SeedGenerator.from_config(gen.get_config())
    np.testing.assert_array_equal(clone.state.numpy(), [11, 0])
    assert gen.state.name == "seed_generator_state" and gen.state.path == "my_gen/seed_generator_state"
    unordered = gen.next(ordered=False)
    np.testing.assert_array_equal(unordered.numpy(), [11, 1])
    assert krandom.SeedGenerator().get_config()["seed"] is None
    with pytest.raises(ValueError, match="must be an integer"):
        krandom.SeedGenerator(1.5)
    with pytest.raises(ValueError, match="SeedGenerator"):
        krandom.normal((2,), seed="abc")


def test_distributions_have_the_right_moments_and_ranges():
    n = (20000,)
    x = np_(krandom.normal(n, mean=2.0, stddev=3.0, seed=1))
    assert abs(x.mean() - 2.0) < 0.1 and abs(x.std() - 3.0) < 0.1
    u = np_(krandom.uniform(n, minval=-1.0, maxval=3.0, seed=2))
    assert u.min() >= -1.0 and u.max() < 3.0 and abs(u.mean() - 1.0) < 0.05
    assert krandom.uniform((), seed=2).shape == ()
    t = np_(krandom.truncated_normal(n, mean=1.0, stddev=0.5, seed=3))
    assert t.min() >= 0.0 and t.max() <= 2.0 and abs(t.std() - 0.5 * 0.8796) < 0.02
    r = np_(krandom.randint(n, -3, 4, seed=4))
    assert r.dtype == np.int32 and set(np.unique(r)) == set(range(-3, 4))
    g = np_(krandom.gamma(n, 3.0, seed=5))
    assert abs(g.mean() - 3.0) < 0.1
    bn = np_(krandom.binomial(n, 10.0, 0.3, seed=6))
    assert abs(bn.mean() - 3.0) < 0.1 and bn.min() >= 0 and bn.max() <= 10
    bt = np_(krandom.beta(n, 2.0, 6.0, seed=7))
    assert abs(bt.mean() - 0.25) < 0.01
    np.testing.assert_array_equal(np_(krandom.gamma((5,), 2.0, seed=9)), np_(krandom.gamma((5,), 2.0, seed=9)))
    assert krandom.normal((2,), dtype="float16").dtype == torch.float16
    with pytest.raises(ValueError, match="floating point"):
        krandom.uniform((2,), dtype="int32")
    with pytest.raises(ValueError, match="integer"):
        krandom.randint((2,), 0, 3, dtype="float32")


def test_seeded_gamma_leaves_global_rng_alone():
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    krandom.gamma((4,), 2.0, seed=1)
    np.testing.assert_array_equal(np_(torch.rand(3)), np_(expected))


def test_categorical():
    logits = np.log(np.array([[0.1, 0.9], [0.99, 0.01]], "float32"))
    s = np_(krandom.categorical(logits, 5000, seed=1))
    assert s.shape == (2, 5000) and s.dtype == np.int32
    assert abs(s[0].mean() - 0.9) < 0.03 and abs(s[1].mean() - 0.01) < 0.01
    with pytest.raises(ValueError, match="2-D"):
        krandom.categorical(logits[0], 3)


def test_dropout_and_shuffle():
    x = torch.ones(2000, 10)
    for seed in (None, 3, krandom.SeedGenerator(4)):
        y = np_(krandom.dropout(x, 0.25, seed=seed))
        np.testing.assert_allclose(np.unique(y), [0.0, 1.0 / 0.75], rtol=1e-6)
        assert abs((y == 0).mean() - 0.25) < 0.02
    shared = np_(krandom.dropout(x, 0.5, noise_shape=(None, 1), seed=1))
    assert (shared == shared[:, :1]).all()
    assert (np_(krandom.dropout(x, 1.0)) == 0).all() and krandom.dropout(x, 0.0) is not None
    with pytest.raises(ValueError, match="rate"):
        krandom.dropout(x, 1.5)
    v = torch.arange(12).reshape(4, 3)
    s = np_(krandom.shuffle(v, seed=1))
    assert sorted(map(tuple, s)) == sorted(map(tuple, v.numpy()))
    s1 = np_(krandom.shuffle(v, axis=1, seed=2))
    assert all(sorted(row) == sorted(orig) for row, orig in zip(s1, v.numpy()))


def test_set_random_seed_style_reproducibility_of_unseeded_calls():
    torch.manual_seed(42)
    a = np_(krandom.normal((3,)))
    torch.manual_seed(42)
    b = np_(krandom.normal((3,)))
    np.testing.assert_array_equal(a, b)
    assert torchkeras.random.SeedGenerator is krandom.SeedGenerator
