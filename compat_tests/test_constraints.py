"""Constraints: torchkeras and real Keras 3 (torch backend) on the same weights."""
import numpy as np
import pytest

import keras  # noqa: E402  (conftest sets KERAS_BACKEND=torch first)
import torch

from torchkeras import constraints

pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation doesn't accept a copy keyword")

CASES = [
    ("MaxNorm", {}),
    ("MaxNorm", {"max_value": 0.7, "axis": 1}),
    ("MaxNorm", {"max_value": 3, "axis": [0, 1, 2]}),
    ("MinMaxNorm", {}),
    ("MinMaxNorm", {"min_value": 0.5, "max_value": 2.0, "rate": 0.4, "axis": [0, 1]}),
    ("NonNeg", {}),
    ("UnitNorm", {}),
    ("UnitNorm", {"axis": -1}),
]


def _weights(dtype):
    w = np.random.RandomState(5).randn(3, 4, 2, 5) * np.array([0.05, 0.5, 1.0, 2.0, 4.0])
    return w.astype(dtype)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name,kwargs", CASES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CASES)])
def test_same_values(name, kwargs, dtype):
    w = _weights(dtype)
    theirs = keras.ops.convert_to_numpy(getattr(keras.constraints, name)(**kwargs)(keras.ops.convert_to_tensor(w)))
    ours = getattr(constraints, name)(**kwargs)(torch.tensor(w)).numpy()
    # torchkeras keeps float64 weights in float64. Keras computes a few steps of its float64 path with
    # float32 constants (`clip` bounds such as max_value=0.7; `maximum(w, 0)` even returns float32), so the
    # float64 comparison is at float32 precision.
    assert ours.dtype == w.dtype
    tol = 1e-6 if dtype == "float32" else 1e-7
    np.testing.assert_allclose(ours, theirs, rtol=tol, atol=1e-12)


@pytest.mark.parametrize("name,kwargs", CASES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CASES)])
def test_same_config_and_serialization(name, kwargs):
    theirs = getattr(keras.constraints, name)(**kwargs)
    ours = getattr(constraints, name)(**kwargs)
    assert ours.get_config() == theirs.get_config()
    assert constraints.serialize(ours) == keras.constraints.serialize(theirs)
    assert constraints.deserialize(keras.constraints.serialize(theirs)).get_config() == theirs.get_config()


@pytest.mark.parametrize("name", ["max_norm", "MaxNorm", "non_neg", "NonNeg", "unit_norm", "UnitNorm",
                                  "min_max_norm", "MinMaxNorm"])
def test_same_string_identifiers(name):
    theirs = keras.constraints.get(name)
    ours = constraints.get(name)
    assert type(ours).__name__ == type(theirs).__name__
    assert ours.get_config() == theirs.get_config()


def test_same_error_for_unknown_names():
    with pytest.raises(ValueError) as theirs:
        keras.constraints.get("max_nrm")
    with pytest.raises(ValueError) as ours:
        constraints.get("max_nrm")
    assert str(ours.value) == str(theirs.value)
