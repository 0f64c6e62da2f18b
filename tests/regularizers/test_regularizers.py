"""L1, L2, L1L2 and OrthogonalRegularizer: formulas, configs, lookup and errors."""
import numpy as np
import pytest
import torch

from torchkeras import regularizers
from torchkeras.saving import serialization_lib


def _weights(shape=(5, 4), seed=0):
    return np.random.RandomState(seed).randn(*shape)


def test_l1_l2_l1l2_formulas(device):
    w = _weights()
    t = torch.tensor(w, device=device)
    out = regularizers.L2(0.01)(t)
    assert out.shape == () and out.device.type == device and out.dtype == torch.float64
    np.testing.assert_allclose(out.item(), 0.01 * np.sum(w**2), rtol=1e-12)  # no 1/2 factor
    # L1 keeps its factor as a float32, like Keras.
    np.testing.assert_allclose(regularizers.L1(0.1)(t).item(), float(np.float32(0.1)) * np.abs(w).sum(), rtol=1e-12)
    np.testing.assert_allclose(regularizers.L1L2(l1=0.2, l2=0.3)(t).item(),
                               0.2 * np.abs(w).sum() + 0.3 * np.sum(w**2), rtol=1e-12)
    assert regularizers.L1L2()(t).item() == 0.0
    np.testing.assert_allclose(regularizers.L1L2(l2=0.5)(t).item(), 0.5 * np.sum(w**2), rtol=1e-12)


def test_defaults():
    assert regularizers.L1().get_config() == {"l1": float(np.float32(0.01))}
    assert regularizers.L2().get_config() == {"l2": 0.01}
    assert regularizers.L1L2().get_config() == {"l1": 0.0, "l2": 0.0}
    assert regularizers.L1(None).get_config() == {"l1": float(np.float32(0.01))}
    assert regularizers.L1L2(l1=None, l2=0.1).get_config() == {"l1": 0.0, "l2": 0.1}
    assert regularizers.OrthogonalRegularizer().get_config() == {"factor": float(np.float32(0.01)),
                                                                 "mode": "rows"}


def test_float32_weights():
    w = torch.tensor(_weights(), dtype=torch.float32)
    out = regularizers.L2(0.01)(w)
    assert out.dtype == torch.float32
    np.testing.assert_allclose(out.item(), 0.01 * np.sum(w.double().numpy() ** 2), rtol=1e-6)


def test_keras2_lowercase_functions():
    reg = regularizers.l2(0.001)
    assert isinstance(reg, regularizers.L2) and reg.l2 == 0.001
    assert isinstance(regularizers.l1(0.1), regularizers.L1)
    both = regularizers.l1_l2(l1=0.01, l2=0.02)
    assert isinstance(both, regularizers.L1L2) and both.get_config() == {"l1": 0.01, "l2": 0.02}


@pytest.mark.parametrize("name,cls", [("l1", regularizers.L1), ("l2", regularizers.L2), ("L1", regularizers.L1),
                                      ("L2", regularizers.L2), ("L1L2", regularizers.L1L2),
                                      ("l1l2", regularizers.L1L2),
                                      ("orthogonal_regularizer", regularizers.OrthogonalRegularizer),
                                      ("OrthogonalRegularizer", regularizers.OrthogonalRegularizer)])
def test_get_by_name(name, cls):
    assert type(regularizers.get(name)) is cls


def test_l1_l2_string_means_what_keras2_meant():
    assert regularizers.get("l1_l2").get_config() == {"l1": 0.01, "l2": 0.01}


def test_get_passthrough_and_none():
    assert regularizers.get(None) is None
    reg = regularizers.L2(0.1)
    assert regularizers.get(reg) is reg
    assert isinstance(regularizers.get(regularizers.L1), regularizers.L1)

    def my_reg(w):
        return 0.5 * torch.sum(w)

    assert regularizers.get(my_reg) is my_reg


def test_unknown():
    with pytest.raises(ValueError, match="^Could not interpret regularizer identifier: l3$"):
        regularizers.get("l3")
    with pytest.raises(ValueError, match="Could not interpret regularizer identifier: 0.1"):
        regularizers.get(0.1)
    with pytest.raises(ValueError, match="Could not interpret regularizer identifier"):
        regularizers.get({"class_name": "L9", "config": {}})


@pytest.mark.parametrize("reg", [regularizers.L1(0.3), regularizers.L2(0.2), regularizers.L1L2(0.1, 0.2),
                                 regularizers.OrthogonalRegularizer(0.5, mode="columns")])
def test_serialize_round_trip(reg):
    config = regularizers.serialize(reg)
    assert config["module"] == "keras.regularizers" and config["class_name"] == type(reg).__name__
    rebuilt = regularizers.deserialize(config)
    assert type(rebuilt) is type(reg) and rebuilt.get_config() == reg.get_config()
    assert regularizers.get(config).get_config() == reg.get_config()


def test_keras2_config():
    reg = regularizers.get({"class_name": "L1L2", "config": {"l1": 0.0, "l2": 0.0005}})
    assert reg.get_config() == {"l1": 0.0, "l2": 0.0005}
    reg = regularizers.deserialize({"class_name": "L2", "config": {"l2": np.float32(0.01).item()}})
    assert isinstance(reg, regularizers.L2)


@pytest.mark.parametrize("value", [-0.1, float("nan"), float("inf"), "0.1", True])
def test_invalid_factors(value):
    with pytest.raises(ValueError, match="Invalid value for argument l2: expected a non-negative float"):
        regularizers.L2(value)


def test_numpy_factor_is_accepted():
    assert regularizers.L2(np.float32(0.5)).l2 == 0.5


def _orthogonal_reference(w, factor, mode):
    v = w if mode == "rows" else w.T
    v = v / np.sqrt((v**2).sum(axis=1, keepdims=True))
    product = v @ v.T
    n = product.shape[0]
    off = np.abs(product * (1 - np.eye(n))).sum()
    return factor * 0.5 * off / (n * (n - 1) / 2)


@pytest.mark.parametrize("mode", ["rows", "columns"])
def test_orthogonal_regularizer(mode, device):
    w = _weights((6, 4), seed=3)
    out = regularizers.OrthogonalRegularizer(factor=0.5, mode=mode)(torch.tensor(w, device=device))
    assert out.device.type == device
    np.testing.assert_allclose(out.item(), _orthogonal_reference(w, 0.5, mode), rtol=1e-12)
    # Orthogonal rows give zero.
    q = np.linalg.qr(_weights((5, 5), seed=4))[0]
    np.testing.assert_allclose(regularizers.OrthogonalRegularizer(1.0)(torch.tensor(q)).item(), 0.0, atol=1e-12)


def test_orthogonal_regularizer_errors():
    with pytest.raises(ValueError, match=r"must have rank 2. Received: inputs.shape=\(2, 2, 2\)"):
        regularizers.OrthogonalRegularizer()(torch.ones(2, 2, 2))
    with pytest.raises(ValueError, match="Invalid value for argument `mode`"):
        regularizers.OrthogonalRegularizer(mode="diag")


def test_base_class():
    assert regularizers.Regularizer()(torch.ones(2)) == 0.0
    with pytest.raises(NotImplementedError):
        regularizers.Regularizer().get_config()


def test_custom_regularizer_by_name():
    def tiny(w):
        return 1e-3 * torch.sum(w)

    with serialization_lib.CustomObjectScope({"tiny": tiny}):
        assert regularizers.get("tiny") is tiny


def test_gradient():
    w = torch.tensor(_weights(), requires_grad=True)
    (grad,) = torch.autograd.grad(regularizers.L1L2(0.1, 0.2)(w), w)
    np.testing.assert_allclose(grad.numpy(), 0.1 * np.sign(w.detach().numpy()) + 0.4 * w.detach().numpy(),
                               rtol=1e-12)
