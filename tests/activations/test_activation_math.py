"""Every built-in activation against a NumPy version of its Keras 3 formula."""
import math
import warnings

import numpy as np
import pytest
import torch

from torchkeras import activations


def _erf(x):
    return np.vectorize(math.erf)(x)


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def _softplus(x):
    return np.log1p(np.exp(-np.abs(x))) + np.maximum(x, 0)


def _softmax(x, axis=-1):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


SELU_ALPHA = 1.6732632423543772
SELU_SCALE = 1.0507009873554805

# name -> NumPy reference (float64)
REFERENCES = {
    "relu": lambda x: np.maximum(x, 0),
    "relu6": lambda x: np.clip(x, 0, 6),
    "leaky_relu": lambda x: np.where(x >= 0, x, 0.2 * x),
    "elu": lambda x: np.where(x > 0, x, np.expm1(x)),
    "selu": lambda x: SELU_SCALE * np.where(x > 0, x, SELU_ALPHA * np.expm1(x)),
    "celu": lambda x: np.where(x >= 0, x, np.expm1(x)),
    "gelu": lambda x: 0.5 * x * (1 + _erf(x / np.sqrt(2))),
    "sigmoid": _sigmoid,
    "hard_sigmoid": lambda x: np.clip(x / 6 + 0.5, 0, 1),
    "hard_silu": lambda x: x * np.clip(x / 6 + 0.5, 0, 1),
    "hard_swish": lambda x: x * np.clip(x / 6 + 0.5, 0, 1),
    "silu": lambda x: x * _sigmoid(x),
    "swish": lambda x: x * _sigmoid(x),
    "mish": lambda x: x * np.tanh(_softplus(x)),
    "softplus": _softplus,
    "softsign": lambda x: x / (np.abs(x) + 1),
    "tanh": np.tanh,
    "exponential": np.exp,
    "linear": lambda x: x,
    "log_sigmoid": lambda x: -_softplus(-x),
    "sparse_sigmoid": lambda x: np.where(x <= -1, 0, np.where(x >= 1, 1, 0.5 * (x + 1))),
    "sparse_plus": lambda x: np.where(x <= -1, 0, np.where(x < 1, 0.25 * (x + 1) ** 2, x)),
    "squareplus": lambda x: (x + np.sqrt(x**2 + 4)) / 2,
    "hard_shrink": lambda x: np.where(np.abs(x) > 0.5, x, 0),
    "soft_shrink": lambda x: np.where(x > 0.5, x - 0.5, np.where(x < -0.5, x + 0.5, 0)),
    "tanh_shrink": lambda x: x - np.tanh(x),
    "hard_tanh": lambda x: np.clip(x, -1, 1),
    "softmax": _softmax,
    "log_softmax": lambda x: np.log(_softmax(x)),
    "glu": lambda x: x[..., : x.shape[-1] // 2] * _sigmoid(x[..., x.shape[-1] // 2:]),
}


def _grid():
    # Values on both sides of every kink (-3, -1, -0.5, 0, 0.5, 1, 3, 6), plus large magnitudes.
    return np.linspace(-8.0, 8.0, 64).reshape(4, 16)


def test_every_builtin_has_a_reference():
    assert set(activations.ALL_OBJECTS_DICT) - {"threshold", "sparsemax"} == set(REFERENCES)


@pytest.mark.parametrize("name", sorted(REFERENCES))
def test_matches_numpy_formula(name, device):
    x = _grid()
    fn = activations.get(name)
    out = fn(torch.tensor(x, dtype=torch.float32, device=device))
    assert out.device.type == device
    assert out.dtype == torch.float32
    np.testing.assert_allclose(out.cpu().numpy(), REFERENCES[name](x), rtol=2e-6, atol=2e-6)


@pytest.mark.parametrize("name", sorted(REFERENCES))
def test_float64_stays_float64(name):
    x = _grid()
    out = activations.get(name)(torch.tensor(x))
    assert out.dtype == torch.float64
    np.testing.assert_allclose(out.numpy(), REFERENCES[name](x), rtol=1e-12, atol=1e-12)


def test_threshold():
    x = _grid()
    out = activations.threshold(torch.tensor(x), 0.5, -2.0).numpy()
    np.testing.assert_allclose(out, np.where(x > 0.5, x, -2.0))


@pytest.mark.parametrize(
    "kwargs",
    [
        {"negative_slope": 0.1},
        {"max_value": 3.0},
        {"max_value": 6},
        {"threshold": 1.5},
        {"threshold": -1.0},
        {"negative_slope": 0.3, "max_value": 4.0},
        {"negative_slope": 0.3, "threshold": 2.0},
        {"negative_slope": 0.25, "max_value": 5.0, "threshold": 1.0},
    ],
)
def test_relu_options(kwargs):
    x = _grid()
    slope = kwargs.get("negative_slope", 0.0)
    cap = kwargs.get("max_value")
    t = kwargs.get("threshold", 0.0)
    # Keras 3's definition: positive part damped below the threshold and capped, minus slope * relu(t - x).
    positive = np.where(x > t, x, 0.0) if t != 0 else np.maximum(x, 0)
    if cap is not None:
        positive = np.clip(positive, 0, cap)
    expected = positive - slope * np.maximum(t - x, 0)
    out = activations.relu(torch.tensor(x), **kwargs).numpy()
    np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-12)


def test_keras2_alpha_spelling():
    x = torch.tensor([-2.0, 3.0])
    np.testing.assert_allclose(activations.relu(x, alpha=0.5).numpy(), [-1.0, 3.0])
    np.testing.assert_allclose(activations.leaky_relu(x, alpha=0.1).numpy(), [-0.2, 3.0])


def test_parameters():
    x = _grid()
    t = torch.tensor(x)
    np.testing.assert_allclose(activations.leaky_relu(t, negative_slope=0.05).numpy(), np.where(x >= 0, x, 0.05 * x))
    np.testing.assert_allclose(activations.elu(t, alpha=0.5).numpy(), np.where(x > 0, x, 0.5 * np.expm1(x)))
    np.testing.assert_allclose(activations.celu(t, alpha=2.0).numpy(), np.where(x >= 0, x, 2 * np.expm1(x / 2)))
    np.testing.assert_allclose(activations.squareplus(t, b=1).numpy(), (x + np.sqrt(x**2 + 1)) / 2)
    np.testing.assert_allclose(activations.hard_shrink(t, threshold=2.0).numpy(), np.where(np.abs(x) > 2, x, 0))
    np.testing.assert_allclose(
        activations.soft_shrink(t, threshold=1.0).numpy(),
        np.where(x > 1, x - 1, np.where(x < -1, x + 1, 0)),
    )
    tanh_form = 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x**3)))
    np.testing.assert_allclose(activations.gelu(t, approximate=True).numpy(), tanh_form, rtol=1e-12, atol=1e-12)


def test_hard_sigmoid_is_the_keras3_formula():
    # Keras 3: relu6(x + 3) / 6, so hard_sigmoid(1) = 2/3 (Keras 2's clip(0.2x + 0.5) gave 0.7).
    out = activations.hard_sigmoid(torch.tensor([1.0], dtype=torch.float64))
    np.testing.assert_allclose(out.numpy(), [2 / 3])
    from torchkeras.activations.legacy import hard_sigmoid_keras2

    np.testing.assert_allclose(hard_sigmoid_keras2(torch.tensor([1.0, -5.0, 5.0])).numpy(), [0.7, 0.0, 1.0])


@pytest.mark.parametrize("axis", [0, 1, -1, (0, 2), [1, 2], None])
def test_softmax_axes(axis):
    x = np.random.RandomState(1).randn(3, 4, 5)
    out = activations.softmax(torch.tensor(x), axis=axis).numpy()
    np_axis = tuple(axis) if isinstance(axis, list) else axis
    np.testing.assert_allclose(out, _softmax(x, axis=np_axis), rtol=1e-12)
    log_out = activations.log_softmax(torch.tensor(x), axis=axis).numpy()
    np.testing.assert_allclose(log_out, np.log(_softmax(x, axis=np_axis)), rtol=1e-12, atol=1e-12)


def test_softmax_warns_on_a_size_one_axis():
    with pytest.warns(UserWarning, match="This axis has size 1"):
        out = activations.softmax(torch.ones(4, 1))
    np.testing.assert_allclose(out.numpy(), np.ones((4, 1)))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        activations.softmax(torch.ones(4, 2))


def test_softmax_float16_on_cpu():
    x = torch.randn(3, 7)
    out = activations.softmax(x.half())
    assert out.dtype == torch.float16
    np.testing.assert_allclose(out.float().numpy(), torch.softmax(x.half().float(), -1).half().float().numpy())


def _sparsemax_reference(z):
    """Projection of each row of z onto the simplex (sort-based, row by row)."""
    out = np.zeros_like(z)
    for i, row in enumerate(z):
        s = np.sort(row)[::-1]
        cs = np.cumsum(s)
        k = np.arange(1, len(row) + 1)
        support = k[1 + k * s > cs].max()
        tau = (cs[support - 1] - 1) / support
        out[i] = np.maximum(row - tau, 0)
    return out


def test_sparsemax():
    z = np.random.RandomState(2).randn(6, 5) * np.array([[0.1], [1], [3], [0.01], [10], [2]])
    out = activations.sparsemax(torch.tensor(z)).numpy()
    np.testing.assert_allclose(out, _sparsemax_reference(z), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(out.sum(-1), np.ones(6), rtol=1e-12)
    out0 = activations.sparsemax(torch.tensor(z.T), axis=0).numpy()
    np.testing.assert_allclose(out0, _sparsemax_reference(z).T, rtol=1e-12, atol=1e-12)
    # A clear winner gets everything.
    np.testing.assert_allclose(activations.sparsemax(torch.tensor([1.0, 2.0, 12.0])).numpy(), [0, 0, 1])


def test_glu_needs_an_even_axis():
    with pytest.raises(ValueError, match="axis size must be divisible by 2"):
        activations.glu(torch.ones(2, 3))
    out = activations.glu(torch.ones(4, 2), axis=0)
    assert tuple(out.shape) == (2, 2)


def test_array_like_inputs():
    out = activations.relu([-1.0, 2.0])
    assert isinstance(out, torch.Tensor) and out.dtype == torch.float32
    np.testing.assert_allclose(out.numpy(), [0.0, 2.0])
    out = activations.sigmoid(np.array([0.0]))
    assert out.dtype == torch.float64  # NumPy arrays keep their dtype, as in Keras
    np.testing.assert_allclose(activations.tanh(0.5).numpy(), np.tanh(0.5), rtol=1e-6)
    with pytest.raises(TypeError, match="expect a tensor"):
        activations.relu("a")


def test_gradients_flow():
    x = torch.linspace(-2, 2, 9, dtype=torch.float64, requires_grad=True)
    for name in ("relu", "gelu", "selu", "softmax", "sparsemax", "mish", "sparse_plus"):
        y = activations.get(name)(x)
        (grad,) = torch.autograd.grad(y.sum() if name != "softmax" else y[0], x)
        assert torch.isfinite(grad).all()
    y = activations.sigmoid(x)
    (grad,) = torch.autograd.grad(y.sum(), x)
    s = torch.sigmoid(x.detach())
    np.testing.assert_allclose(grad.numpy(), (s * (1 - s)).numpy(), rtol=1e-12)
