"""`activations.get` / `serialize` / `deserialize` / `is_builtin`, and symbolic (KerasTensor) calls."""
import pytest
import torch

from torchkeras import activations
from torchkeras.backend.keras_tensor import KerasTensor
from torchkeras.saving import serialization_lib


def test_get_none_is_linear():
    assert activations.get(None) is activations.linear


@pytest.mark.parametrize("name", sorted(activations.ALL_OBJECTS_DICT))
def test_get_by_name(name):
    fn = activations.get(name)
    assert callable(fn)
    assert activations.is_builtin(fn)
    assert fn is activations.ALL_OBJECTS_DICT[name]


def test_aliases_serialize_to_the_canonical_name():
    assert activations.get("swish") is activations.silu
    assert activations.get("hard_swish") is activations.hard_silu
    assert activations.serialize(activations.swish) == "silu"
    assert activations.serialize(activations.hard_swish) == "hard_silu"


@pytest.mark.parametrize("name", sorted(set(activations.ALL_OBJECTS_DICT) - {"swish", "hard_swish"}))
def test_serialize_round_trip(name):
    fn = activations.get(name)
    assert activations.serialize(fn) == name
    assert activations.deserialize(name) is fn
    assert activations.get(activations.serialize(fn)) is fn


def test_keras3_dict_identifier():
    config = {"module": "builtins", "class_name": "function", "config": "relu", "registered_name": "function"}
    assert activations.get(config) is activations.relu
    assert serialization_lib.serialize_keras_object(activations.gelu)["config"] == "gelu"
    keras_path = {"module": "keras.activations", "class_name": "function", "config": "tanh",
                  "registered_name": "function"}
    assert activations.deserialize(keras_path) is activations.tanh


def test_unknown_name():
    with pytest.raises(ValueError, match="^Could not interpret activation function identifier: rellu$"):
        activations.get("rellu")
    with pytest.raises(ValueError, match="Could not interpret activation function identifier: 5"):
        activations.get(5)
    with pytest.raises(ValueError, match="rellu"):
        activations.deserialize("rellu")


def test_callables_pass_through():
    def my_activation(x):
        return x * 2

    assert activations.get(my_activation) is my_activation
    assert not activations.is_builtin(my_activation)
    config = activations.serialize(my_activation)
    assert isinstance(config, dict) and config["config"] == "my_activation"
    assert not activations.is_builtin(lambda x: x)


def test_custom_objects_by_name():
    def scaled_tanh(x):
        return 2 * torch.tanh(x)

    with serialization_lib.CustomObjectScope({"scaled_tanh": scaled_tanh}):
        assert activations.get("scaled_tanh") is scaled_tanh
    assert activations.deserialize("scaled_tanh", custom_objects={"scaled_tanh": scaled_tanh}) is scaled_tanh
    with pytest.raises(ValueError):
        activations.get("scaled_tanh")


def test_registered_function_serializes_by_registered_name():
    @serialization_lib.register_keras_serializable(package="TestPkg")
    def shifted_relu(x):
        return torch.relu(x - 1)

    try:
        config = activations.serialize(shifted_relu)
        assert config["config"] == "TestPkg>shifted_relu"
        assert activations.get(config) is shifted_relu
    finally:
        serialization_lib.GLOBAL_CUSTOM_OBJECTS.pop("TestPkg>shifted_relu", None)
        serialization_lib.GLOBAL_CUSTOM_NAMES.pop(shifted_relu, None)


def test_serialize_rejects_non_callables():
    with pytest.raises(ValueError):
        activations.serialize(3)


@pytest.mark.parametrize(
    "name,class_name,config",
    [
        ("relu", "ReLU", {"negative_slope": 0.0, "max_value": None, "threshold": 0.0}),
        ("softmax", "Softmax", {"axis": -1}),
        ("gelu", "Gelu", {"approximate": False}),
        ("leaky_relu", "LeakyRelu", {"negative_slope": 0.2}),
        ("tanh", "Tanh", {}),
        ("exponential", "Exp", {}),
        ("sigmoid", "Sigmoid", {}),
        ("mish", "Mish", {}),
    ],
)
def test_symbolic_call_records_the_keras_op(name, class_name, config):
    x = KerasTensor((None, 6))
    y = activations.get(name)(x)
    assert isinstance(y, KerasTensor)
    assert y.shape == (None, 6)
    op = y._keras_history.operation
    assert type(op).__name__ == class_name
    got = op.get_config()
    got.pop("name")
    assert got == config


def test_symbolic_op_computes_like_the_function():
    x = KerasTensor((None, 4))
    op = activations.relu(x, negative_slope=0.1, max_value=2.0)._keras_history.operation
    t = torch.tensor([[-3.0, 0.5, 1.0, 5.0]])
    torch.testing.assert_close(op(t), activations.relu(t, negative_slope=0.1, max_value=2.0))
    rebuilt = type(op).from_config(op.get_config())
    torch.testing.assert_close(rebuilt(t), op(t))


def test_linear_on_keras_tensor_is_identity():
    x = KerasTensor((None, 3))
    assert activations.linear(x) is x
