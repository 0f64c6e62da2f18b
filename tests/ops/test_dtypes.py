"""Ops on every dtype Keras accepts: Keras's promotion rules, and wider compute where torch has no kernel."""
import numpy as np
import pytest
import torch

import torchkeras as keras
from torchkeras import ops
from torchkeras.backend import result_type


@pytest.mark.parametrize("dtypes,expected", [
    (("int8", "uint8"), "int16"),
    (("uint8", int), "uint8"),
    (("bfloat16", int), "bfloat16"),
    (("bfloat16", "float16"), "float32"),
    (("int32", "float16"), "float16"),
    (("int64", float), "float32"),
    (("float64",), "float32"),  # 64-bit results narrowed, as Keras on torch
    (("int64", "int64"), "int32"),
    (("uint32", "int32"), "int32"),
    ((bool, int), "int32"),
    ((int, float), "float32"),
    (("bool",), "bool"),
    (("complex64", float), "complex64"),
    ((None,), "float32"),
    ((), "float32"),
])
def test_result_type_follows_keras_lattice(dtypes, expected):
    assert result_type(*dtypes) == expected
    assert keras.backend.result_type(*dtypes) == expected


def test_result_type_errors_like_keras():
    with pytest.raises(ValueError, match="no implicit conversions from float8"):
        result_type("float8_e4m3fn", "float32")
    with pytest.raises(ValueError, match="not a valid dtype for Keras type promotion"):
        result_type("string", "float32")


def _image(dtype, shape=(2, 7, 6, 3)):
    values = np.arange(int(np.prod(shape))).reshape(shape) % 251
    return ops.convert_to_tensor(values, dtype=dtype)


@pytest.mark.parametrize("dtype", ["uint8", "int8", "int16", "int32", "int64", "bool", "float16", "float32"])
@pytest.mark.parametrize("kwargs", [{}, {"strides": 1}, {"padding": "same", "strides": 2},
                                    {"dilation_rate": 2, "strides": 1}])
def test_extract_patches_every_dtype_is_exact(dtype, kwargs):
    images = _image(dtype)
    patches = ops.image.extract_patches(images, (2, 3), **kwargs)
    reference = ops.image.extract_patches(ops.cast(images, "float64"), (2, 3), **kwargs)
    assert patches.dtype == images.dtype
    np.testing.assert_array_equal(patches.to(torch.float64).numpy(), reference.to(images.dtype).to(torch.float64))


def test_extract_patches_layout_is_row_col_channel():
    images = _image("uint8", (1, 4, 4, 2))
    patches = ops.image.extract_patches(images, 2)
    np.testing.assert_array_equal(patches[0, 0, 0].numpy(), images[0, :2, :2, :].reshape(-1).numpy())
    volumes = ops.convert_to_tensor(np.arange(64).reshape(1, 4, 4, 4, 1), dtype="int16")
    cubes = ops.image.extract_patches_3d(volumes, 2)
    assert cubes.dtype == torch.int16 and tuple(cubes.shape) == (1, 2, 2, 2, 8)
    np.testing.assert_array_equal(cubes[0, 1, 0, 1].numpy(), volumes[0, 2:, :2, 2:, :].reshape(-1).numpy())


def test_argmax_and_argmin_of_bool():
    x = ops.convert_to_tensor(np.array([[True, False, True], [False, False, True]]))
    np.testing.assert_array_equal(ops.argmax(x, axis=-1).numpy(), [0, 2])
    np.testing.assert_array_equal(ops.argmin(x, axis=-1).numpy(), [1, 0])
    assert ops.argmax(x, axis=-1).dtype == torch.int32
    np.testing.assert_array_equal(keras.backend.argmax(x).numpy(), [0, 2])


def test_uint8_images_promote_like_keras():
    images = _image("uint8")
    assert (images / 255).dtype == torch.float32
    assert (images * 0.5).dtype == torch.float32
    assert (images + 1).dtype == torch.uint8
    assert ops.image.resize(images, (3, 3)).dtype == torch.uint8
    assert ops.image.rgb_to_grayscale(images).dtype == torch.uint8
    assert ops.mean(images).dtype == torch.float32


@pytest.mark.parametrize("dtype", ["int8", "int32", "uint8"])
def test_clipping_activations_keep_integer_dtypes(dtype):
    x = ops.convert_to_tensor(np.array([0, 3, 9, 1]), dtype=dtype)
    assert ops.relu6(x).dtype == x.dtype and ops.relu6(x).tolist() == [0, 3, 6, 1]
    assert ops.hard_tanh(x).dtype == x.dtype and ops.hard_tanh(x).tolist() == [0, 1, 1, 1]
    assert ops.threshold(x, 2, 7).tolist() == [7, 3, 9, 7]


def test_low_precision_linear_algebra_runs_in_float32():
    a = np.array([[2.0, 1.0], [1.0, 3.0]])
    for dtype in ("float16", "bfloat16"):
        x = ops.convert_to_tensor(a, dtype=dtype)
        inv = ops.linalg.inv(x)
        assert inv.dtype == x.dtype
        np.testing.assert_allclose(inv.to(torch.float32).numpy(), np.linalg.inv(a), rtol=1e-2, atol=1e-2)
        real, imag = ops.fft((x, ops.zeros_like(x)))
        assert real.dtype == x.dtype
        np.testing.assert_allclose(real.to(torch.float32).numpy(), np.fft.fft(a).real, rtol=1e-2, atol=1e-2)


def test_integer_unfold_fold_and_transposed_conv_are_exact():
    x = ops.convert_to_tensor(np.arange(32).reshape(1, 2, 4, 4), dtype="int32")
    cols = ops.unfold(x, 2)
    assert cols.dtype == torch.int32
    np.testing.assert_array_equal(cols.numpy(), ops.unfold(ops.cast(x, "float32"), 2).numpy())
    np.testing.assert_array_equal(ops.fold(cols, (4, 4), 2).numpy(), ops.fold(ops.cast(cols, "float32"), (4, 4), 2))
    images = ops.convert_to_tensor(np.arange(18).reshape(1, 3, 3, 2), dtype="int16")
    kernel = ops.convert_to_tensor(np.ones((2, 2, 3, 2)), dtype="int16")
    out = ops.conv_transpose(images, kernel, strides=2)
    assert out.dtype == torch.int16
    expected = ops.conv_transpose(ops.cast(images, "float32"), ops.cast(kernel, "float32"), strides=2)
    np.testing.assert_array_equal(out.numpy(), expected.numpy())


def test_normalize_float16_does_not_overflow():
    x = ops.convert_to_tensor(np.array([[3.0, 4.0], [30.0, 40.0]]), dtype="float16")
    out = ops.normalize(x)  # 1 / epsilon is inf in float16: the bound never applies, as in Keras
    assert out.dtype == torch.float16
    np.testing.assert_allclose(out.to(torch.float32).numpy(), [[0.6, 0.8], [0.6, 0.8]], atol=1e-3)


def test_missing_kernels_give_a_clear_error():
    x = ops.convert_to_tensor(np.array([1.5, 2.5]), dtype="float32")
    with pytest.raises(NotImplementedError, match=r"`keras.ops.bitwise_and` does not support inputs of dtype "
                                                  r"float32 on cpu.*keras.ops.cast"):
        ops.bitwise_and(x, x)
    b = ops.convert_to_tensor(np.array([True, False]))
    with pytest.raises(RuntimeError, match="`keras.ops.negative` does not support inputs of dtype bool"):
        ops.negative(b)


def test_matrix_products_use_keras_result_types():
    i8 = ops.convert_to_tensor(np.array([[1, 2], [3, 4]]), dtype="int8")
    assert ops.matmul(i8, i8).dtype == torch.int32
    assert ops.tensordot(i8, i8, 1).dtype == torch.int8
    assert ops.inner(i8, i8).dtype == torch.int8
    f64 = ops.cast(i8, "float64")
    assert ops.matmul(f64, f64).dtype == torch.float32  # as Keras on torch
    values, indices = ops.top_k(ops.cast(i8, "float32"), 1)
    assert indices.dtype == torch.int64  # torch's indices, as Keras on torch returns them
