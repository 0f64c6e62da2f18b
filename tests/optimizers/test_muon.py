"""`keras.optimizers.Muon`: the Muon step (Newton-Schulz orthogonalized momentum) on 2D variables, AdamW on
the others, per-kind weight decay, config and saving of its slots; checked against a float64 NumPy version of
Keras's formulas."""
import numpy as np
import pytest
import torch

import torchkeras
from torchkeras.optimizers import Muon
from tests.optimizers.helpers import make_variables
from tests.optimizers.helpers import to_tensors


def _newton_schulz(x, steps, a=3.4445, b=-4.7750, c=2.0315):
    tall = x.shape[0] > x.shape[1]
    if tall:
        x = x.T
    x = x / (np.linalg.norm(x) + 1e-7)
    for _ in range(steps):
        gram = x @ x.T
        x = a * x + (b * gram + c * gram @ gram) @ x
    return x.T if tall else x


def _reference(weights, grads, lr=0.001, momentum=0.95, nesterov=True, rms_rate=0.2, ns_steps=5,
               weight_decay=0.004, adam_weight_decay=0.004, b1=0.9, b2=0.999, eps=1e-7, adam_mask=None):
    w = [x.astype("float64") for x in weights]
    m = [np.zeros_like(x) for x in w]
    v = [np.zeros_like(x) for x in w]
    for t, step_grads in enumerate(grads, start=1):
        for i, g in enumerate(step_grads):
            g = g.astype("float64")
            adam = adam_mask[i]
            decay = adam_weight_decay if adam else weight_decay
            if decay is not None:
                w[i] = w[i] - w[i] * decay * lr
            if adam:
                m[i] += (g - m[i]) * (1 - b1)
                v[i] += (g * g - v[i]) * (1 - b2)
                alpha = lr * np.sqrt(1 - b2**t) / (1 - b1**t)
                w[i] -= m[i] * alpha / (np.sqrt(v[i]) + eps)
            else:
                m[i] = momentum * m[i] + g
                u = g + momentum * m[i] if nesterov else m[i]
                update = lr * _newton_schulz(u, ns_steps)
                if rms_rate is not None:
                    update = update * np.sqrt(max(u.shape)) * rms_rate
                w[i] -= update
    return w


SHAPES = [(6, 4), (4,), (7, 3), (5, 4), (2, 2, 2)]
NAMES = ["kernel", "bias", "tall_kernel", "token_embedding", "conv_kernel"]


def _setup(seed=0, steps=5):
    rng = np.random.default_rng(seed)
    weights = [rng.normal(size=s).astype("float32") for s in SHAPES]
    grads = [[rng.normal(size=s).astype("float32") for s in SHAPES] for _ in range(steps)]
    return weights, grads


@pytest.mark.parametrize("kwargs", [{}, {"nesterov": False, "learning_rate": 0.01},
                                    {"rms_rate": None, "weight_decay": 0.1, "adam_weight_decay": None},
                                    {"ns_steps": 2, "momentum": 0.5}])
def test_matches_float64_reference(kwargs):
    weights, grads = _setup()
    variables = make_variables(weights, NAMES)
    optimizer = Muon(**kwargs)
    for step_grads in grads:
        optimizer.apply(to_tensors(step_grads), variables)
    ref_kwargs = {"lr": kwargs.get("learning_rate", 0.001), **{k: v for k, v in kwargs.items()
                                                               if k != "learning_rate"}}
    expected = _reference(weights, grads, adam_mask=[False, True, False, True, True], **ref_kwargs)
    for variable, exp in zip(variables, expected):
        np.testing.assert_allclose(variable.numpy(), exp, rtol=1e-4, atol=1e-5)


def test_variable_kinds_and_slots():
    weights, _ = _setup()
    variables = make_variables(weights, NAMES)
    optimizer = Muon(exclude_layers=["tall"], exclude_embeddings=False)
    optimizer.build(variables)
    assert [optimizer._should_use_adamw(v) for v in variables] == [False, True, True, False, True]
    # A momentum for every variable, a velocity only for the AdamW ones, interleaved like Keras.
    names = [v.path for v in optimizer.variables]
    assert names == ["muon/iteration", "muon/learning_rate", "muon/kernel_momentum", "muon/bias_momentum",
                     "muon/bias_velocity", "muon/tall_kernel_momentum", "muon/tall_kernel_velocity",
                     "muon/token_embedding_momentum", "muon/conv_kernel_momentum", "muon/conv_kernel_velocity"]


def test_orthogonalizes_a_matrix():
    optimizer = Muon(ns_steps=10)
    x = torch.tensor(np.random.default_rng(0).normal(size=(8, 5)), dtype=torch.float32)
    y = optimizer.zeropower_via_newtonschulz5(x, 10)
    singular_values = torch.linalg.svdvals(y)
    # The quintic iteration drives the singular values into roughly [0.7, 1.2], not exactly to 1.
    assert float(singular_values.min()) > 0.6 and float(singular_values.max()) < 1.25
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        optimizer.zeropower_via_newtonschulz5(torch.ones(3), 5)


def test_config_round_trip_and_lookup():
    optimizer = Muon(learning_rate=0.02, exclude_layers=["head"], momentum=0.9, rms_rate=None)
    config = optimizer.get_config()
    assert config["exclude_layers"] == ["head"] and config["rms_rate"] is None and config["momentum"] == 0.9
    assert Muon.from_config(config).get_config() == config
    assert isinstance(torchkeras.optimizers.get("muon"), Muon)
    assert isinstance(torchkeras.optimizers.deserialize(torchkeras.optimizers.serialize(optimizer)), Muon)


def test_model_trains_and_slots_round_trip(tmp_path):
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(32, 4)).astype("float32"), rng.normal(size=(32, 1)).astype("float32")
    model = torchkeras.Sequential([torchkeras.Input((4,)), torchkeras.layers.Dense(8, activation="relu"),
                                   torchkeras.layers.Dense(1, name="out")])
    model.compile(Muon(learning_rate=0.02, exclude_layers=["out"]), "mse")
    history = model.fit(x, y, epochs=5, batch_size=8, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    path = str(tmp_path / "muon.keras")
    model.save(path)
    loaded = torchkeras.saving.load_model(path)
    assert isinstance(loaded.optimizer, Muon)
    for a, b in zip(model.optimizer.variables, loaded.optimizer.variables):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
