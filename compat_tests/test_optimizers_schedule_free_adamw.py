"""torchkeras `ScheduleFreeAdamW` beside real Keras 3 (torch backend): same weights and gradients for 10 steps
give the same weights, slots and config (float32 tolerance)."""
import keras
import numpy as np
import pytest
import torch

import torchkeras
from torchkeras.backend.variables import Variable as TkVariable

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

SHAPES = [(4, 3), (3,), (2, 3, 2), ()]
STEPS = 10
CASES = [
    {},
    {"learning_rate": 0.05, "beta_1": 0.8, "beta_2": 0.99, "epsilon": 1e-6},
    {"warmup_steps": 4},
    {"weight_decay": 0.1, "learning_rate": 0.01},
    {"global_clipnorm": 0.5, "learning_rate": 0.01},
    {"use_ema": True, "ema_momentum": 0.5, "ema_overwrite_frequency": 3},
    {"gradient_accumulation_steps": 3, "learning_rate": 0.01},
]


def _data():
    rng = np.random.default_rng(3)
    weights = [np.asarray(rng.normal(size=s), dtype="float32") for s in SHAPES]
    grads = [[np.asarray(rng.normal(size=s) * (1.0 if t % 2 == 0 else 1e-3), dtype="float32") for s in SHAPES]
             for t in range(STEPS)]
    return weights, grads


@pytest.mark.parametrize("kwargs", CASES, ids=[",".join(c) or "defaults" for c in CASES])
def test_trajectory_matches_keras(kwargs):
    weights, grads = _data()
    k_vars = [keras.Variable(w, name=f"w{i}") for i, w in enumerate(weights)]
    t_vars = [TkVariable(w, name=f"w{i}") for i, w in enumerate(weights)]
    k_opt = keras.optimizers.ScheduleFreeAdamW(name="sf", **kwargs)
    t_opt = torchkeras.optimizers.ScheduleFreeAdamW(name="sf", **kwargs)
    for step in range(STEPS):
        k_opt.apply([torch.tensor(g) for g in grads[step]], k_vars)
        t_opt.apply([torch.tensor(g) for g in grads[step]], t_vars)
        for k, t in zip(k_vars, t_vars):
            np.testing.assert_allclose(t.numpy(), np.asarray(k.numpy()), rtol=1e-5, atol=1e-6,
                                       err_msg=f"{kwargs} step {step}")
    k_slots, t_slots = list(k_opt.variables), list(t_opt.variables)
    assert [v.path for v in t_slots] == [v.path for v in k_slots]
    for k, t in zip(k_slots, t_slots):
        np.testing.assert_allclose(t.numpy(), np.asarray(k.numpy()), rtol=1e-5, atol=1e-6, err_msg=t.path)
    assert t_opt.get_config() == k_opt.get_config()


def test_config_round_trips_between_keras_and_torchkeras():
    t_opt = torchkeras.optimizers.ScheduleFreeAdamW(learning_rate=0.005, beta_1=0.95, warmup_steps=100)
    k_opt = keras.optimizers.deserialize(torchkeras.optimizers.serialize(t_opt))
    assert isinstance(k_opt, keras.optimizers.ScheduleFreeAdamW)
    back = torchkeras.optimizers.deserialize(keras.optimizers.serialize(k_opt))
    assert back.get_config() == t_opt.get_config()


def test_model_fit_matches_keras_and_slots_survive_weights_file(tmp_path):
    x = np.random.default_rng(0).normal(size=(24, 5)).astype("float32")
    y = np.random.default_rng(1).normal(size=(24, 1)).astype("float32")

    def make(module):
        return module.Sequential([module.Input((5,)), module.layers.Dense(3, activation="tanh"),
                                  module.layers.Dense(1)])

    k_model, t_model = make(keras), make(torchkeras)
    t_model.set_weights(k_model.get_weights())
    k_model.compile(keras.optimizers.ScheduleFreeAdamW(learning_rate=0.01), "mse")
    t_model.compile(torchkeras.optimizers.ScheduleFreeAdamW(learning_rate=0.01), "mse")
    k_model.fit(x, y, batch_size=6, epochs=2, shuffle=False, verbose=0)
    t_model.fit(x, y, batch_size=6, epochs=2, shuffle=False, verbose=0)
    for k, t in zip(k_model.get_weights(), t_model.get_weights()):
        np.testing.assert_allclose(t, k, rtol=1e-4, atol=1e-5)
    # torchkeras's .keras file carries the slots; real Keras reads them back.
    path = str(tmp_path / "sf.keras")
    t_model.save(path)
    loaded = keras.saving.load_model(path)
    for k, t in zip(loaded.optimizer.variables, t_model.optimizer.variables):
        np.testing.assert_allclose(np.asarray(k.numpy()), t.numpy(), rtol=0, atol=0)
