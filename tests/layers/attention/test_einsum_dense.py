import numpy as np
import pytest
import torch

import torchkeras as keras
from torchkeras import layers


def _np(t):
    return t.detach().cpu().numpy()


CASES = [
    # equation, output_shape, bias_axes, input_shape, kernel_shape, bias_shape, output_shape (full)
    ("ab,bc->ac", 4, "c", (2, 3), (3, 4), (4,), (2, 4)),
    ("abc,cd->abd", (None, 5), "d", (2, 3, 4), (4, 5), (5,), (2, 3, 5)),
    ("abc,cde->abde", (None, 2, 3), "de", (2, 3, 4), (4, 2, 3), (2, 3), (2, 3, 2, 3)),
    ("abcd,cde->abe", (None, 6), "e", (2, 3, 4, 5), (4, 5, 6), (6,), (2, 3, 6)),
    ("abc,bd->adc", (6, 4), "d", (2, 3, 4), (3, 6), (6, 1), (2, 6, 4)),
    ("...b,bc->...c", 5, "c", (2, 3, 7, 4), (4, 5), (5,), (2, 3, 7, 5)),
    ("ab...,bc->ac...", 5, "c", (2, 3, 4), (3, 5), (5, 1), (2, 5, 4)),
    ("abc,cde->abde", (None, 2, 3), "e", (2, 3, 4), (4, 2, 3), (3,), (2, 3, 2, 3)),
]


@pytest.mark.parametrize("equation,out_shape,bias_axes,in_shape,kernel_shape,bias_shape,full", CASES)
def test_shapes_and_values_match_einsum(equation, out_shape, bias_axes, in_shape, kernel_shape, bias_shape, full,
                                        device):
    layer = layers.EinsumDense(equation, output_shape=out_shape, bias_axes=bias_axes, bias_initializer="ones")
    x = np.random.randn(*in_shape).astype("float32")
    out = layer(torch.tensor(x, device=device))
    assert tuple(layer.kernel.shape) == kernel_shape and tuple(layer.bias.shape) == bias_shape
    assert tuple(out.shape) == full
    expected = np.einsum(equation, x, _np(layer.kernel)) + _np(layer.bias)
    np.testing.assert_allclose(_np(out), expected, rtol=1e-5, atol=1e-5)
    assert layer.compute_output_shape((None,) + in_shape[1:]) == (None,) + full[1:]


def test_symbolic_and_activation_and_no_bias():
    layer = layers.EinsumDense("abc,cd->abd", output_shape=(None, 3), activation="relu")
    out = layer(keras.Input((5, 4)))
    assert out.shape == (None, 5, 3)
    assert layer.bias is None and [w.name for w in layer.weights] == ["kernel"]
    x = torch.randn(2, 5, 4)
    np.testing.assert_allclose(_np(layer(x)), np.maximum(_np(x) @ _np(layer.kernel), 0), rtol=1e-5, atol=1e-6)


def test_kernel_initializer_uses_einsum_axes_for_fans():
    layer = layers.EinsumDense("abc,cde->abde", output_shape=(None, 8, 16), kernel_initializer="glorot_uniform")
    layer.build((None, 3, 32))
    limit = np.sqrt(6.0 / (32 + 8 * 16))
    kernel = _np(layer.kernel)
    assert np.abs(kernel).max() <= limit and np.abs(kernel).max() > 0.8 * limit


def test_errors():
    with pytest.raises(ValueError, match="Invalid einsum equation"):
        layers.EinsumDense("ab->b", output_shape=2).build((None, 3))
    with pytest.raises(ValueError, match="did not have a match"):
        layers.EinsumDense("ab,cd->ad", output_shape=2).build((None, 3))
    with pytest.raises(ValueError, match="Bias dimension 'x' was requested"):
        layers.EinsumDense("ab,bc->ac", output_shape=2, bias_axes="x").build((None, 3))
    with pytest.raises(ValueError, match="do not match at shared dimension"):
        layers.EinsumDense("abc,cd->abd", output_shape=(4, 2)).build((None, 3, 5))
    with pytest.raises(ValueError, match="has no corresponding dim"):
        layers.EinsumDense("ab,bc->acd", output_shape=(2, 3)).build((None, 3))
    with pytest.raises(ValueError, match="quantization_config"):
        layers.EinsumDense("ab,bc->ac", output_shape=2, quantization_config={"mode": "int8"})


def test_lora():
    layer = layers.EinsumDense("ab,bc->ac", output_shape=4, bias_axes="c")
    x = torch.randn(3, 5)
    layer.build((None, 5))
    base = _np(layer(x))
    layer.enable_lora(2)
    assert [w.name for w in layer.trainable_weights] == ["bias", "lora_kernel_a", "lora_kernel_b"]
    np.testing.assert_allclose(_np(layer(x)), base, atol=1e-6)  # lora_kernel_b starts at zero
    with torch.no_grad():
        layer.lora_kernel_b.fill_(1.0)
    delta = _np(layer.lora_kernel_a) @ _np(layer.lora_kernel_b)
    np.testing.assert_allclose(_np(layer(x)), base + _np(x) @ delta, atol=1e-5)
    assert layer.get_config()["lora_rank"] == 2
    with pytest.raises(ValueError, match="already enabled"):
        layer.enable_lora(2)


def test_config_round_trip():
    layer = layers.EinsumDense("abc,cd->abd", output_shape=(None, 3), bias_axes="d", activation="tanh",
                               kernel_regularizer="l2", name="ed")
    config = layer.get_config()
    assert config["output_shape"] == (None, 3) and config["equation"] == "abc,cd->abd"
    assert config["quantization_config"] is None and "lora_rank" not in config
    restored = layers.EinsumDense.from_config(config)
    assert restored.get_config() == config
