"""Any `torch.nn.Module` inside a Keras model: TorchModuleWrapper, Sequential auto-wrapping, subclassed models."""
import io
import contextlib

import numpy as np
import pytest
import torch

import torchkeras as keras
from . import helpers
from torchkeras.layers.core.torch_module_wrapper import TorchModuleWrapper


class TorchBlock(torch.nn.Module):
    """A plain torch module: Linear, BatchNorm1d, ReLU."""

    def __init__(self, n_in=4, n_out=6):
        super().__init__()
        self.linear = torch.nn.Linear(n_in, n_out)
        self.norm = torch.nn.BatchNorm1d(n_out)

    def forward(self, x):
        return torch.relu(self.norm(self.linear(x)))


def functional_with_block():
    inputs = keras.Input((4,))
    wrapper = TorchModuleWrapper(TorchBlock(), name="block")
    x = wrapper(inputs)
    outputs = keras.layers.Dense(3, name="head")(x)
    return keras.Model(inputs, outputs), wrapper


def summary_text(model):
    lines = []
    model.summary(print_fn=lambda line, *args, **kwargs: lines.append(line))
    return "\n".join(lines)


def test_functional_model_infers_the_output_shape_symbolically():
    model, wrapper = functional_with_block()
    assert wrapper.output.shape == (None, 6)
    assert model.output_shape == (None, 3)
    assert wrapper.count_params() == 4 * 6 + 6 + 6 + 6
    assert model.count_params() == wrapper.count_params() + 6 * 3 + 3
    text = summary_text(model)
    assert "block (TorchModuleWrapper)" in text and "(None, 6)" in text and "Total params: 63" in text


def test_explicit_output_shape_is_used_as_given():
    wrapper = TorchModuleWrapper(torch.nn.Linear(4, 2), output_shape=(None, 2))
    assert wrapper.compute_output_shape((None, 4)) == (None, 2)
    assert keras.Sequential([keras.Input((4,)), wrapper]).output_shape == (None, 2)


def test_sequential_wraps_plain_modules_and_fit_trains_them():
    linear = torch.nn.Linear(4, 8)
    model = keras.Sequential([keras.Input((4,)), linear, torch.nn.ReLU(), keras.layers.Dense(3)])
    assert isinstance(model.layers[0], TorchModuleWrapper) and model.layers[0].module is linear
    assert model.count_params() == 4 * 8 + 8 + 8 * 3 + 3
    assert any(w is linear.weight for w in model.trainable_weights)
    assert list(model.state_dict().keys())[:2] == ["torch_module_wrapper.module.weight",
                                                   "torch_module_wrapper.module.bias"]
    before = linear.weight.detach().clone()
    x, y = helpers.classification_data()
    model.compile("adam", "sparse_categorical_crossentropy")
    history = model.fit(x, y, epochs=3, batch_size=8, verbose=0)
    assert not torch.equal(before, linear.weight.detach())
    assert history.history["loss"][-1] < history.history["loss"][0]


def test_fit_trains_the_module_and_updates_its_buffers():
    model, wrapper = functional_with_block()
    block = wrapper.module
    weight, mean = block.linear.weight.detach().clone(), block.norm.running_mean.clone()
    x, y = helpers.classification_data()
    model.compile("sgd", "sparse_categorical_crossentropy")
    model.fit(x, y, epochs=1, batch_size=8, verbose=0)
    assert not torch.equal(weight, block.linear.weight.detach())
    assert not torch.equal(mean, block.norm.running_mean)
    assert block.norm.num_batches_tracked.item() == 4
    # predict runs the module in eval mode: batch statistics are not used, buffers do not move.
    mean = block.norm.running_mean.clone()
    model.predict(x, verbose=0)
    assert torch.equal(mean, block.norm.running_mean) and not block.training


def test_training_flag_switches_the_module_mode():
    wrapper = TorchModuleWrapper(torch.nn.Dropout(0.5))
    x = torch.ones(200, 10)
    assert torch.equal(wrapper(x), x)
    assert (wrapper(x, training=True) == 0).any()
    wrapper.train()  # training=None follows the layer's own mode
    assert (wrapper(x) == 0).any()
    assert torch.equal(wrapper(x, training=False), x)


def test_save_weights_round_trip_includes_buffers(tmp_path):
    model, wrapper = functional_with_block()
    with torch.no_grad():
        wrapper.module.norm.running_var.fill_(3.0)
    path = str(tmp_path / "model.weights.h5")
    model.save_weights(path)
    restored, restored_wrapper = functional_with_block()
    restored.load_weights(path)
    torch.testing.assert_close(restored_wrapper.module.norm.running_var, torch.full((6,), 3.0))
    x = torch.randn(5, 4)
    torch.testing.assert_close(restored(x), model(x))


def test_lazy_modules_are_initialized_when_built():
    wrapper = TorchModuleWrapper(torch.nn.LazyLinear(5))
    assert not wrapper.built
    outputs = wrapper(keras.Input((7,)))
    assert outputs.shape == (None, 5)
    assert wrapper.module.weight.shape == (5, 7) and wrapper.count_params() == 40


def test_plain_module_in_a_subclassed_model_is_tracked():
    class Net(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = keras.layers.Dense(8, activation="relu")
            self.torch_head = torch.nn.Linear(8, 3)

        def call(self, x):
            return self.torch_head(self.dense(x))

    model = Net()
    model(torch.zeros(2, 4))
    assert any(w is model.torch_head.weight for w in model.weights)
    assert model.count_params() == 4 * 8 + 8 + 8 * 3 + 3
    assert len(model.trainable_weights) == 4
    before = model.torch_head.weight.detach().clone()
    x, y = helpers.classification_data()
    model.compile("adam", "sparse_categorical_crossentropy")
    model.fit(x, y, epochs=1, batch_size=8, verbose=0)
    assert not torch.equal(before, model.torch_head.weight.detach())


def test_config_round_trip_needs_unsafe_mode():
    wrapper = TorchModuleWrapper(torch.nn.Linear(3, 2), name="wrapped", output_shape=(None, 2))
    config = wrapper.get_config()
    assert config["name"] == "wrapped" and config["output_shape"] == [None, 2]
    assert isinstance(config["module"], str)
    with pytest.raises(ValueError, match="safe_mode=False"):
        TorchModuleWrapper.from_config(config)
    restored = TorchModuleWrapper.from_config(config, safe_mode=False)
    torch.testing.assert_close(restored.module.weight, wrapper.module.weight)
    assert restored.name == "wrapped"


def test_rejects_objects_that_are_not_modules():
    with pytest.raises(ValueError, match="must be a `torch.nn.Module`"):
        TorchModuleWrapper(lambda x: x)


def test_summary_prints_without_errors_for_nested_plain_modules():
    model = keras.Sequential([keras.Input((4,)), TorchBlock(), keras.layers.Dense(2)])
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        model.summary()
    assert "TorchModuleWrapper" in buffer.getvalue()
    np.testing.assert_equal(model.count_params(), 4 * 6 + 6 + 12 + 6 * 2 + 2)
