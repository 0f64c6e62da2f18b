"""MaxNorm, MinMaxNorm, NonNeg, UnitNorm: formulas, axes, configs and lookup."""
import numpy as np
import pytest
import torch

from torchkeras import constraints
from torchkeras.backend.variables import Variable

EPS = 1e-7


def _weights(shape=(6, 4), seed=0, scale=2.0):
    return np.random.RandomState(seed).randn(*shape) * scale


def _norms(w, axis):
    return np.sqrt(np.sum(w**2, axis=axis, keepdims=True))


@pytest.mark.parametrize("axis", [0, 1, [0, 1], (0, 1, 2)])
def test_max_norm(axis, device):
    w = _weights((3, 4, 5))
    out = constraints.MaxNorm(max_value=1.5, axis=axis)(torch.tensor(w, device=device))
    assert out.device.type == device
    np_axis = tuple(axis) if isinstance(axis, list) else axis
    n = _norms(w, np_axis)
    np.testing.assert_allclose(out.cpu().numpy(), w * np.clip(n, 0, 1.5) / (EPS + n), rtol=1e-12)
    assert _norms(out.cpu().numpy(), np_axis).max() <= 1.5 + 1e-9


def test_unit_norm(device):
    w = _weights()
    out = constraints.UnitNorm()(torch.tensor(w, device=device)).cpu().numpy()
    np.testing.assert_allclose(out, w / (EPS + _norms(w, 0)), rtol=1e-12)
    np.testing.assert_allclose(_norms(out, 0), np.ones((1, 4)), rtol=1e-6)
    out1 = constraints.UnitNorm(axis=1)(torch.tensor(w)).numpy()
    np.testing.assert_allclose(out1, w / (EPS + _norms(w, 1)), rtol=1e-12)


@pytest.mark.parametrize("rate", [1.0, 0.5])
def test_min_max_norm(rate):
    w = _weights(scale=1.0) * np.array([[0.1, 1.0, 3.0, 0.5]])
    out = constraints.MinMaxNorm(min_value=0.8, max_value=1.2, rate=rate)(torch.tensor(w)).numpy()
    n = _norms(w, 0)
    desired = rate * np.clip(n, 0.8, 1.2) + (1 - rate) * n
    np.testing.assert_allclose(out, w * desired / (EPS + n), rtol=1e-12)


def test_non_neg(device):
    w = _weights()
    out = constraints.NonNeg()(torch.tensor(w, device=device))
    np.testing.assert_array_equal(out.cpu().numpy(), np.maximum(w, 0))
    ints = constraints.NonNeg()(torch.tensor([-2, 3]))
    assert ints.dtype == torch.int64 and ints.tolist() == [0, 3]


def test_uses_the_current_epsilon():
    from torchkeras.backend import config

    old = config.epsilon()
    config.set_epsilon(0.5)
    try:
        out = constraints.UnitNorm()(torch.tensor([[3.0], [4.0]], dtype=torch.float64)).numpy()
        np.testing.assert_allclose(out, [[3 / 5.5], [4 / 5.5]])
    finally:
        config.set_epsilon(old)


def test_on_variables_and_arrays():
    v = Variable(np.array([[3.0, 0.0], [4.0, 1.0]], dtype="float32"))
    with torch.no_grad():
        v.assign(constraints.MaxNorm(1.0)(v))
    np.testing.assert_allclose(_norms(v.numpy(), 0), [[1.0, 1.0]], rtol=1e-6)
    out = constraints.UnitNorm()([[3.0], [4.0]])
    assert isinstance(out, torch.Tensor) and out.dtype == torch.float32


def test_integer_weights_become_float():
    out = constraints.UnitNorm()(torch.tensor([[3], [4]]))
    assert out.dtype == torch.float32


CONFIGS = [
    (constraints.MaxNorm(), {"max_value": 2, "axis": 0}),
    (constraints.MinMaxNorm(), {"min_value": 0.0, "max_value": 1.0, "rate": 1.0, "axis": 0}),
    (constraints.NonNeg(), {}),
    (constraints.UnitNorm(axis=[0, 1, 2]), {"axis": [0, 1, 2]}),
]


@pytest.mark.parametrize("constraint,config", CONFIGS, ids=[type(c).__name__ for c, _ in CONFIGS])
def test_configs_round_trip(constraint, config):
    assert constraint.get_config() == config
    serialized = constraints.serialize(constraint)
    assert serialized["module"] == "keras.constraints" and serialized["class_name"] == type(constraint).__name__
    rebuilt = constraints.deserialize(serialized)
    assert type(rebuilt) is type(constraint) and rebuilt.get_config() == config


@pytest.mark.parametrize("name,cls", [
    ("max_norm", constraints.MaxNorm), ("MaxNorm", constraints.MaxNorm), ("maxnorm", constraints.MaxNorm),
    ("non_neg", constraints.NonNeg), ("NonNeg", constraints.NonNeg), ("nonneg", constraints.NonNeg),
    ("unit_norm", constraints.UnitNorm), ("unitnorm", constraints.UnitNorm),
    ("min_max_norm", constraints.MinMaxNorm), ("MinMaxNorm", constraints.MinMaxNorm),
    ("constraint", constraints.Constraint),
])
def test_get_by_name(name, cls):
    assert type(constraints.get(name)) is cls


def test_keras2_lowercase_callables():
    c = constraints.max_norm(3)
    assert isinstance(c, constraints.MaxNorm) and c.max_value == 3
    assert isinstance(constraints.non_neg(), constraints.NonNeg)
    assert isinstance(constraints.unit_norm(axis=1), constraints.UnitNorm)
    assert isinstance(constraints.min_max_norm(0.5, 2.0), constraints.MinMaxNorm)


def test_get_other_identifiers():
    assert constraints.get(None) is None
    c = constraints.NonNeg()
    assert constraints.get(c) is c
    assert isinstance(constraints.get(constraints.UnitNorm), constraints.UnitNorm)
    config = {"class_name": "MaxNorm", "config": {"max_value": 4, "axis": [0, 1]}}
    assert constraints.get(config).get_config() == {"max_value": 4, "axis": [0, 1]}
    with pytest.raises(ValueError, match="^Could not interpret constraint identifier: max_nrm$"):
        constraints.get("max_nrm")
    with pytest.raises(ValueError, match="Could not interpret constraint identifier: 2"):
        constraints.get(2)


def test_base_constraint_is_identity():
    t = torch.ones(3)
    assert constraints.Constraint()(t) is t
    assert constraints.Constraint().get_config() == {}
