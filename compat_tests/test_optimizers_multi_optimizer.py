"""torchkeras `MultiOptimizer`/`OptimizerMap` beside real Keras 3 (torch backend): same dispatch of variables
to sub-optimizers, same trajectories, variables, configs and `.keras` files both ways."""
import contextlib
import copy
import warnings

import keras
import numpy as np
import pytest
import torch

import torchkeras
from torchkeras.backend.variables import Variable as TkVariable

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

NAMES = ["encoder/dense/kernel", "encoder/dense/bias", "decoder/kernel", "decoder/bias", "head/kernel"]
SHAPES = [(4, 3), (3,), (3, 2), (2,), (2, 2)]
STEPS = 6


def _data():
    rng = np.random.default_rng(11)
    weights = [rng.normal(size=s).astype("float32") for s in SHAPES]
    grads = [[rng.normal(size=s).astype("float32") for s in SHAPES] for _ in range(STEPS)]
    return weights, grads


def _variables(module_variable, weights):
    name_scope = keras.name_scope if module_variable is keras.Variable else torchkeras.name_scope
    out = []
    for name, w in zip(NAMES, weights):
        *scopes, leaf = name.split("/")
        with contextlib.ExitStack() as stack:
            for scope in scopes:
                stack.enter_context(name_scope(scope))
            out.append(module_variable(w, name=leaf))
    return out


def _map(module, loss_scale_factor=None):
    o = module.optimizers
    optimizer_map = o.OptimizerMap(o.SGD(0.1, momentum=0.9, name="sgd"),
                                   {"encoder/.*": o.Adam(0.01, name="adam"),
                                    "head/kernel": o.RMSprop(0.02, name="rmsprop")})
    return o.MultiOptimizer(optimizer_map, loss_scale_factor=loss_scale_factor, name="multi")


def test_variables_are_named_as_in_keras():
    weights, _ = _data()
    assert [v.path for v in _variables(TkVariable, weights)] == [v.path for v in _variables(keras.Variable, weights)]


@pytest.mark.parametrize("loss_scale_factor", [None, 4.0])
def test_trajectory_variables_and_config_match_keras(loss_scale_factor):
    weights, grads = _data()
    k_vars, t_vars = _variables(keras.Variable, weights), _variables(TkVariable, weights)
    k_opt, t_opt = _map(keras, loss_scale_factor), _map(torchkeras, loss_scale_factor)
    scale = loss_scale_factor or 1.0
    for step in range(STEPS):
        k_opt.apply([torch.tensor(g * scale) for g in grads[step]], k_vars)
        t_opt.apply([torch.tensor(g * scale) for g in grads[step]], t_vars)
        for k, t in zip(k_vars, t_vars):
            np.testing.assert_allclose(t.numpy(), np.asarray(k.numpy()), rtol=1e-5, atol=1e-6, err_msg=f"{step}")
    assert [o.name for o in t_opt.optimizers] == [o.name for o in k_opt.optimizers]
    assert [int(o.iterations) for o in t_opt.optimizers] == [int(o.iterations) for o in k_opt.optimizers]
    assert int(t_opt.iterations) == int(k_opt.iterations) == STEPS
    assert [v.path for v in t_opt.variables] == [v.path for v in k_opt.variables]
    for k, t in zip(k_opt.variables, t_opt.get_weights()):
        np.testing.assert_allclose(t, np.asarray(k.numpy()), rtol=1e-5, atol=1e-6)
    t_config = torchkeras.optimizers.serialize(t_opt)
    k_config = keras.optimizers.serialize(k_opt)
    assert _strip_modules(t_config) == _strip_modules(k_config)
    # Each side rebuilds the other's optimizer.
    k_back = keras.optimizers.deserialize(copy.deepcopy(t_config))  # Keras edits the config it reads
    t_back = torchkeras.optimizers.deserialize(copy.deepcopy(k_config))
    assert isinstance(k_back, keras.optimizers.MultiOptimizer)
    assert isinstance(t_back, torchkeras.optimizers.MultiOptimizer)
    assert _strip_modules(torchkeras.optimizers.serialize(t_back)) == _strip_modules(t_config)


def _strip_modules(config):
    """Keras writes its torch-backend classes' private modules (`keras.src.backend.torch.optimizers...`) and
    their class names as `registered_name`; torchkeras writes `keras.optimizers` (both read either)."""
    if isinstance(config, dict):
        return {k: _strip_modules(v) for k, v in config.items() if k not in ("module", "registered_name")}
    return config


def test_callable_selector_matches_keras():
    weights, grads = _data()

    def selector_for(module):
        adam, sgd = module.optimizers.Adam(0.05), module.optimizers.SGD(0.1)
        return lambda v: adam if "kernel" in v.path else sgd

    k_vars, t_vars = _variables(keras.Variable, weights), _variables(TkVariable, weights)
    k_opt = keras.optimizers.MultiOptimizer(selector_for(keras))
    t_opt = torchkeras.optimizers.MultiOptimizer(selector_for(torchkeras))
    for step in range(3):
        k_opt.apply([torch.tensor(g) for g in grads[step]], k_vars)
        t_opt.apply([torch.tensor(g) for g in grads[step]], t_vars)
    for k, t in zip(k_vars, t_vars):
        np.testing.assert_allclose(t.numpy(), np.asarray(k.numpy()), rtol=1e-5, atol=1e-6)
    assert len(t_opt.optimizers) == len(k_opt.optimizers) == 2


def _model(module):
    inputs = module.Input((4,))
    hidden = module.layers.Dense(3, name="encoder")(inputs)
    outputs = module.layers.Dense(1, name="decoder")(hidden)
    return module.Model(inputs, outputs, name="net")


def _compiled(module):
    o = module.optimizers
    model = _model(module)
    optimizer = o.MultiOptimizer(o.OptimizerMap(o.SGD(0.05, momentum=0.5), {"encoder/.*": o.Adam(0.01)}))
    model.compile(optimizer, "mse")
    return model


def test_fit_and_keras_files_both_ways(tmp_path):
    x = np.random.default_rng(0).normal(size=(16, 4)).astype("float32")
    y = np.random.default_rng(1).normal(size=(16, 1)).astype("float32")
    k_model, t_model = _compiled(keras), _compiled(torchkeras)
    t_model.set_weights(k_model.get_weights())
    k_model.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0)
    t_model.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0)
    for k, t in zip(k_model.get_weights(), t_model.get_weights()):
        np.testing.assert_allclose(t, k, rtol=1e-5, atol=1e-6)
    assert [v.path for v in t_model.optimizer.variables] == [v.path for v in k_model.optimizer.variables]

    t_path, k_path = str(tmp_path / "t.keras"), str(tmp_path / "k.keras")
    t_model.save(t_path)
    k_model.save(k_path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        k_loaded = keras.saving.load_model(t_path)
    t_loaded = torchkeras.saving.load_model(k_path)
    assert isinstance(k_loaded.optimizer, keras.optimizers.MultiOptimizer)
    assert isinstance(t_loaded.optimizer, torchkeras.optimizers.MultiOptimizer)
    for k, t in zip(k_loaded.optimizer.variables, t_model.optimizer.variables):
        np.testing.assert_array_equal(np.asarray(k.numpy()), t.numpy())
    for k, t in zip(k_model.optimizer.variables, t_loaded.optimizer.variables):
        np.testing.assert_array_equal(t.numpy(), np.asarray(k.numpy()))
    # Training resumes identically on both sides after the round trip.
    k_loaded.fit(x, y, batch_size=4, epochs=1, shuffle=False, verbose=0)
    t_loaded.fit(x, y, batch_size=4, epochs=1, shuffle=False, verbose=0)
    for k, t in zip(k_loaded.get_weights(), t_loaded.get_weights()):
        np.testing.assert_allclose(t, k, rtol=1e-5, atol=1e-6)
