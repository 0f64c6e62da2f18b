"""Device placement: new tensors go to the Keras device; ops follow the device of their tensor inputs."""
import numpy as np
import torch

import torchkeras
from torchkeras import ops
from torchkeras.backend import device as device_lib


def test_created_and_converted_tensors_use_the_keras_device(device):
    assert ops.convert_to_tensor(np.ones(3)).device.type == device
    assert ops.convert_to_tensor([1, 2]).device.type == device
    assert ops.zeros((2,)).device.type == device
    assert ops.eye(3).device.type == device
    assert ops.arange(4).device.type == device
    assert ops.linspace(0, 1, 3).device.type == device
    assert torchkeras.random.normal((2,), seed=1).device.type == device
    assert torchkeras.random.uniform((2,)).device.type == device


def test_ops_run_on_the_device_of_their_inputs(device):
    x = ops.convert_to_tensor(np.random.rand(2, 4, 4, 3).astype("float32"))
    assert ops.add(x, np.ones(3, "float32")).device.type == device
    assert ops.conv(x, np.ones((3, 3, 3, 2), "float32")).device.type == device
    assert ops.image.resize(x, (2, 2)).device.type == device
    assert ops.where(x > 0.5, x, np.zeros((), "float32")).device.type == device
    assert ops.take(x, np.array([0])).device.type == device
    assert torchkeras.random.dropout(x, 0.5, seed=3).device.type == device
    assert torchkeras.random.shuffle(x, seed=3).device.type == device


def test_tensor_inputs_keep_their_device_and_constants_follow_them():
    """The meta device stands in for an accelerator: a CPU tensor stays on CPU under another default device,
    and NumPy/Python operands are placed next to it."""
    x = torch.ones(2, 3)
    with device_lib.device_scope("meta"):
        assert ops.convert_to_tensor(x) is x
        assert ops.convert_to_tensor(np.ones(2)).device.type == "meta"
        for out in (ops.add(x, np.ones(3, "float32")), ops.multiply(np.ones(3, "float32"), x),
                    ops.maximum(x, [1.0, 2.0, 3.0]), ops.matmul(x, np.ones((3, 1), "float32")),
                    ops.concatenate([x, np.zeros((1, 3), "float32")]), ops.clip(x, np.zeros(3, "float32"), 2.0),
                    ops.one_hot(torch.tensor([1, 0]), 3), ops.slice_update(x, torch.tensor([0, 1]), np.ones((1, 2))),
                    ops.scatter(torch.tensor([[0]]), np.ones((1, 3), "float32"), (2, 3))):
            assert out.device.type == "cpu"


def test_seed_generator_state_lives_on_cpu():
    with device_lib.device_scope("meta"):
        gen = torchkeras.random.SeedGenerator(5)
    assert gen.state.device.type == "cpu"
