"""Mixed precision beside real Keras 3 (torch backend): half-precision outputs and loss-scaling dynamics."""
import numpy as np
import pytest
import torch

import keras

import torchkeras
from torchkeras.mixed_precision import autocast_scope
from torchkeras.mixed_precision.loss_scale_optimizer import LossScaleOptimizer


@pytest.fixture(autouse=True)
def _float32_policies():
    yield
    keras.mixed_precision.set_global_policy("float32")
    torchkeras.mixed_precision.set_global_policy("float32")


@pytest.mark.parametrize("policy", ["mixed_float16", "mixed_bfloat16"])
def test_dense_layer_matches_keras(policy):
    k_layer = keras.layers.Dense(5, activation="relu", dtype=policy)
    k_layer.build((None, 8))
    t_layer = torchkeras.layers.Dense(5, activation="relu", dtype=policy)
    t_layer.build((None, 8))
    t_layer.set_weights(k_layer.get_weights())
    x = np.random.rand(6, 8).astype("float32")
    expected = k_layer(x)
    out = autocast_scope.call_with_policy(t_layer, t_layer.call, (torch.tensor(x),), {})
    assert str(out.dtype) == str(expected.dtype)
    # One rounding of the half-precision result apart at most.
    tolerance = 1e-3 if policy == "mixed_float16" else 1e-2
    np.testing.assert_allclose(out.float().detach().numpy(), expected.float().detach().cpu().numpy(),
                               rtol=tolerance, atol=tolerance)


def run_keras_lso(gradients, **kwargs):
    variable = keras.Variable(np.array([1.0, -2.0], dtype="float32"))
    optimizer = keras.optimizers.LossScaleOptimizer(keras.optimizers.SGD(learning_rate=0.1), **kwargs)
    trace = []
    for g in gradients:
        optimizer.apply([keras.ops.convert_to_tensor(np.asarray(g, dtype="float32"))], [variable])
        trace.append((float(optimizer.dynamic_scale.numpy()), int(optimizer.step_counter.numpy()),
                      int(optimizer.iterations.numpy()), variable.numpy().copy()))
    return trace, [v.path for v in optimizer.variables]


def run_torchkeras_lso(gradients, **kwargs):
    variable = torchkeras.Variable(np.array([1.0, -2.0], dtype="float32"))
    optimizer = LossScaleOptimizer(torchkeras.optimizers.SGD(learning_rate=0.1), **kwargs)
    trace = []
    for g in gradients:
        optimizer.apply([torch.tensor(np.asarray(g, dtype="float32"))], [variable])
        trace.append((float(optimizer.dynamic_scale), int(optimizer.step_counter), int(optimizer.iterations),
                      variable.numpy().copy()))
    return trace, [v.path for v in optimizer.variables]


def test_loss_scale_optimizer_dynamics_match_keras():
    inf, nan = float("inf"), float("nan")
    gradients = [[4.0, 8.0], [inf, 1.0], [2.0, 2.0], [2.0, -2.0], [1.0, nan], [8.0, 8.0], [1.0, 1.0], [2.0, 4.0]]
    kwargs = {"initial_scale": 4.0, "dynamic_growth_steps": 2}
    k_trace, k_names = run_keras_lso(gradients, **kwargs)
    t_trace, t_names = run_torchkeras_lso(gradients, **kwargs)
    for (ks, kc, ki, kw), (ts, tc, ti, tw) in zip(k_trace, t_trace):
        assert (ts, tc, ti) == (ks, kc, ki)
        np.testing.assert_allclose(tw, kw, rtol=1e-6)
    assert [n.split("/")[-1] for n in t_names] == [n.split("/")[-1] for n in k_names]


def test_loss_scale_optimizer_config_matches_keras():
    k_config = keras.optimizers.LossScaleOptimizer(keras.optimizers.Adam(), initial_scale=64.0).get_config()
    t_config = LossScaleOptimizer(torchkeras.optimizers.Adam(), initial_scale=64.0).get_config()
    assert sorted(t_config) == sorted(k_config)
    assert t_config["initial_scale"] == k_config["initial_scale"] == 64.0
    assert t_config["dynamic_growth_steps"] == k_config["dynamic_growth_steps"]
    restored = LossScaleOptimizer.from_config(k_config)
    assert isinstance(restored.inner_optimizer, torchkeras.optimizers.Adam) and restored.initial_scale == 64.0


def keras_policy_model():
    return keras.Sequential([keras.Input((4,)), keras.layers.Dense(8, activation="relu"),
                             keras.layers.Dense(3), keras.layers.Activation("softmax", dtype="float32")])


def torchkeras_policy_model():
    return torchkeras.Sequential([torchkeras.Input((4,)), torchkeras.layers.Dense(8, activation="relu"),
                                  torchkeras.layers.Dense(3),
                                  torchkeras.layers.Activation("softmax", dtype="float32")])


def _policy_hook_merged():
    layer = torchkeras.layers.Dense(2, dtype="mixed_bfloat16")
    return layer(torch.ones(1, 3)).dtype == torch.bfloat16


def test_whole_model_under_a_global_policy_matches_keras():
    if not _policy_hook_merged():
        pytest.skip("Layer.forward does not run layers under their dtype policy yet (see report)")
    keras.mixed_precision.set_global_policy("mixed_bfloat16")
    torchkeras.mixed_precision.set_global_policy("mixed_bfloat16")
    k_model, t_model = keras_policy_model(), torchkeras_policy_model()
    t_model.set_weights(k_model.get_weights())
    x = np.random.rand(7, 4).astype("float32")
    k_out = k_model.predict(x, verbose=0)
    t_out = t_model.predict(x, verbose=0)
    assert t_out.dtype == k_out.dtype == np.float32
    np.testing.assert_allclose(t_out, k_out, rtol=2e-2, atol=2e-2)
    assert [w.dtype for w in t_model.get_weights()] == [w.dtype for w in k_model.get_weights()]
