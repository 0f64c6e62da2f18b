"""keras.quantizers functions: int8 abs-max, grouped zero-point int4, packing, float8 scaling, fake quant."""
import numpy as np
import pytest
import torch

from torchkeras import quantizers


def _rand(shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype("float32")


@pytest.mark.parametrize("to_numpy", [False, True])
def test_abs_max_quantize_values_and_scale(to_numpy):
    x = np.array([[1.0, -2.0, 0.5], [0.25, 0.1, -0.05]], dtype="float32")
    q, scale = quantizers.abs_max_quantize(x, axis=-1, to_numpy=to_numpy)
    expected_scale = np.float32(127) / (np.abs(x).max(axis=-1, keepdims=True) + np.float32(1e-7))
    np.testing.assert_array_equal(scale.numpy(), expected_scale)
    np.testing.assert_array_equal(q.numpy(), np.clip(np.round(x * expected_scale), -127, 127).astype("int8"))
    assert q.dtype == torch.int8 and scale.dtype == torch.float32 and tuple(scale.shape) == (2, 1)


def test_abs_max_quantize_numpy_and_tensor_paths_agree_bit_for_bit():
    x = _rand((64, 33))
    for axis in (0, -1, (0, 1)):
        qa, sa = quantizers.abs_max_quantize(x, axis=axis)
        qb, sb = quantizers.abs_max_quantize(x, axis=axis, to_numpy=True)
        assert torch.equal(qa, qb) and torch.equal(sa, sb)


def test_abs_max_quantizer_axis_value_range_and_config():
    quantizer = quantizers.AbsMaxQuantizer(axis=0, value_range=(-8, 7))
    q, scale = quantizer(_rand((5, 4)))
    assert tuple(scale.shape) == (1, 4) and int(q.max()) <= 7 and int(q.min()) >= -8
    assert quantizer.get_config() == {"value_range": (-8, 7), "epsilon": 1e-7, "output_dtype": "int8", "axis": (0,)}
    assert quantizers.AbsMaxQuantizer.from_config(quantizer.get_config()).axis == (0,)
    with pytest.raises(ValueError, match="within the interval"):
        quantizers.AbsMaxQuantizer(value_range=(-200, 200))
    assert isinstance(quantizers.get("AbsMaxQuantizer", axis=-1), quantizers.AbsMaxQuantizer)
    assert quantizers.get(None) is None
    with pytest.raises(ValueError, match="Could not interpret"):
        quantizers.get(3)


def test_grouped_zero_point_quantization_reconstructs_within_half_a_step():
    # Each group's range must contain 0 (Keras's zero point is clipped to [-8, 7]; weights of one sign saturate).
    x = _rand((10, 6))
    x[0::4], x[1::4] = np.abs(x[0::4]), -np.abs(x[1::4])
    for to_numpy in (False, True):
        q, scale, zero = quantizers.abs_max_quantize_grouped_with_zero_point(x, block_size=4, to_numpy=to_numpy)
        assert tuple(q.shape) == (10, 6) and tuple(scale.shape) == (3, 6) and zero.dtype == torch.int8
        assert int(q.min()) >= -8 and int(q.max()) <= 7
        g = torch.arange(10) // 4
        restored = (q.float() - zero[g].float()) * scale[g]
        assert float((restored - torch.tensor(x)).abs().max()) <= float(scale.max()) / 2 + 1e-6


def test_pack_unpack_int4_keras_docstring_example():
    original = np.array([[-3, 7], [2, -8], [1, 0]], dtype=np.int8)
    packed, shape, n = quantizers.pack_int4(original, axis=0)
    np.testing.assert_array_equal(packed.numpy(), [[45, -121], [1, 0]])
    assert shape == (2, 2) and n == 3
    np.testing.assert_array_equal(quantizers.unpack_int4(packed, n, axis=0).numpy(), original)
    original = np.array([[-3, 7, 2], [-8, 1, 0]], dtype=np.int8)
    packed, _, n = quantizers.pack_int4(original, axis=1)
    np.testing.assert_array_equal(packed.numpy(), [[125, 2], [24, 0]])
    np.testing.assert_array_equal(quantizers.unpack_int4(packed, n, axis=1).numpy(), original)


def test_pack_int4_checks_dtypes():
    with pytest.raises(TypeError, match="Expected int8 tensor"):
        quantizers.pack_int4(np.zeros((2, 2), dtype="int32"))
    with pytest.raises(ValueError, match="'int8' or 'uint8'"):
        quantizers.pack_int4(np.zeros((2, 2), dtype="int8"), dtype="int16")
    with pytest.raises(TypeError, match="int8 or uint8"):
        quantizers.unpack_int4(torch.zeros(2, 2), 2)


def test_unpack_uint8_keeps_nibbles_unsigned():
    values = np.array([[0, 15], [9, 3]], dtype=np.uint8)
    packed, _, n = quantizers.pack_int4(values, axis=0, dtype="uint8")
    np.testing.assert_array_equal(quantizers.unpack_int4(packed, n, axis=0, dtype="uint8").numpy(), values)


def test_float8_scale_and_amax_history():
    scale = quantizers.compute_float8_scale(torch.tensor(4.0), torch.tensor(2.0), 448.0)
    assert float(scale) == pytest.approx(4.0 / 448.0)
    # zero or non-finite amax keeps the old scale
    assert float(quantizers.compute_float8_scale(torch.tensor(0.0), torch.tensor(2.0), 448.0)) == 2.0
    assert float(quantizers.compute_float8_scale(torch.tensor(float("inf")), torch.tensor(2.0), 448.0)) == 2.0
    history = quantizers.compute_float8_amax_history(torch.tensor([-5.0, 3.0]), torch.tensor([1.0, 2.0, 3.0]))
    np.testing.assert_array_equal(history.numpy(), [5.0, 3.0, 1.0])


def test_quantize_and_dequantize_clips_and_rounds_to_float8():
    x = torch.tensor([1000.0, 0.3, -1000.0])
    out = quantizers.quantize_and_dequantize(x, torch.tensor(1.0), "float8_e4m3fn", "float32")
    np.testing.assert_array_equal(out.numpy(), [448.0, float(torch.tensor(0.3).to(torch.float8_e4m3fn).float()),
                                                -448.0])


def test_fake_quant_per_tensor_values_and_gradients():
    x = torch.tensor([-1.0, 0.0, 0.49, 0.51, 255.0, 256.0], requires_grad=True)
    low = torch.tensor(0.0, requires_grad=True)
    high = torch.tensor(255.0, requires_grad=True)
    out = quantizers.fake_quant_with_min_max_vars(x, low, high, num_bits=8)
    np.testing.assert_allclose(out.detach().numpy(), [0.0, 0.0, 0.0, 1.0, 255.0, 255.0])
    out.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0, 1, 1, 1, 1, 0])
    assert float(low.grad) == 2.0 and float(high.grad) == 2.0  # x <= min: -1, 0; x >= max: 255, 256


def test_fake_quant_per_channel_and_symbolic():
    from torchkeras.backend.keras_tensor import KerasTensor

    x = torch.tensor([[0.0, 10.0], [2.0, -10.0]])
    out = quantizers.fake_quant_with_min_max_vars(x, torch.tensor([0.0, -1.0]), torch.tensor([1.0, 1.0]), axis=-1)
    assert tuple(out.shape) == (2, 2) and float(out[0, 1]) == pytest.approx(1.0, abs=0.01)
    spec = quantizers.fake_quant_with_min_max_vars(KerasTensor((2, 3)), -3.0, 3.0)
    assert isinstance(spec, KerasTensor) and spec.shape == (2, 3)


def test_compute_quantization_parameters_shapes_and_ranges():
    w = torch.tensor(_rand((4, 10)))
    scale, zero, maxq = quantizers.compute_quantization_parameters(w, bits=4, per_channel=True, group_size=4)
    assert tuple(scale.shape) == (4, 3) and zero.dtype == torch.uint8 and float(maxq) == 15
    scale, zero, _ = quantizers.compute_quantization_parameters(w, bits=4, per_channel=False)
    assert tuple(scale.shape) == (4, 1) and bool((scale == scale[0]).all())
    scale, zero, _ = quantizers.compute_quantization_parameters(w, bits=4, symmetric=True, per_channel=True,
                                                                signed=True)
    assert zero.dtype == torch.int8 and bool((zero == 0).all())
    with pytest.raises(ValueError, match="rank of at least 2"):
        quantizers.compute_quantization_parameters(torch.ones(3), bits=4)


def test_sz_map_round_trip():
    w = _rand((3, 8))
    w[:, 0::2], w[:, 1::2] = np.abs(w[:, 0::2]), -np.abs(w[:, 1::2])  # every group's range contains 0
    w = torch.tensor(w)
    scale, zero, maxq = quantizers.compute_quantization_parameters(w, bits=8, per_channel=True, group_size=4)
    g_idx = torch.arange(8) // 4
    q = quantizers.quantize_with_sz_map(w, scale, zero, g_idx, maxq)
    restored = quantizers.dequantize_with_sz_map(q, scale, zero, g_idx)
    assert float((restored - w).abs().max()) <= float(scale.max()) / 2 + 1e-6
