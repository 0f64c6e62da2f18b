"""Activations: torchkeras and real Keras 3 (torch backend) on the same inputs."""
import numpy as np
import pytest

import keras  # noqa: E402  (conftest sets KERAS_BACKEND=torch first)
import torch

from torchkeras import activations
from torchkeras.backend.keras_tensor import KerasTensor

# Keras's own tensor-to-NumPy conversion warns under NumPy 2; it is not about torchkeras.
pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation doesn't accept a copy keyword")

NAMES = sorted(set(keras.src.activations.ALL_OBJECTS_DICT) - {"threshold", "sparsemax"})


def _inputs(dtype="float32"):
    # Both sides of every kink, and saturating magnitudes.
    grid = np.linspace(-9.0, 9.0, 73)
    extra = np.array([-3.0, -1.0, -0.5, 0.0, 0.5, 1.0, 3.0, 6.0, -20.0, 25.0, 1e-4])
    values = np.concatenate([grid, extra, 3 * np.random.RandomState(0).randn(84)])
    return values.reshape(4, 42).astype(dtype)


def _keras(fn, x, **kwargs):
    return keras.ops.convert_to_numpy(fn(keras.ops.convert_to_tensor(x), **kwargs))


def _ours(fn, x, **kwargs):
    return fn(torch.tensor(x), **kwargs).detach().cpu().numpy()


def test_same_set_of_builtins():
    assert set(activations.ALL_OBJECTS_DICT) == set(keras.src.activations.ALL_OBJECTS_DICT)
    for name in activations.ALL_OBJECTS_DICT:
        assert hasattr(keras.activations, name) and hasattr(activations, name)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", NAMES)
def test_same_values(name, dtype):
    x = _inputs(dtype)
    expected = _keras(keras.activations.get(name), x)
    got = _ours(activations.get(name), x)
    assert got.dtype == expected.dtype
    tol = 1e-6 if dtype == "float32" else 1e-13
    np.testing.assert_allclose(got, expected, rtol=tol, atol=tol)


@pytest.mark.parametrize(
    "name,kwargs",
    [
        ("relu", {"negative_slope": 0.1}),
        ("relu", {"max_value": 2.5}),
        ("relu", {"max_value": 6.0}),
        ("relu", {"threshold": 1.5}),
        ("relu", {"threshold": -2.0}),
        ("relu", {"negative_slope": 0.3, "max_value": 4.0}),
        ("relu", {"negative_slope": 0.3, "threshold": 2.0}),
        ("relu", {"negative_slope": 0.25, "max_value": 5.0, "threshold": 1.0}),
        ("relu", {"negative_slope": 0.2, "max_value": 3.0, "threshold": -1.0}),
        ("leaky_relu", {"negative_slope": 0.05}),
        ("elu", {"alpha": 0.4}),
        ("celu", {"alpha": 2.5}),
        ("gelu", {"approximate": True}),
        ("softmax", {"axis": 0}),
        ("softmax", {"axis": (0, 1)}),
        ("log_softmax", {"axis": 0}),
        ("glu", {"axis": 0}),
        ("squareplus", {"b": 0.5}),
        ("hard_shrink", {"threshold": 1.25}),
        ("soft_shrink", {"threshold": 2.0}),
        ("threshold", {"threshold": 0.5, "default_value": -3.0}),
        ("threshold", {"threshold": -1.0, "default_value": 0.0}),
    ],
)
def test_same_values_with_arguments(name, kwargs):
    x = _inputs()
    expected = _keras(getattr(keras.activations, name), x, **kwargs)
    np.testing.assert_allclose(_ours(getattr(activations, name), x, **kwargs), expected, rtol=1e-6, atol=1e-6)


def test_softmax_on_3d_inputs_and_half_precision():
    x = np.random.RandomState(1).randn(2, 3, 5).astype("float32")
    for axis in (-1, 1, (1, 2)):
        np.testing.assert_allclose(_ours(activations.softmax, x, axis=axis),
                                   _keras(keras.activations.softmax, x, axis=axis), rtol=1e-6, atol=1e-7)
    half = x.astype("float16")
    got = _ours(activations.softmax, half)
    expected = _keras(keras.activations.softmax, half)
    assert got.dtype == expected.dtype == np.float16
    np.testing.assert_array_equal(got, expected)


def test_sparsemax_agrees_where_keras_is_right():
    # With a single winner per row (support size 1) Keras 3.15's sparsemax equals the projection onto the
    # simplex. With a larger support Keras's threshold sums the cumulative sums over the support instead of
    # taking the last one (in all its backends), so its rows stop summing to 1; torchkeras keeps the
    # published definition there.
    x = np.array([[1.0, 2.0, 12.0], [0.5, -3.0, 4.0], [10.0, 1.0, 1.0]], dtype="float32")
    np.testing.assert_allclose(_ours(activations.sparsemax, x), _keras(keras.activations.sparsemax, x), atol=1e-7)
    np.testing.assert_allclose(_ours(activations.sparsemax, x.T, axis=0),
                               _keras(keras.activations.sparsemax, x.T, axis=0), atol=1e-7)
    spread = np.array([[0.1, 0.2, 0.15]], dtype="float32")
    np.testing.assert_allclose(_ours(activations.sparsemax, spread).sum(), 1.0, rtol=1e-6)
    assert abs(_keras(keras.activations.sparsemax, spread).sum() - 1.0) > 0.1


@pytest.mark.parametrize("name", sorted(keras.src.activations.ALL_OBJECTS_DICT))
def test_same_serialization(name):
    assert activations.serialize(activations.get(name)) == keras.activations.serialize(keras.activations.get(name))


def test_same_error_for_unknown_names():
    with pytest.raises(ValueError) as theirs:
        keras.activations.get("rellu")
    with pytest.raises(ValueError) as ours:
        activations.get("rellu")
    assert str(ours.value) == str(theirs.value)


@pytest.mark.parametrize("name", ["relu", "softmax", "gelu", "leaky_relu", "sigmoid", "tanh", "exponential", "elu",
                                  "log_softmax", "celu", "glu", "squareplus", "hard_sigmoid", "silu"])
def test_symbolic_calls_record_the_same_op(name):
    theirs = keras.activations.get(name)(keras.Input((6,)))._keras_history[0]
    ours = activations.get(name)(KerasTensor((None, 6)))._keras_history[0]
    assert type(ours).__name__ == type(theirs).__name__
    assert type(ours)._keras_registered_name[0] == type(theirs).__module__
    their_config, our_config = theirs.get_config(), ours.get_config()
    their_config.pop("name")
    our_config.pop("name")
    assert our_config == their_config


def test_layer_style_calls():
    # Keras layer configs store activation names; resolving them gives functions with the same outputs.
    x = _inputs()
    for name in ("relu", "softmax", "linear", "swish", "hard_swish"):
        np.testing.assert_allclose(_ours(activations.get(name), x), _keras(keras.activations.get(name), x),
                                   rtol=1e-6, atol=1e-6)
