"""`keras.optimizers.MultiOptimizer` and `OptimizerMap`: lookup rules, dispatch of variables, loss scale,
variables, set_weights, the torch API, config and saving."""
import numpy as np
import pytest
import torch

import torchkeras
from torchkeras import optimizers
from torchkeras.optimizers import MultiOptimizer
from torchkeras.optimizers import OptimizerMap
from tests.optimizers.helpers import make_variables


def test_optimizer_map_lookup():
    adam, sgd, rmsprop = optimizers.Adam(), optimizers.SGD(), optimizers.RMSprop()
    optimizer_map = OptimizerMap(default_optimizer=rmsprop)
    optimizer_map["encoder/layer_0/dense"] = adam
    optimizer_map["encoder/.*"] = sgd
    optimizer_map["decoder"] = adam
    assert optimizer_map["decoder"] is adam
    assert optimizer_map["encoder/layer_0/dense"] is adam
    assert optimizer_map["encoder/layer_0/attention/query"] is sgd
    assert optimizer_map["decoder/layer_0/dense"] is rmsprop
    assert len(optimizer_map) == 3 and set(optimizer_map) == {"encoder/layer_0/dense", "encoder/.*", "decoder"}
    optimizer_map["enc.*"] = rmsprop
    with pytest.raises(ValueError, match="Multiple optimizers"):
        optimizer_map["encoder/x"]
    del optimizer_map["enc.*"]
    with pytest.raises(ValueError, match="already exists"):
        optimizer_map["decoder"] = sgd
    with pytest.raises(ValueError, match="must be a Keras Optimizer"):
        optimizer_map["x"] = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
    with pytest.raises(ValueError, match="cannot be MultiOptimizer"):
        optimizer_map["y"] = MultiOptimizer(OptimizerMap(optimizers.SGD()))
    with pytest.raises(TypeError, match="default_optimizer"):
        OptimizerMap("adam")


def _variables():
    rng = np.random.default_rng(0)
    return make_variables([rng.normal(size=s).astype("float32") for s in [(3, 2), (2,), (2, 2)]],
                          ["enc_kernel", "enc_bias", "dec_kernel"])


def test_dispatch_equals_separate_optimizers():
    variables, reference = _variables(), _variables()
    multi = MultiOptimizer(OptimizerMap(optimizers.SGD(0.1, momentum=0.9), {"enc_.*": optimizers.Adam(0.01)}))
    adam, sgd = optimizers.Adam(0.01), optimizers.SGD(0.1, momentum=0.9)
    rng = np.random.default_rng(1)
    for _ in range(4):
        grads = [torch.tensor(rng.normal(size=tuple(v.shape)).astype("float32")) for v in variables]
        multi.apply(grads, variables)
        adam.apply(grads[:2], reference[:2])
        sgd.apply(grads[2:], reference[2:])
    for a, b in zip(variables, reference):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-6, atol=1e-7)
    assert int(multi.iterations) == 4
    assert [o.name for o in multi.optimizers] == [multi.optimizers[0].name, multi.optimizers[1].name]
    assert [int(o.iterations) for o in multi.optimizers] == [4, 4]
    # Own variables first, then each sub-optimizer's.
    assert len(multi.variables) == 2 + len(multi.optimizers[0].variables) + len(multi.optimizers[1].variables)


def test_learning_rate_is_not_accessible_and_loss_scale_propagates():
    adam = optimizers.Adam()
    multi = MultiOptimizer(OptimizerMap(adam), loss_scale_factor=8.0)
    with pytest.raises(AttributeError, match="cannot be accessed on a MultiOptimizer"):
        multi.learning_rate
    with pytest.raises(AttributeError, match="cannot be set on a MultiOptimizer"):
        multi.learning_rate = 0.1
    assert adam.loss_scale_factor == 8.0
    multi.loss_scale_factor = 2.0
    assert adam.loss_scale_factor == 2.0
    assert float(multi.scale_loss(torch.tensor(3.0))) == 6.0


def test_apply_checks():
    variables = _variables()
    multi = MultiOptimizer(OptimizerMap(optimizers.SGD()))
    with pytest.raises(ValueError, match="must already be built"):
        multi.apply([torch.zeros(3, 2)])
    multi.build(variables)
    with pytest.raises(ValueError, match="one-to-one"):
        multi.apply([torch.zeros(3, 2)], variables[:1])
    bad = MultiOptimizer(lambda v: "sgd")
    with pytest.raises(ValueError, match="is not an Optimizer instance"):
        bad.build(variables)


def test_set_weights_and_torch_step():
    variables = _variables()
    multi = MultiOptimizer(OptimizerMap(optimizers.SGD(0.1, momentum=0.9), {"dec_.*": optimizers.Adam(0.1)}))
    multi.build(variables)
    weights = [np.full(tuple(v.shape), 0.5, "float32") for v in multi.variables]
    weights[0] = np.array(7, "int32")
    multi.set_weights(weights)
    assert int(multi.iterations) == 7
    np.testing.assert_array_equal(multi.optimizers[1].variables[-1].numpy(), weights[-1])
    before = [v.numpy().copy() for v in variables]
    for v in variables[:2]:
        v.grad = torch.ones_like(v)
    multi.step()
    assert int(multi.iterations) == 8
    assert not np.allclose(variables[0].numpy(), before[0])
    np.testing.assert_array_equal(variables[2].numpy(), before[2])  # no gradient: untouched
    state = multi.state_dict()
    other = MultiOptimizer(OptimizerMap(optimizers.SGD(0.1, momentum=0.9), {"dec_.*": optimizers.Adam(0.1)}))
    other.build(variables)
    other.load_state_dict(state)
    assert int(other.iterations) == 8
    for a, b in zip(multi.variables[2:], other.variables[2:]):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_config_round_trip():
    multi = MultiOptimizer(OptimizerMap(optimizers.SGD(0.5), {"enc/.*": optimizers.Adam(0.01)}), name="multi")
    config = optimizers.serialize(multi)
    assert config["class_name"] == "MultiOptimizer" and config["module"] == "keras.optimizers"
    assert config["config"]["optimizer_map"]["class_name"] == "OptimizerMap"
    back = optimizers.deserialize(config)
    assert isinstance(back, MultiOptimizer) and back.name == "multi"
    assert isinstance(back._optimizer_map["enc/x"], optimizers.Adam)
    assert isinstance(back._optimizer_map["dec/x"], optimizers.SGD)


def test_model_fit_save_and_load(tmp_path):
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(16, 4)).astype("float32"), rng.normal(size=(16, 1)).astype("float32")
    inputs = torchkeras.Input((4,))
    outputs = torchkeras.layers.Dense(1, name="decoder")(torchkeras.layers.Dense(3, name="encoder")(inputs))
    model = torchkeras.Model(inputs, outputs)
    model.compile(MultiOptimizer(OptimizerMap(optimizers.SGD(0.05), {"encoder/.*": optimizers.Adam(0.01)})),
                  "mse")
    model.fit(x, y, epochs=2, batch_size=4, verbose=0)
    adam, sgd = model.optimizer.optimizers
    assert isinstance(adam, optimizers.Adam) and int(adam.iterations) == 8 and int(sgd.iterations) == 8
    path = str(tmp_path / "multi.keras")
    model.save(path)
    loaded = torchkeras.saving.load_model(path)
    assert isinstance(loaded.optimizer, MultiOptimizer)
    for a, b in zip(model.optimizer.variables, loaded.optimizer.variables):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
