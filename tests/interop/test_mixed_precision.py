"""Mixed precision: dtype policies run with torch.autocast, and LossScaleOptimizer for float16."""
import numpy as np
import pytest
import torch

import torchkeras as keras
from . import helpers
from torchkeras.mixed_precision import autocast_scope
from torchkeras.mixed_precision.loss_scale_optimizer import LossScaleOptimizer

POLICY_HOOKED = helpers.layer_forward_has_policy_hook()
needs_policy_hook = pytest.mark.skipif(
    not POLICY_HOOKED, reason="Layer.forward does not run layers under their dtype policy yet (see report)")


@pytest.fixture(autouse=True)
def _float32_policy():
    keras.mixed_precision.set_global_policy("float32")
    yield
    keras.mixed_precision.set_global_policy("float32")


def policy_call(layer, *args, **kwargs):
    """Call a built layer's `call` the way `Layer.forward` does with the policy hook."""
    return autocast_scope.call_with_policy(layer, layer.call, args, kwargs)


def test_namespace():
    keras.mixed_precision.set_global_policy("mixed_bfloat16")
    assert keras.mixed_precision.global_policy() == "mixed_bfloat16"
    assert keras.mixed_precision.Policy is keras.mixed_precision.DTypePolicy
    policy = keras.mixed_precision.Policy("mixed_float16")
    assert (policy.compute_dtype, policy.variable_dtype) == ("float16", "float32")
    assert keras.mixed_precision.LossScaleOptimizer is LossScaleOptimizer


@pytest.mark.parametrize("policy,dtype", [("mixed_float16", torch.float16), ("mixed_bfloat16", torch.bfloat16)])
def test_mixed_layer_computes_in_half_precision_with_float32_variables(policy, dtype):
    dense = keras.layers.Dense(3, dtype=policy)
    dense.build((None, 4))
    assert dense.kernel.dtype == torch.float32 and dense.compute_dtype == str(dtype).split(".")[1]
    x = torch.randn(5, 4)
    out = policy_call(dense, x)
    assert out.dtype == dtype
    expected = torch.nn.functional.linear(x.to(dtype), dense.kernel.to(dtype).t(), dense.bias.to(dtype))
    torch.testing.assert_close(out, expected)
    out.float().sum().backward()
    assert dense.kernel.grad.dtype == torch.float32


def test_float32_layer_inside_a_mixed_region_runs_in_float32():
    mixed = keras.layers.Dense(3, dtype="mixed_bfloat16")
    head = keras.layers.Activation("softmax", dtype="float32")
    mixed.build((None, 4))
    seen = {}

    def outer(x):
        h = mixed.call(x)
        seen["inner_autocast"] = torch.is_autocast_enabled("cpu")
        out = policy_call(head, h)
        seen["head_dtype"] = out.dtype
        return out

    out = autocast_scope.call_with_policy(mixed, outer, (torch.randn(2, 4),), {})
    assert seen == {"inner_autocast": True, "head_dtype": torch.float32}
    assert out.dtype == torch.float32
    assert not autocast_scope.in_mixed_scope()


def test_mixed_layers_return_what_autocast_gives():
    class Block(keras.layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.hidden = keras.layers.Dense(4, dtype="mixed_bfloat16")
            self.head = keras.layers.Dense(2, dtype="float32")

        def call(self, x):
            return policy_call(self.head, policy_call(self.hidden, x))

    block = Block(dtype="mixed_bfloat16")
    block.hidden.build((None, 3))
    block.head.build((None, 4))
    assert policy_call(block, torch.randn(2, 3)).dtype == torch.float32


def test_layers_created_without_autocast_compute_in_float32_even_in_a_half_region():
    norm = keras.layers.LayerNormalization(dtype="mixed_float16")
    norm.build((None, 6))
    x = torch.randn(3, 6) * 100
    with torch.autocast("cpu", dtype=torch.float16):  # even inside a half-precision region
        out = policy_call(norm, x.half())
    assert out.dtype == torch.float32
    reference = torch.nn.functional.layer_norm(x.half().float(), (6,), eps=norm.epsilon)
    torch.testing.assert_close(out, reference, atol=1e-5, rtol=1e-5)


def test_outside_a_mixed_region_float32_layers_run_untouched():
    dense = keras.layers.Dense(2)
    dense.build((None, 3))
    with torch.autocast("cpu", dtype=torch.bfloat16):  # a user's own autocast region is left alone
        out = policy_call(dense, torch.randn(2, 3))
    assert out.dtype == torch.bfloat16


def test_masks_follow_cast_inputs():
    x = torch.randn(2, 3)
    x._keras_mask = torch.tensor([True, False])
    cast = autocast_scope._cast_floating([x], torch.float16)[0]
    assert cast.dtype == torch.float16 and torch.equal(cast._keras_mask, x._keras_mask)


# --- LossScaleOptimizer -----------------------------------------------------------------------------------
def lso_setup(**kwargs):
    variable = keras.Variable(np.array([1.0, 2.0], dtype="float32"), name="w")
    optimizer = LossScaleOptimizer(keras.optimizers.SGD(learning_rate=0.5), **kwargs)
    return variable, optimizer


def test_loss_scale_optimizer_unscales_and_applies_finite_gradients():
    variable, optimizer = lso_setup(initial_scale=8.0)
    assert float(optimizer.scale_loss(torch.tensor(1.5))) == 12.0
    optimizer.apply([torch.tensor([8.0, 16.0])], [variable])
    np.testing.assert_allclose(variable.numpy(), [0.5, 1.0])
    assert int(optimizer.iterations) == 1 and int(optimizer.step_counter) == 1
    assert float(optimizer.dynamic_scale) == 8.0
    assert [v.path for v in optimizer.variables[:4]] == [
        "loss_scale_optimizer/iteration", "loss_scale_optimizer/learning_rate", "loss_scale_optimizer/step_counter",
        "loss_scale_optimizer/dynamic_scale"]


def test_non_finite_gradients_skip_the_step_and_halve_the_scale():
    variable, optimizer = lso_setup(initial_scale=8.0)
    optimizer.apply([torch.tensor([8.0, 16.0])], [variable])
    optimizer.apply([torch.tensor([float("inf"), 1.0])], [variable])
    np.testing.assert_allclose(variable.numpy(), [0.5, 1.0])
    assert float(optimizer.dynamic_scale) == 4.0 and int(optimizer.step_counter) == 0
    assert int(optimizer.iterations) == 1
    optimizer.apply([torch.tensor([float("nan"), 1.0])], [variable])
    assert float(optimizer.dynamic_scale) == 2.0
    assert float(optimizer.scale_loss(torch.tensor(1.0))) == 2.0


def test_scale_doubles_after_dynamic_growth_steps():
    variable, optimizer = lso_setup(initial_scale=4.0, dynamic_growth_steps=3)
    for _ in range(3):
        optimizer.apply([torch.tensor([4.0, 4.0])], [variable])
    assert float(optimizer.dynamic_scale) == 8.0 and int(optimizer.step_counter) == 0
    np.testing.assert_allclose(variable.numpy(), [-0.5, 0.5])


def test_loss_scale_optimizer_delegates_and_round_trips_its_config():
    from torchkeras.saving import serialization_lib

    variable, optimizer = lso_setup(initial_scale=16.0, dynamic_growth_steps=10)
    assert optimizer.learning_rate is optimizer.inner_optimizer.learning_rate
    optimizer.learning_rate = 0.25
    assert float(optimizer.inner_optimizer.learning_rate) == 0.25
    config = serialization_lib.serialize_keras_object(optimizer)
    assert config["class_name"] == "LossScaleOptimizer" and config["module"] == "keras.optimizers"
    assert config["config"]["inner_optimizer"]["class_name"] == "SGD"
    restored = serialization_lib.deserialize_keras_object(config)
    assert isinstance(restored, LossScaleOptimizer) and isinstance(restored.inner_optimizer, keras.optimizers.SGD)
    assert restored.initial_scale == 16.0 and restored.dynamic_growth_steps == 10


def test_loss_scale_optimizer_validates_arguments():
    with pytest.raises(ValueError, match="no longer supports `dynamic=False`"):
        LossScaleOptimizer(keras.optimizers.SGD(), dynamic=False)
    with pytest.raises(ValueError, match="does not support `clipnorm`"):
        LossScaleOptimizer(keras.optimizers.SGD(), clipnorm=1.0)
    with pytest.raises(TypeError, match="`inner_optimizer` must be"):
        LossScaleOptimizer("sgd")


def test_loss_scale_optimizer_wraps_a_torch_optimizer():
    from torchkeras.optimizers.torch_optimizer import TorchOptimizer

    variable = keras.Variable(np.array([1.0], dtype="float32"))
    optimizer = LossScaleOptimizer(TorchOptimizer(torch.optim.SGD([variable], lr=1.0)), initial_scale=4.0)
    optimizer.apply([torch.tensor([4.0])], [variable])
    np.testing.assert_allclose(variable.numpy(), [0.0])
    optimizer.apply([torch.tensor([float("inf")])], [variable])
    np.testing.assert_allclose(variable.numpy(), [0.0])
    assert float(optimizer.dynamic_scale) == 2.0


def test_maybe_wrap_optimizer_follows_the_model_policy():
    from torchkeras.mixed_precision.loss_scaling import maybe_wrap_optimizer

    fp16 = keras.Sequential([keras.layers.Dense(1)], dtype="mixed_float16")
    bf16 = keras.Sequential([keras.layers.Dense(1)], dtype="mixed_bfloat16")
    sgd = keras.optimizers.SGD()
    wrapped = maybe_wrap_optimizer(fp16, sgd)
    assert isinstance(wrapped, LossScaleOptimizer) and wrapped.inner_optimizer is sgd
    assert wrapped.name == "loss_scale_optimizer"
    assert maybe_wrap_optimizer(fp16, sgd, auto_scale_loss=False) is sgd
    assert maybe_wrap_optimizer(bf16, sgd) is sgd
    assert maybe_wrap_optimizer(fp16, wrapped) is wrapped


# --- whole models (need the Layer.forward policy hook) ------------------------------------------------
@needs_policy_hook
@pytest.mark.parametrize("policy,dtype", [("mixed_float16", torch.float16), ("mixed_bfloat16", torch.bfloat16)])
def test_global_policy_model_outputs(policy, dtype):
    keras.mixed_precision.set_global_policy(policy)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8, activation="relu"),
                              keras.layers.BatchNormalization(), keras.layers.Dense(3),
                              keras.layers.Activation("softmax", dtype="float32")])
    assert all(w.dtype == torch.float32 for w in model.weights)
    x = torch.randn(6, 4)
    assert model.layers[0](x).dtype == dtype  # Dense: matmul in half precision
    assert model.layers[1](model.layers[0](x)).dtype == torch.float32  # BatchNormalization: variable dtype
    out = model(x)
    assert out.dtype == torch.float32
    torch.testing.assert_close(out.sum(-1), torch.ones(6))
    assert model.layers[2].output.dtype == str(dtype).split(".")[1] and model.output.dtype == "float32"


@needs_policy_hook
def test_per_layer_policies_in_a_float32_model():
    inputs = keras.Input((4,))
    hidden = keras.layers.Dense(8, dtype="mixed_bfloat16", name="fast")(inputs)
    outputs = keras.layers.Dense(2, name="precise")(hidden)
    model = keras.Model(inputs, outputs)
    x = torch.randn(3, 4)
    fast = keras.Model(inputs, hidden)
    assert fast(x).dtype == torch.bfloat16
    assert model(x).dtype == torch.float32


@needs_policy_hook
@pytest.mark.parametrize("policy", ["mixed_float16", "mixed_bfloat16"])
def test_fit_under_a_mixed_policy(policy):
    keras.mixed_precision.set_global_policy(policy)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(16, activation="relu"), keras.layers.Dense(1),
                              keras.layers.Activation("linear", dtype="float32")])
    model.compile(keras.optimizers.SGD(0.05), "mse")
    if policy == "mixed_float16" and helpers.compile_wraps_loss_scale():
        assert isinstance(model.optimizer, LossScaleOptimizer)
    x, y = helpers.regression_data(n=64)
    history = model.fit(x, y, batch_size=16, epochs=4, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert all(w.dtype == torch.float32 for w in model.weights)
    assert model.predict(x, verbose=0).dtype == np.float32
