"""Regularizers: torchkeras and real Keras 3 (torch backend) on the same weights."""
import numpy as np
import pytest

import keras  # noqa: E402  (conftest sets KERAS_BACKEND=torch first)
import torch

from torchkeras import regularizers

pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation doesn't accept a copy keyword")

CASES = [
    ("L1", {}),
    ("L1", {"l1": 0.1}),
    ("L2", {}),
    ("L2", {"l2": 0.3}),
    ("L1L2", {}),
    ("L1L2", {"l1": 0.01}),
    ("L1L2", {"l1": 0.02, "l2": 0.05}),
    ("OrthogonalRegularizer", {}),
    ("OrthogonalRegularizer", {"factor": 0.3, "mode": "columns"}),
]


def _weights(dtype, shape=(6, 5)):
    return (np.random.RandomState(3).randn(*shape) * 1.7).astype(dtype)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name,kwargs", CASES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CASES)])
def test_same_values(name, kwargs, dtype):
    w = _weights(dtype)
    theirs = keras.ops.convert_to_numpy(getattr(keras.regularizers, name)(**kwargs)(keras.ops.convert_to_tensor(w)))
    ours = getattr(regularizers, name)(**kwargs)(torch.tensor(w))
    assert ours.dtype == torch.float64 if dtype == "float64" else ours.dtype == torch.float32
    # (Keras's OrthogonalRegularizer runs some float64 steps with float32 constants: agreement is then at
    # float32 precision rather than float64's.)
    tol = 1e-6 if dtype == "float32" else (1e-7 if name == "OrthogonalRegularizer" else 1e-13)
    np.testing.assert_allclose(ours.numpy(), theirs, rtol=tol)


@pytest.mark.parametrize("name,kwargs", CASES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CASES)])
def test_same_config_and_serialization(name, kwargs):
    theirs = getattr(keras.regularizers, name)(**kwargs)
    ours = getattr(regularizers, name)(**kwargs)
    assert ours.get_config() == theirs.get_config()
    assert regularizers.serialize(ours) == keras.regularizers.serialize(theirs)
    assert regularizers.deserialize(keras.regularizers.serialize(theirs)).get_config() == theirs.get_config()


@pytest.mark.parametrize("name", ["l1", "l2", "L1", "L2", "L1L2", "l1l2", "orthogonal_regularizer",
                                  "OrthogonalRegularizer"])
def test_same_string_identifiers(name):
    theirs = keras.regularizers.get(name)
    ours = regularizers.get(name)
    assert type(ours).__name__ == type(theirs).__name__
    assert ours.get_config() == theirs.get_config()


def test_lowercase_constructors():
    assert regularizers.l2(0.001).get_config() == keras.regularizers.l2(0.001).get_config()
    assert regularizers.l1_l2(l1=0.1, l2=0.2).get_config() == keras.regularizers.l1_l2(l1=0.1, l2=0.2).get_config()


def test_same_errors():
    with pytest.raises(ValueError) as theirs:
        keras.regularizers.get("l3")
    with pytest.raises(ValueError) as ours:
        regularizers.get("l3")
    assert str(ours.value) == str(theirs.value)
    with pytest.raises(ValueError) as theirs:
        keras.regularizers.L2(-1.0)
    with pytest.raises(ValueError) as ours:
        regularizers.L2(-1.0)
    assert str(ours.value) == str(theirs.value)
