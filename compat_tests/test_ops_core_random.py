"""keras.ops core functions and keras.random: torchkeras vs real Keras 3 (torch backend)."""
import pytest

import keras  # noqa: E402
import numpy as np
import torch

import torchkeras
from torchkeras import ops as tk_ops

RNG = np.random.default_rng(4)
X = RNG.standard_normal((4, 5)).astype("float32")


def to_numpy(x):
    if isinstance(x, (list, tuple)):
        return [to_numpy(e) for e in x]
    if isinstance(x, torch.Tensor):
        return x.detach().cpu().numpy()
    return np.asarray(x)


def compare(k_out, t_out, rtol=1e-6, atol=1e-6, check_dtype=True):
    k_np, t_np = to_numpy(k_out), to_numpy(t_out)
    if isinstance(k_np, list):
        assert len(k_np) == len(t_np)
        for a, b in zip(k_np, t_np):
            np.testing.assert_allclose(b, a, rtol=rtol, atol=atol)
        return
    assert np.shape(t_np) == np.shape(k_np), (np.shape(t_np), np.shape(k_np))
    np.testing.assert_allclose(t_np, k_np, rtol=rtol, atol=atol)
    if check_dtype:
        assert t_out.dtype == k_out.dtype


CONVERT = [1, 1.5, True, [1, 2], [1.0, 2], [[True, False]], np.float32(2.0), np.int64(3), np.float64(1.5),
           np.array([1, 2], "int64"), np.array([1, 2], "int32"), np.array([1.0], "float16"),
           np.array([True]), np.array([1, 2], "uint8"), (3, 4), 2**40]


@pytest.mark.parametrize("value", CONVERT, ids=repr)
def test_convert_to_tensor_dtypes(value):
    compare(keras.ops.convert_to_tensor(value), tk_ops.convert_to_tensor(value))
    for dtype in ("float16", "int32", "bool"):
        try:
            k_out = keras.ops.convert_to_tensor(value, dtype=dtype)
        except RuntimeError:  # e.g. 2**40 does not fit in int32: torchkeras raises too
            with pytest.raises(RuntimeError):
                tk_ops.convert_to_tensor(value, dtype=dtype)
            continue
        compare(k_out, tk_ops.convert_to_tensor(value, dtype=dtype))


def test_float64_numpy_becomes_floatx():
    """Documented difference: float64 NumPy input becomes floatx (Keras keeps float64 in ops, then layers
    cast it); an explicit dtype is honoured."""
    x = np.array([1.5, 2.5])
    assert tk_ops.convert_to_tensor(x).dtype == torch.float32
    compare(keras.ops.convert_to_tensor(x, dtype="float64"), tk_ops.convert_to_tensor(x, dtype="float64"))


@pytest.mark.parametrize("dtype", ["float32", "float16", "int32", "int8", "uint8", "bool", "int64"])
def test_cast_and_saturate_cast(dtype):
    x = X * 300
    compare(keras.ops.cast(x, dtype), tk_ops.cast(x, dtype))
    compare(keras.ops.saturate_cast(x, dtype), tk_ops.saturate_cast(x, dtype))
    ints = np.array([-70000, -5, 0, 300, 70000], "int32")
    if dtype != "float32":  # Keras on torch overflows int32 -> float32 (all values become -2**31)
        compare(keras.ops.saturate_cast(ints, dtype), tk_ops.saturate_cast(ints, dtype))
    else:
        compare(keras.ops.cast(ints, dtype), tk_ops.saturate_cast(ints, dtype))


def test_shape_dtype_is_tensor():
    t = torch.as_tensor(X)
    assert tk_ops.shape(t) == keras.ops.shape(t)
    assert tk_ops.dtype(t) == keras.ops.dtype(t)
    assert tk_ops.is_tensor(t) and not tk_ops.is_tensor(X)
    assert tk_ops.shape(torchkeras.KerasTensor((None, 3))) == keras.ops.shape(keras.KerasTensor((None, 3)))


def test_scatter_slice_unstack():
    idx = np.array([[0, 1], [2, 3], [0, 1]], "int32")
    vals = np.array([1.0, 2.0, 3.0], "float32")
    compare(keras.ops.scatter(idx, vals, (3, 4)), tk_ops.scatter(idx, vals, (3, 4)))
    rows = np.array([[1], [3]], "int32")
    row_vals = np.ones((2, 5), "float32")
    compare(keras.ops.scatter(rows, row_vals, (4, 5)), tk_ops.scatter(rows, row_vals, (4, 5)))
    for reduction in (None, "add", "max", "min", "mul"):
        upd = np.array([5.0, -3.0], "float32")
        where = np.array([[0, 1], [3, 4]], "int32")
        compare(keras.ops.scatter_update(X, where, upd, reduction=reduction),
                tk_ops.scatter_update(X, where, upd, reduction=reduction))
    compare(keras.ops.scatter_update(X, np.array([[1], [2]]), np.zeros((2, 5), "float32")),
            tk_ops.scatter_update(X, np.array([[1], [2]]), np.zeros((2, 5), "float32")))
    compare(keras.ops.slice(X, (1, 2), (2, 3)), tk_ops.slice(X, (1, 2), (2, 3)))
    compare(keras.ops.slice(X, torch.tensor([1, 0]), (2, 3)), tk_ops.slice(X, torch.tensor([1, 0]), (2, 3)))
    upd = np.ones((2, 2), "float32")
    compare(keras.ops.slice_update(X, (1, 3), upd), tk_ops.slice_update(X, (1, 3), upd))
    compare(keras.ops.slice_update(X, torch.tensor([2, 1]), upd), tk_ops.slice_update(X, torch.tensor([2, 1]), upd))
    t = torch.as_tensor(X)
    compare(keras.ops.unstack(t), tk_ops.unstack(t))
    compare(keras.ops.unstack(t, axis=1), tk_ops.unstack(t, axis=1))


def test_control_flow():
    t = torch.as_tensor(X)
    compare(keras.ops.cond(True, lambda: t + 1, lambda: t - 1), tk_ops.cond(True, lambda: t + 1, lambda: t - 1))
    compare(keras.ops.cond(torch.tensor(False), lambda: t + 1, lambda: t - 1),
            tk_ops.cond(torch.tensor(False), lambda: t + 1, lambda: t - 1))
    branches = [lambda a: a * 2, lambda a: a - 3, lambda a: a ** 2]
    for index in (0, 2, 7, -1):
        compare(keras.ops.switch(index, branches, t), tk_ops.switch(index, branches, t))

    def cond(i, acc):
        return i < 5

    def body(i, acc):
        return i + 1, acc * 1.5

    compare(keras.ops.while_loop(cond, body, (0, t)), tk_ops.while_loop(cond, body, (0, t)), check_dtype=False)
    compare(keras.ops.while_loop(cond, body, (0, t), maximum_iterations=3),
            tk_ops.while_loop(cond, body, (0, t), maximum_iterations=3), check_dtype=False)
    compare(keras.ops.fori_loop(0, 4, lambda i, v: v + i, t), tk_ops.fori_loop(0, 4, lambda i, v: v + i, t))

    def step(carry, x):
        return carry + x, carry * x

    for reverse in (False, True):
        k_c, k_y = keras.ops.scan(step, torch.zeros(5), t, reverse=reverse)
        t_c, t_y = tk_ops.scan(step, torch.zeros(5), t, reverse=reverse)
        compare(k_c, t_c)
        compare(k_y, t_y)
    compare(keras.ops.map(lambda r: r.sum(), t), tk_ops.map(lambda r: r.sum(), t))
    for reverse in (False, True):
        compare(keras.ops.associative_scan(lambda a, b: a + b, t, reverse=reverse),
                tk_ops.associative_scan(lambda a, b: a + b, t, reverse=reverse), atol=1e-5)
        compare(keras.ops.associative_scan(torch.maximum, t, axis=1, reverse=reverse),
                tk_ops.associative_scan(torch.maximum, t, axis=1, reverse=reverse))
    compare(keras.ops.vectorized_map(lambda r: r * r.sum(), t), tk_ops.vectorized_map(lambda r: r * r.sum(), t),
            atol=1e-5)


def test_custom_gradient_and_stop_gradient():
    def make(ops_module):
        @ops_module.custom_gradient
        def log1pexp(x):
            e = ops_module.exp(x)

            def grad(*args, upstream=None):
                if upstream is None:
                    (upstream,) = args
                return ops_module.multiply(upstream, 1.0 - 1.0 / ops_module.add(1, e))

            return ops_module.log(1 + e), grad

        return log1pexp

    grads = []
    for ops_module in (keras.ops, tk_ops):
        x = torch.tensor(X, requires_grad=True)
        y = make(ops_module)(x)
        y.sum().backward()
        grads.append((y.detach(), x.grad))
    compare(grads[0][0], grads[1][0])
    compare(grads[0][1], grads[1][1])
    x = torch.tensor(X, requires_grad=True)
    (tk_ops.stop_gradient(x) * x).sum().backward()
    np.testing.assert_allclose(to_numpy(x.grad), X)


RANDOM_CASES = [
    ("normal", ((3, 4),), {}), ("normal", ((2, 5),), {"mean": 1.0, "stddev": 2.0}),
    ("normal", ((3,),), {"dtype": "float16"}), ("uniform", ((3, 4),), {}), ("uniform", ((),), {}),
    ("uniform", ((5,),), {"minval": -2.0, "maxval": 3.0}), ("randint", ((3, 4), 0, 10), {}),
    ("randint", ((6,), -5, 5), {"dtype": "int64"}), ("truncated_normal", ((4, 5),), {}),
    ("truncated_normal", ((4,),), {"mean": 2.0, "stddev": 0.5}), ("gamma", ((3, 4), 2.0), {}),
    ("binomial", ((3, 4), 10.0, 0.3), {}), ("beta", ((3, 4), 2.0, 5.0), {}),
]


@pytest.mark.parametrize("name,args,kwargs", RANDOM_CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(RANDOM_CASES)])
def test_random_matches_keras_with_seeds(name, args, kwargs):
    compare(getattr(keras.random, name)(*args, seed=123, **kwargs),
            getattr(torchkeras.random, name)(*args, seed=123, **kwargs))
    k_gen, t_gen = keras.random.SeedGenerator(7), torchkeras.random.SeedGenerator(7)
    for _ in range(3):
        compare(getattr(keras.random, name)(*args, seed=k_gen, **kwargs),
                getattr(torchkeras.random, name)(*args, seed=t_gen, **kwargs))
    compare(k_gen.state.value, t_gen.state)


def test_random_dropout_shuffle_categorical_match_keras():
    x = torch.as_tensor(X)
    for seed in (3, 99):
        compare(keras.random.dropout(x, 0.4, seed=seed), torchkeras.random.dropout(x, 0.4, seed=seed))
        compare(keras.random.dropout(x, 0.5, noise_shape=(1, 5), seed=seed),
                torchkeras.random.dropout(x, 0.5, noise_shape=(1, 5), seed=seed))
        compare(keras.random.shuffle(x, seed=seed), torchkeras.random.shuffle(x, seed=seed))
        compare(keras.random.shuffle(x, axis=1, seed=seed), torchkeras.random.shuffle(x, axis=1, seed=seed))
        compare(keras.random.categorical(x, 6, seed=seed), torchkeras.random.categorical(x, 6, seed=seed))
    compare(keras.random.dropout(x, 1.0), torchkeras.random.dropout(x, 1.0))
    compare(keras.random.dropout(x, 0.0), torchkeras.random.dropout(x, 0.0))


def test_seed_generator_config_and_state():
    k_gen, t_gen = keras.random.SeedGenerator(2**31 - 5), torchkeras.random.SeedGenerator(2**31 - 5)
    compare(k_gen.state.value, t_gen.state)
    assert set(t_gen.get_config()) == set(k_gen.get_config())
    assert t_gen.get_config()["seed"] == k_gen.get_config()["seed"]
    assert t_gen.state.path.endswith("seed_generator_state")
    for _ in range(7):  # the counter wraps like Keras's int32 state
        compare(keras.random.normal((2,), seed=k_gen), torchkeras.random.normal((2,), seed=t_gen))
    compare(k_gen.state.value, t_gen.state)
