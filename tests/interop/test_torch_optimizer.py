"""`compile(optimizer=torch.optim.X(model.parameters()))` and the `TorchOptimizer` wrapper."""
import warnings

import numpy as np
import pytest
import torch

import torchkeras as keras
from . import helpers
from torchkeras.optimizers.torch_optimizer import TorchOptimizer


def twin_models():
    model = helpers.functional_mlp()
    twin = helpers.functional_mlp()
    twin.set_weights(model.get_weights())
    return model, twin


def manual_loop(model, optimizer, x, y, batch_size, epochs):
    x, y = torch.tensor(x), torch.tensor(y)
    for _ in range(epochs):
        for start in range(0, len(x), batch_size):
            optimizer.zero_grad()
            loss = torch.nn.functional.cross_entropy(model(x[start:start + batch_size], training=True),
                                                     y[start:start + batch_size])
            loss.backward()
            optimizer.step()


@pytest.mark.parametrize("make", [
    lambda params: torch.optim.AdamW(params, lr=0.01, weight_decay=0.05),
    lambda params: torch.optim.SGD(params, lr=0.05, momentum=0.9, nesterov=True),
    lambda params: torch.optim.RMSprop(params, lr=0.01),
])
def test_fit_with_a_torch_optimizer_equals_a_torch_loop(make):
    model, twin = twin_models()
    x, y = helpers.classification_data()
    model.compile(optimizer=make(model.parameters()),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    model.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    manual_loop(twin, make(twin.parameters()), x, y, batch_size=8, epochs=2)
    for a, b in zip(model.get_weights(), twin.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    assert isinstance(model.optimizer, TorchOptimizer)
    assert int(model.optimizer.iterations) == 8


def test_keras_surface():
    model = helpers.functional_mlp()
    torch_opt = torch.optim.Adam(model.parameters(), lr=0.02)
    model.compile(optimizer=torch_opt, loss="sparse_categorical_crossentropy")
    opt = model.optimizer
    assert opt.torch_optimizer is torch_opt and opt.name == "adam" and opt.built is False
    assert opt.param_groups is torch_opt.param_groups and isinstance(opt, torch.optim.Optimizer)
    assert opt.learning_rate == pytest.approx(0.02)
    opt.learning_rate = 0.5
    assert torch_opt.param_groups[0]["lr"] == 0.5
    x, y = helpers.classification_data(n=16)
    model.fit(x, y, batch_size=8, epochs=1, verbose=0)
    assert opt.built and int(opt.iterations) == 2 and opt.iterations.path == "adam/iteration"
    # variables: the iteration, then per parameter Adam's state tensors (step, exp_avg, exp_avg_sq).
    assert opt.variables[0] is opt.iterations and len(opt.variables) == 1 + 3 * 4
    assert sum(int(np.prod(v.shape)) for v in opt.variables) == 1 + 4 + 2 * model.count_params()
    lines = []
    model.summary(print_fn=lambda line, *args, **kwargs: lines.append(line))
    assert any("Optimizer params: " + str(1 + 4 + 2 * model.count_params()) in line for line in lines)
    weights = model.get_weights()
    opt.finalize_variable_values(model.trainable_weights)
    assert all(np.array_equal(a, b) for a, b in zip(weights, model.get_weights()))
    assert opt.state_dict()["param_groups"][0]["lr"] == 0.5


def test_apply_sets_gradients_and_steps():
    variable = keras.Variable(np.ones(3, dtype="float32"))
    opt = TorchOptimizer(torch.optim.SGD([variable], lr=0.5))
    opt.apply([torch.tensor([1.0, 2.0, 3.0])], [variable])
    np.testing.assert_allclose(variable.numpy(), [0.5, 0.0, -0.5])
    assert int(opt.iterations) == 1
    other = keras.Variable(np.ones(2, dtype="float32"))
    with pytest.raises(ValueError, match="does not update the variables"):
        opt.apply([torch.ones(2)], [other])
    with pytest.raises(ValueError, match="No gradients provided"):
        opt.apply([None], [variable])


def test_none_gradients_are_skipped_with_keras_warning():
    a, b = keras.Variable(np.ones(2, dtype="float32"), name="a"), keras.Variable(np.ones(2, dtype="float32"), name="b")
    opt = TorchOptimizer(torch.optim.SGD([a, b], lr=1.0))
    with pytest.warns(UserWarning, match="Gradients do not exist for variables"):
        opt.apply([torch.ones(2), None], [a, b])
    np.testing.assert_allclose(a.numpy(), [0.0, 0.0])
    np.testing.assert_allclose(b.numpy(), [1.0, 1.0])


def test_loss_scale_factor_scales_the_loss_and_unscales_gradients():
    variable = keras.Variable(np.zeros(2, dtype="float32"))
    opt = TorchOptimizer(torch.optim.SGD([variable], lr=1.0), loss_scale_factor=8.0)
    assert float(opt.scale_loss(torch.tensor(2.0))) == 16.0
    opt.apply([torch.tensor([8.0, 16.0])], [variable])
    np.testing.assert_allclose(variable.numpy(), [-1.0, -2.0])
    assert TorchOptimizer(torch.optim.SGD([variable], lr=1.0)).scale_loss(3.0) == 3.0


def test_factory_builds_over_the_model_weights():
    class Net(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = keras.layers.Dense(3)

        def call(self, x):
            return self.dense(x)

    model = Net()  # not built yet: its parameters do not exist
    opt = TorchOptimizer(lambda params: torch.optim.SGD(params, lr=0.1))
    model.compile(optimizer=opt, loss="sparse_categorical_crossentropy")
    x, y = helpers.classification_data(n=16)
    model.fit(x, y, batch_size=8, epochs=1, verbose=0)
    assert opt.built and isinstance(opt.torch_optimizer, torch.optim.SGD)
    assert {id(p) for p in opt.param_groups[0]["params"]} == {id(w) for w in model.trainable_weights}


def test_config_round_trip_recreates_the_torch_optimizer():
    from torchkeras.saving import serialization_lib

    model = helpers.functional_mlp()
    opt = TorchOptimizer(torch.optim.AdamW(model.parameters(), lr=0.003, betas=(0.8, 0.9), weight_decay=0.1))
    opt.learning_rate = 0.002
    config = serialization_lib.serialize_keras_object(opt)
    assert config["class_name"] == "TorchOptimizer" and config["module"] == "keras.optimizers"
    assert config["config"]["optimizer_class"] == "torch.optim.adamw.AdamW"
    restored = serialization_lib.deserialize_keras_object(config)
    assert isinstance(restored, TorchOptimizer) and not restored.built
    restored.build(model.trainable_weights)
    assert isinstance(restored.torch_optimizer, torch.optim.AdamW)
    group = restored.param_groups[0]
    assert group["lr"] == 0.002 and group["betas"] == (0.8, 0.9) and group["weight_decay"] == 0.1


def test_unknown_optimizer_classes_are_not_imported_from_configs():
    config = {"name": "x", "optimizer_class": "os.system", "optimizer_config": {}}
    with pytest.raises(ValueError, match="only `torch.optim` optimizers"):
        TorchOptimizer.from_config(config)


def test_wrapping_is_idempotent_and_validates_its_argument():
    model = helpers.functional_mlp()
    opt = TorchOptimizer(torch.optim.SGD(model.parameters(), lr=0.1))
    assert TorchOptimizer(opt) is opt
    model.compile(optimizer=opt, loss="mse")
    assert model.optimizer is opt
    with pytest.raises(TypeError, match="expects a `torch.optim.Optimizer`"):
        TorchOptimizer("sgd")


def test_torch_lr_schedulers_accept_the_wrapper_without_warnings():
    model = helpers.functional_mlp()
    model.compile(optimizer=torch.optim.SGD(model.parameters(), lr=1.0), loss="sparse_categorical_crossentropy")
    scheduler = torch.optim.lr_scheduler.StepLR(model.optimizer, step_size=1, gamma=0.5)
    x, y = helpers.classification_data(n=16)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.fit(x, y, batch_size=8, epochs=1, verbose=0)
        scheduler.step()
    assert model.optimizer.learning_rate == 0.5
