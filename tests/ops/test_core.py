"""keras.ops core: conversion, dtypes and promotion, slicing/scattering, control flow, custom gradients."""
import numpy as np
import pytest
import torch

import torchkeras
from torchkeras import ops
from torchkeras.backend import KerasTensor
from torchkeras.ops.core import result_type


def test_convert_python_values_follow_keras_dtypes():
    assert ops.convert_to_tensor(1).dtype == torch.int32
    assert ops.convert_to_tensor(2**40).dtype == torch.int64
    assert ops.convert_to_tensor(1.5).dtype == torch.float32
    assert ops.convert_to_tensor(True).dtype == torch.bool
    assert ops.convert_to_tensor([1, 2]).dtype == torch.int32
    assert ops.convert_to_tensor([1, 2.5]).dtype == torch.float32
    assert ops.convert_to_tensor([]).dtype == torch.float32
    assert ops.convert_to_tensor(np.float64(2.0)).dtype == torch.float32
    assert ops.convert_to_tensor(np.int64(2)).dtype == torch.int64


def test_convert_numpy_float64_becomes_floatx_unless_dtype_given():
    x = np.arange(3, dtype="float64")
    assert ops.convert_to_tensor(x).dtype == torch.float32
    assert ops.convert_to_tensor(x, dtype="float64").dtype == torch.float64
    assert ops.convert_to_tensor(x.astype("int16")).dtype == torch.int16
    assert ops.convert_to_tensor(x.astype("uint16")).dtype == torch.int32
    np.testing.assert_array_equal(ops.convert_to_numpy(ops.convert_to_tensor(x)), x)
    torchkeras.backend.set_floatx("float16")
    try:
        assert ops.convert_to_tensor(x).dtype == torch.float16
        assert ops.convert_to_tensor(1.0).dtype == torch.float16
    finally:
        torchkeras.backend.set_floatx("float32")


def test_convert_keeps_tensor_and_stacks_lists_of_tensors():
    t = torch.ones(2, dtype=torch.float64)
    assert ops.convert_to_tensor(t) is t
    assert ops.convert_to_tensor(t, dtype="float32").dtype == torch.float32
    stacked = ops.convert_to_tensor([torch.zeros(2), torch.ones(2)])
    assert tuple(stacked.shape) == (2, 2)
    with pytest.raises(ValueError, match="sparse"):
        ops.convert_to_tensor([1], sparse=True)
    with pytest.raises(ValueError, match="Could not convert"):
        ops.convert_to_tensor(object())


def test_convert_to_numpy_handles_bfloat16_grad_and_lists():
    t = torch.ones(2, requires_grad=True) * 2
    np.testing.assert_array_equal(ops.convert_to_numpy(t), [2.0, 2.0])
    assert ops.convert_to_numpy(torch.ones(2, dtype=torch.bfloat16)).dtype == np.float32
    assert ops.convert_to_numpy([torch.zeros(2), torch.ones(2)]).shape == (2, 2)
    with pytest.raises(ValueError, match="symbolic"):
        ops.convert_to_numpy(KerasTensor((None, 2)))


def test_shape_dtype_is_tensor():
    assert ops.shape(torch.zeros(2, 3)) == (2, 3)
    assert ops.shape(KerasTensor((None, 3))) == (None, 3)
    assert ops.shape(np.zeros((4,))) == (4,)
    assert ops.dtype(torch.zeros(1, dtype=torch.int8)) == "int8"
    assert ops.dtype(KerasTensor((1,), dtype="float16")) == "float16"
    assert ops.is_tensor(torch.zeros(1)) and not ops.is_tensor(np.zeros(1))


@pytest.mark.parametrize("args,expected", [
    (("int32", "float32"), "float32"),
    (("int32", float), "float32"),
    (("float16", float), "float16"),
    (("bfloat16", "float16"), "float32"),
    (("int8", "uint8"), "int16"),
    (("uint32", "int32"), "int32"),
    (("int64", "int64"), "int32"),
    (("float64",), "float32"),
    (("bool", int), "int32"),
    (("bool", "bool"), "bool"),
    (("int8", int), "int8"),
    ((int, float), "float32"),
    (("int64", "float16"), "float16"),
    ((), "float32"),
])
def test_result_type_follows_keras_lattice(args, expected):
    assert result_type(*args) == expected


def test_cast_and_saturate_cast():
    x = torch.tensor([-300.7, -1.2, 0.5, 200.9, 1000.0])
    np.testing.assert_array_equal(ops.convert_to_numpy(ops.cast(x, "int32")), [-300, -1, 0, 200, 1000])
    np.testing.assert_array_equal(ops.convert_to_numpy(ops.saturate_cast(x, "uint8")), [0, 0, 0, 200, 255])
    np.testing.assert_array_equal(ops.convert_to_numpy(ops.saturate_cast(x, "int8")), [-128, -1, 0, 127, 127])
    big = torch.tensor([1e20, -1e20])
    np.testing.assert_array_equal(ops.convert_to_numpy(ops.saturate_cast(big, "int64")),
                                  [np.iinfo(np.int64).max - 1023, np.iinfo(np.int64).min])
    np.testing.assert_array_equal(ops.convert_to_numpy(ops.saturate_cast(torch.tensor([-2, 0, 3]), "bool")),
                                  [False, False, True])


def test_slice_and_slice_update_vs_numpy():
    x = np.arange(24, dtype="float32").reshape(4, 6)
    np.testing.assert_array_equal(ops.convert_to_numpy(ops.slice(x, (1, 2), (2, 3))), x[1:3, 2:5])
    # start indices held in a tensor are clamped so the block stays inside (no host sync needed)
    np.testing.assert_array_equal(ops.convert_to_numpy(ops.slice(x, torch.tensor([3, 5]), (2, 2))), x[2:4, 4:6])
    upd = -np.ones((2, 2), "float32")
    expected = x.copy()
    expected[1:3, 4:6] = -1
    np.testing.assert_array_equal(ops.convert_to_numpy(ops.slice_update(x, (1, 4), upd)), expected)
    np.testing.assert_array_equal(ops.convert_to_numpy(ops.slice_update(x, torch.tensor([1, 4]), upd)), expected)


def test_scatter_and_scatter_update_vs_numpy():
    idx = np.array([[0, 1], [2, 3], [0, 1]])
    out = ops.convert_to_numpy(ops.scatter(idx, np.array([1.0, 2.0, 3.0], "float32"), (3, 4)))
    expected = np.zeros((3, 4), "float32")
    np.add.at(expected, (idx[:, 0], idx[:, 1]), [1.0, 2.0, 3.0])
    np.testing.assert_array_equal(out, expected)
    base = np.arange(12, dtype="float32").reshape(3, 4)
    where = np.array([[0, 0], [2, 1], [0, 0]])
    upd = np.array([10.0, -5.0, 3.0], "float32")
    for reduction, fn in (("add", np.add), ("max", np.maximum), ("min", np.minimum), ("mul", np.multiply)):
        expected = base.copy()
        fn.at(expected, (where[:, 0], where[:, 1]), upd)
        got = ops.convert_to_numpy(ops.scatter_update(base, where, upd, reduction=reduction))
        np.testing.assert_array_equal(got, expected)
    with pytest.raises(ValueError, match="Unsupported reduction"):
        ops.scatter_update(base, where, upd, reduction="sub")


def test_unstack():
    parts = ops.unstack(np.arange(6).reshape(2, 3), axis=1)
    assert len(parts) == 3 and tuple(parts[0].shape) == (2,)
    with pytest.raises(ValueError, match="num=4"):
        ops.unstack(np.zeros((3, 2)), num=4)


def test_control_flow():
    assert int(ops.cond(torch.tensor(True), lambda: 1, lambda: 2)) == 1
    assert float(ops.switch(5, [lambda v: v, lambda v: v * 10], torch.tensor(2.0))) == 20.0
    i, acc = ops.while_loop(lambda i, a: i < 4, lambda i, a: (i + 1, a * 2), (0, torch.tensor(1.0)))
    assert int(i) == 4 and float(acc) == 16.0
    assert int(ops.while_loop(lambda i: i < 100, lambda i: i + 1, 0, maximum_iterations=7)) == 7
    assert float(ops.fori_loop(0, 5, lambda i, v: v + i, torch.tensor(0.0))) == 10.0
    carry, ys = ops.scan(lambda c, x: (c + x, c), torch.tensor(0.0), torch.arange(4.0))
    assert float(carry) == 6.0
    np.testing.assert_array_equal(ops.convert_to_numpy(ys), [0.0, 0.0, 1.0, 3.0])
    carry, ys = ops.scan(lambda c, _: (c + 1, None), torch.tensor(0), length=3)
    assert int(carry) == 3 and tuple(ys.shape) == (3,)
    x = np.random.rand(9, 2).astype("float32")
    np.testing.assert_allclose(ops.convert_to_numpy(ops.associative_scan(lambda a, b: a + b, x)),
                               np.cumsum(x, 0), rtol=1e-6)
    np.testing.assert_allclose(ops.convert_to_numpy(ops.associative_scan(lambda a, b: a + b, x, reverse=True)),
                               np.cumsum(x[::-1], 0)[::-1], rtol=1e-6)
    pairs = ops.associative_scan(lambda a, b: (a[0] + b[0], a[1] * b[1]), (x[:, 0], x[:, 1]))
    np.testing.assert_allclose(ops.convert_to_numpy(pairs[1]), np.cumprod(x[:, 1]), rtol=1e-5)
    np.testing.assert_allclose(ops.convert_to_numpy(ops.map(lambda r: r.sum(), x)), x.sum(1), rtol=1e-6)


def test_vectorized_map_uses_vmap_and_falls_back_for_data_dependent_code():
    x = torch.arange(6.0).reshape(3, 2)
    np.testing.assert_allclose(ops.convert_to_numpy(ops.vectorized_map(lambda r: r * 2, x)), x.numpy() * 2)

    def data_dependent(r):
        return r * 2 if float(r.sum()) > 2 else r

    out = ops.convert_to_numpy(ops.vectorized_map(data_dependent, x))
    np.testing.assert_allclose(out, [[0, 1], [4, 6], [8, 10]])


def test_custom_gradient():
    @ops.custom_gradient
    def clip_grad(x):
        def grad(upstream):
            return upstream * 0.5

        return x * 3, grad

    x = torch.tensor([1.0, 2.0], requires_grad=True)
    clip_grad(x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [0.5, 0.5])

    @ops.custom_gradient
    def bad(x):
        return x

    with pytest.raises(ValueError, match="grad_fn"):
        bad(torch.tensor([1.0], requires_grad=True))


def test_symbolic_control_flow_checks_branch_specs():
    x = KerasTensor((None, 3))
    out = ops.cond(ops.sum(x) > 0, lambda: x * 2, lambda: x - 1)
    assert isinstance(out, KerasTensor) and out.shape == (None, 3)
    with pytest.raises(ValueError, match="same shapes"):
        ops.cond(ops.sum(x) > 0, lambda: x, lambda: ops.sum(x))
    looped = ops.while_loop(lambda a: ops.sum(a) < 10, lambda a: a + 1, x)
    assert looped.shape == (None, 3)
