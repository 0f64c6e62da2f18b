"""torchkeras `Muon` beside real Keras 3 (torch backend): same weights and gradients for 8 steps give the same
weights, slots and config (float32 tolerance)."""
import keras
import numpy as np
import pytest
import torch

import torchkeras
from torchkeras.backend.variables import Variable as TkVariable

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

# name, shape: 2D matrices take the Muon step unless excluded; the rest take AdamW.
VARIABLES = [("dense_kernel", (6, 4)), ("dense_bias", (4,)), ("tall_kernel", (7, 3)), ("wide_kernel", (3, 5)),
             ("token_embedding", (5, 4)), ("head_kernel", (4, 2)), ("conv_kernel", (2, 2, 3)),
             ("other_kernel", (6, 4))]
STEPS = 8

CASES = [
    {},
    {"learning_rate": 0.01, "nesterov": False},
    {"learning_rate": 0.02, "rms_rate": None, "weight_decay": 0.1, "adam_weight_decay": 0.05},
    {"exclude_layers": ["head"], "exclude_embeddings": False, "momentum": 0.8, "ns_steps": 3},
    {"adam_lr_ratio": 0.1, "weight_decay": None, "adam_weight_decay": None, "epsilon": 1e-5},
    {"clipnorm": 0.5, "use_ema": True, "ema_momentum": 0.9},
    {"gradient_accumulation_steps": 2, "learning_rate": 0.01},
]


def _data():
    rng = np.random.default_rng(7)
    weights = [rng.normal(size=s).astype("float32") for _, s in VARIABLES]
    grads = [[(rng.normal(size=s) * (1.0 if t % 3 else 1e-3)).astype("float32") for _, s in VARIABLES]
             for t in range(STEPS)]
    return weights, grads


@pytest.mark.parametrize("kwargs", CASES, ids=[",".join(c) or "defaults" for c in CASES])
def test_muon_trajectory_matches_keras(kwargs):
    weights, grads = _data()
    k_vars = [keras.Variable(w, name=n) for (n, _), w in zip(VARIABLES, weights)]
    t_vars = [TkVariable(w, name=n) for (n, _), w in zip(VARIABLES, weights)]
    k_opt = keras.optimizers.Muon(name="muon", **kwargs)
    t_opt = torchkeras.optimizers.Muon(name="muon", **kwargs)
    for step in range(STEPS):
        k_opt.apply([torch.tensor(g) for g in grads[step]], k_vars)
        t_opt.apply([torch.tensor(g) for g in grads[step]], t_vars)
        for (name, _), k, t in zip(VARIABLES, k_vars, t_vars):
            np.testing.assert_allclose(t.numpy(), np.asarray(k.numpy()), rtol=2e-5, atol=2e-6,
                                       err_msg=f"{kwargs} step {step} {name}")
    k_slots, t_slots = list(k_opt.variables), list(t_opt.variables)
    assert [v.path for v in t_slots] == [v.path for v in k_slots]
    for k, t in zip(k_slots, t_slots):
        np.testing.assert_allclose(t.numpy(), np.asarray(k.numpy()), rtol=2e-5, atol=2e-6, err_msg=t.path)
    t_config = t_opt.get_config()
    assert t_config == k_opt.get_config()
    rebuilt = torchkeras.optimizers.Muon.from_config(t_config)
    assert rebuilt.get_config() == t_config


def test_muon_serializes_like_keras():
    k_config = keras.optimizers.serialize(keras.optimizers.Muon(learning_rate=0.01, exclude_layers=["out"]))
    t_config = torchkeras.optimizers.serialize(torchkeras.optimizers.Muon(learning_rate=0.01,
                                                                         exclude_layers=["out"]))
    assert t_config["class_name"] == "Muon" and t_config["module"] == "keras.optimizers"
    assert t_config["config"] == {**k_config["config"], "name": t_config["config"]["name"]}
    # Each side reads the other's config.
    assert isinstance(torchkeras.optimizers.deserialize(k_config), torchkeras.optimizers.Muon)
    assert isinstance(keras.optimizers.deserialize(t_config), keras.optimizers.Muon)


def test_muon_model_fit_matches_keras():
    x = np.random.default_rng(0).normal(size=(32, 6)).astype("float32")
    y = np.random.default_rng(1).normal(size=(32, 2)).astype("float32")

    def make(module):
        model = module.Sequential([module.Input((6,)), module.layers.Dense(5, name="hidden"),
                                   module.layers.Dense(2, name="out")])
        return model

    k_model, t_model = make(keras), make(torchkeras)
    t_model.set_weights(k_model.get_weights())
    k_model.compile(keras.optimizers.Muon(learning_rate=0.02, exclude_layers=["out"]), "mse")
    t_model.compile(torchkeras.optimizers.Muon(learning_rate=0.02, exclude_layers=["out"]), "mse")
    k_model.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    t_model.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    for k, t in zip(k_model.get_weights(), t_model.get_weights()):
        np.testing.assert_allclose(t, k, rtol=1e-4, atol=1e-5)
