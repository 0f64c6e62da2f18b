"""TorchModuleWrapper and state dicts beside real Keras 3 (torch backend): same numbers, same files."""
import numpy as np
import pytest
import torch

import keras

import torchkeras
from torchkeras.layers.core.torch_module_wrapper import TorchModuleWrapper


def torch_block(seed):
    torch.manual_seed(seed)
    return torch.nn.Sequential(torch.nn.Linear(4, 6), torch.nn.BatchNorm1d(6), torch.nn.ReLU())


def keras_model(block):
    inputs = keras.Input((4,))
    # Keras cannot infer this output shape symbolically (its probe runs BatchNorm1d in train mode on one
    # sample); torchkeras can, so only Keras is given `output_shape`.
    x = keras.layers.TorchModuleWrapper(block, name="block", output_shape=(None, 6))(inputs)
    return keras.Model(inputs, keras.layers.Dense(2, name="head")(x))


def torchkeras_model(block):
    inputs = torchkeras.Input((4,))
    x = TorchModuleWrapper(block, name="block")(inputs)
    return torchkeras.Model(inputs, torchkeras.layers.Dense(2, name="head")(x))


def copy_weights(source, target):
    """Keras dense weights and the torch module state, from a Keras model into a torchkeras one."""
    target.get_layer("head").set_weights(source.get_layer("head").get_weights())
    target.get_layer("block").module.load_state_dict(source.get_layer("block").module.state_dict())


def test_same_outputs_and_parameter_counts():
    k_model, t_model = keras_model(torch_block(0)), torchkeras_model(torch_block(1))
    copy_weights(k_model, t_model)
    x = np.random.rand(5, 4).astype("float32")
    np.testing.assert_allclose(t_model.predict(x, verbose=0), k_model.predict(x, verbose=0), rtol=1e-5, atol=1e-6)
    assert t_model.count_params() == k_model.count_params()
    assert t_model.get_layer("block").output.shape == k_model.get_layer("block").output.shape


def test_weights_files_are_interchangeable(tmp_path):
    k_model, t_model = keras_model(torch_block(0)), torchkeras_model(torch_block(1))
    with torch.no_grad():
        k_model.get_layer("block").module[1].running_mean.fill_(0.5)
    path = str(tmp_path / "from_keras.weights.h5")
    k_model.save_weights(path)
    t_model.load_weights(path)
    x = np.random.rand(5, 4).astype("float32")
    np.testing.assert_allclose(t_model.predict(x, verbose=0), k_model.predict(x, verbose=0), rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(t_model.get_layer("block").module[1].running_mean, torch.full((6,), 0.5))

    t_back = torchkeras_model(torch_block(2))
    t_back.load_weights(path)
    back = str(tmp_path / "from_torchkeras.weights.h5")
    t_back.save_weights(back)
    k_back = keras_model(torch_block(3))
    k_back.load_weights(back)
    np.testing.assert_allclose(k_back.predict(x, verbose=0), k_model.predict(x, verbose=0), rtol=1e-6, atol=1e-6)


def test_configs_are_interchangeable():
    k_layer = keras.layers.TorchModuleWrapper(torch.nn.Linear(3, 2), name="wrapped")
    t_layer = TorchModuleWrapper.from_config(k_layer.get_config(), safe_mode=False)
    torch.testing.assert_close(t_layer.module.weight, k_layer.module.weight)
    assert t_layer.name == "wrapped"
    back = keras.layers.TorchModuleWrapper.from_config(t_layer.get_config(), safe_mode=False)
    torch.testing.assert_close(back.module.bias, k_layer.module.bias)
    with pytest.raises(ValueError, match="safe_mode=False"):
        TorchModuleWrapper.from_config(k_layer.get_config())


def test_state_dict_holds_each_keras_weight_once():
    inputs = keras.Input((4,))
    h = keras.layers.Dense(3, name="hidden")(inputs)
    k_model = keras.Model(inputs, keras.layers.BatchNormalization(name="bn")(h))
    t_inputs = torchkeras.Input((4,))
    t_h = torchkeras.layers.Dense(3, name="hidden")(t_inputs)
    t_model = torchkeras.Model(t_inputs, torchkeras.layers.BatchNormalization(name="bn")(t_h))
    keras_state = {k.split("_torch_params.", 1)[1]: v for k, v in k_model.state_dict().items()
                   if k.startswith("_torch_params.") and "seed_generator" not in k}
    assert sorted(k.replace("/", ".") for k in keras_state) == sorted(t_model.state_dict())
    assert len(t_model.state_dict()) == len(t_model.weights)  # Keras 3 lists every weight twice
    t_model.load_state_dict({k.replace("/", "."): v for k, v in keras_state.items()})
    x = np.random.rand(6, 4).astype("float32")
    np.testing.assert_allclose(t_model.predict(x, verbose=0), k_model.predict(x, verbose=0), rtol=1e-5, atol=1e-6)
