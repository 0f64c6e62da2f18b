"""torchkeras optimizers beside real Keras 3 (torch backend): same initial weights and gradient sequence,
10 steps of `opt.apply(grads, vars)`, same weights (rtol 1e-5, atol 1e-6), same slots and same config."""
import pytest

import keras  # noqa: E402  (compat_tests/conftest.py skips when Keras is missing)
import numpy as np  # noqa: E402
import torch  # noqa: E402

import torchkeras  # noqa: E402
import torchkeras.optimizers as tk_optimizers  # noqa: E402
from torchkeras.backend.variables import Variable as TkVariable  # noqa: E402

# Keras's own variables warn about numpy 2's `copy` keyword when read; that is not under test here.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

SHAPES = [(4, 3), (3,), (2, 3, 2), (5, 1)]
STEPS = 10


def _data():
    rng = np.random.default_rng(42)
    weights = [rng.normal(size=s).astype("float32") for s in SHAPES]
    # Alternate large and small gradients: small ones expose epsilon placement.
    grads = [[(rng.normal(size=s) * (1.0 if t % 2 == 0 else 1e-3)).astype("float32") for s in SHAPES]
             for t in range(STEPS)]
    return weights, grads


def _schedule(module, kind):
    s = module.optimizers.schedules
    if kind == "exponential":
        return s.ExponentialDecay(0.05, 3, 0.5, staircase=True)
    if kind == "cosine_warmup":
        return s.CosineDecay(0.01, 6, alpha=0.1, warmup_target=0.05, warmup_steps=3)
    if kind == "piecewise":
        return s.PiecewiseConstantDecay([2, 5], [0.05, 0.01, 0.002])
    if kind == "polynomial":
        return s.PolynomialDecay(0.05, 4, cycle=True, power=2.0)
    if kind == "inverse_time":
        return s.InverseTimeDecay(0.05, 2, 0.5)
    if kind == "restarts":
        return s.CosineDecayRestarts(0.05, 2, t_mul=2.0, m_mul=0.5)
    raise ValueError(kind)


CASES = [
    ("SGD", {}),
    ("SGD", {"learning_rate": 0.1, "momentum": 0.9}),
    ("SGD", {"learning_rate": 0.1, "momentum": 0.9, "nesterov": True}),
    ("RMSprop", {}),
    ("RMSprop", {"centered": True, "momentum": 0.9, "rho": 0.8}),
    ("Adam", {}),
    ("Adam", {"amsgrad": True, "learning_rate": 0.01}),
    ("AdamW", {}),
    ("AdamW", {"weight_decay": 0.1, "learning_rate": 0.01, "amsgrad": True}),
    ("Adagrad", {"learning_rate": 0.05}),
    ("Adadelta", {"learning_rate": 1.0}),
    ("Adamax", {"learning_rate": 0.01}),
    ("Nadam", {"learning_rate": 0.01}),
    ("Lion", {"learning_rate": 0.01}),
    ("Ftrl", {"learning_rate": 0.05}),
    ("Ftrl", {"learning_rate": 0.05, "l1_regularization_strength": 0.01, "l2_regularization_strength": 0.02,
              "l2_shrinkage_regularization_strength": 0.01, "beta": 0.1, "learning_rate_power": -0.3}),
    ("Lamb", {"learning_rate": 0.01}),
    ("Adafactor", {}),
    ("Adafactor", {"learning_rate": 0.05, "relative_step": False}),
    ("Adam", {"clipnorm": 0.5}),
    ("SGD", {"learning_rate": 0.1, "global_clipnorm": 0.7}),
    ("RMSprop", {"clipvalue": 0.05}),
    ("SGD", {"learning_rate": 0.1, "momentum": 0.9, "weight_decay": 0.05}),
    ("Adam", {"weight_decay": 0.05, "learning_rate": 0.01}),
    ("Adam", {"learning_rate": ("schedule", "exponential")}),
    ("AdamW", {"learning_rate": ("schedule", "cosine_warmup"), "weight_decay": 0.2}),
    ("SGD", {"learning_rate": ("schedule", "piecewise"), "momentum": 0.5}),
    ("RMSprop", {"learning_rate": ("schedule", "polynomial")}),
    ("Adagrad", {"learning_rate": ("schedule", "inverse_time")}),
    ("Nadam", {"learning_rate": ("schedule", "restarts")}),
    ("Adam", {"use_ema": True, "ema_momentum": 0.9}),
    ("SGD", {"learning_rate": 0.1, "momentum": 0.9, "use_ema": True, "ema_momentum": 0.5,
             "ema_overwrite_frequency": 3}),
    ("Adam", {"gradient_accumulation_steps": 3, "learning_rate": 0.01}),
    ("Nadam", {"gradient_accumulation_steps": 2, "use_ema": True, "learning_rate": 0.01}),
    ("RMSprop", {"loss_scale_factor": 128.0, "learning_rate": 0.01}),
]


def _kwargs(module, kwargs):
    out = dict(kwargs)
    if isinstance(out.get("learning_rate"), tuple):
        out["learning_rate"] = _schedule(module, out["learning_rate"][1])
    return out


def _case_id(case):
    name, kwargs = case
    return name + "-" + "-".join(f"{k}" for k in kwargs) if kwargs else name


@pytest.mark.parametrize("name,kwargs", CASES, ids=[_case_id(c) for c in CASES])
def test_trajectory_and_config_match_keras(name, kwargs):
    weights, grads = _data()
    scale = kwargs.get("loss_scale_factor") or 1.0
    k_vars = [keras.Variable(w, name=f"w{i}") for i, w in enumerate(weights)]
    t_vars = [TkVariable(w, name=f"w{i}") for i, w in enumerate(weights)]
    k_opt = getattr(keras.optimizers, name)(name="opt", **_kwargs(keras, kwargs))
    t_opt = getattr(tk_optimizers, name)(name="opt", **_kwargs(torchkeras, kwargs))
    for step in range(STEPS):
        k_opt.apply([torch.tensor(g * scale) for g in grads[step]], k_vars)
        t_opt.apply([torch.tensor(g * scale) for g in grads[step]], t_vars)
        for k, t in zip(k_vars, t_vars):
            np.testing.assert_allclose(t.numpy(), np.asarray(k.numpy()), rtol=1e-5, atol=1e-6,
                                       err_msg=f"{name} {kwargs} step {step}")
    assert int(t_opt.iterations) == int(k_opt.iterations)
    k_slots = [v for v in k_opt.variables]
    t_slots = [v for v in t_opt.variables]
    assert len(k_slots) == len(t_slots)
    for k, t in zip(k_slots, t_slots):
        expected = np.asarray(k.numpy())
        # Slots such as Ftrl's `linear` accumulate large terms that cancel: compare to their own scale.
        atol = 1e-6 * max(1.0, float(np.max(np.abs(expected))))
        np.testing.assert_allclose(t.numpy(), expected, rtol=1e-5, atol=atol, err_msg=k.name)
        assert t.shape == tuple(k.shape)
        if k.name != "variable" and not k.name.startswith("variable_"):
            assert t.name == k.name
    assert t_opt.get_config() == k_opt.get_config()
    if k_opt.use_ema:
        k_opt.finalize_variable_values(k_vars)
        t_opt.finalize_variable_values(t_vars)
        for k, t in zip(k_vars, t_vars):
            np.testing.assert_allclose(t.numpy(), np.asarray(k.numpy()), rtol=1e-5, atol=1e-6)


def test_none_gradients_match_keras():
    weights, grads = _data()
    k_vars = [keras.Variable(w, name=f"w{i}") for i, w in enumerate(weights)]
    t_vars = [TkVariable(w, name=f"w{i}") for i, w in enumerate(weights)]
    k_opt = keras.optimizers.Adam(learning_rate=0.01)
    t_opt = tk_optimizers.Adam(learning_rate=0.01)
    for step in range(4):
        g = [torch.tensor(x) for x in grads[step]]
        g[step % len(g)] = None
        with pytest.warns(UserWarning, match="Gradients do not exist for variables"):
            k_opt.apply(g, k_vars)
        with pytest.warns(UserWarning, match="Gradients do not exist for variables"):
            t_opt.apply(g, t_vars)
    for k, t in zip(k_vars, t_vars):
        np.testing.assert_allclose(t.numpy(), np.asarray(k.numpy()), rtol=1e-5, atol=1e-6)


def test_exclude_from_weight_decay_matches_keras():
    weights, grads = _data()
    k_vars = [keras.Variable(w, name=n) for w, n in zip(weights, ["kernel", "bias", "gamma", "beta"])]
    t_vars = [TkVariable(w, name=n) for w, n in zip(weights, ["kernel", "bias", "gamma", "beta"])]
    k_opt = keras.optimizers.AdamW(learning_rate=0.01, weight_decay=0.3)
    t_opt = tk_optimizers.AdamW(learning_rate=0.01, weight_decay=0.3)
    k_opt.exclude_from_weight_decay(var_list=[k_vars[2]], var_names=["bias"])
    t_opt.exclude_from_weight_decay(var_list=[t_vars[2]], var_names=["bias"])
    for step in range(STEPS):
        k_opt.apply([torch.tensor(g) for g in grads[step]], k_vars)
        t_opt.apply([torch.tensor(g) for g in grads[step]], t_vars)
    for k, t in zip(k_vars, t_vars):
        np.testing.assert_allclose(t.numpy(), np.asarray(k.numpy()), rtol=1e-5, atol=1e-6)


def test_learning_rate_change_mid_training_matches_keras():
    weights, grads = _data()
    k_vars = [keras.Variable(w) for w in weights]
    t_vars = [TkVariable(w) for w in weights]
    k_opt = keras.optimizers.SGD(learning_rate=0.1, momentum=0.9)
    t_opt = tk_optimizers.SGD(learning_rate=0.1, momentum=0.9)
    for step in range(STEPS):
        if step == 3:
            k_opt.learning_rate = 0.01
            t_opt.learning_rate = 0.01
        k_opt.apply([torch.tensor(g) for g in grads[step]], k_vars)
        t_opt.apply([torch.tensor(g) for g in grads[step]], t_vars)
    for k, t in zip(k_vars, t_vars):
        np.testing.assert_allclose(t.numpy(), np.asarray(k.numpy()), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(float(t_opt.learning_rate), float(k_opt.learning_rate))


@pytest.mark.parametrize("name", ["SGD", "RMSprop", "Adam", "AdamW", "Adagrad", "Adadelta", "Adamax", "Nadam", "Ftrl",
                                  "Lion", "Lamb", "Adafactor"])
def test_default_config_matches_keras(name):
    k_config = getattr(keras.optimizers, name)(name="x").get_config()
    t_config = getattr(tk_optimizers, name)(name="x").get_config()
    assert t_config == k_config
    assert list(t_config) == list(k_config)


@pytest.mark.parametrize("name,keras_name", [("SGD", "sgd"), ("RMSprop", "rm_sprop"), ("AdamW", "adam_w"),
                                             ("Nadam", "nadam")])
def test_default_names_match_keras(name, keras_name):
    assert getattr(keras.optimizers, name)().name.startswith(keras_name)
    assert getattr(tk_optimizers, name)().name.startswith(keras_name)


def test_string_identifiers_match_keras():
    for identifier in ["sgd", "Adam", "RMSPROP", "adamw", "adagrad", "adadelta", "adamax", "nadam", "ftrl", "lion",
                       "adafactor"]:
        assert type(tk_optimizers.get(identifier)).__name__ == type(keras.optimizers.get(identifier)).__name__
    for module in (keras.optimizers, tk_optimizers):
        with pytest.raises(ValueError, match="Could not interpret optimizer identifier: adamx"):
            module.get("adamx")


def test_keras_serialized_optimizer_loads_in_torchkeras_and_back():
    schedule = keras.optimizers.schedules.ExponentialDecay(0.1, 10, 0.9)
    k_opt = keras.optimizers.SGD(learning_rate=schedule, momentum=0.9, clipnorm=1.0, name="sgd_x")
    config = keras.optimizers.serialize(k_opt)  # module keras.src.backend.torch.optimizers.torch_sgd
    t_opt = tk_optimizers.deserialize(config)
    assert isinstance(t_opt, tk_optimizers.SGD)
    assert t_opt.get_config() == k_opt.get_config()
    back = keras.optimizers.deserialize(tk_optimizers.serialize(t_opt))
    assert back.get_config() == k_opt.get_config()


@pytest.mark.parametrize("kwargs", [{"learning_rate": 1}, {"momentum": 0}, {"clipnorm": 1.0, "clipvalue": 1.0},
                                    {"gradient_accumulation_steps": 1}, {"foo": 1},
                                    {"use_ema": True, "ema_momentum": 1.5}])
def test_constructor_errors_match_keras(kwargs):
    with pytest.raises(ValueError) as k_info:
        keras.optimizers.SGD(**kwargs)
    with pytest.raises(ValueError) as t_info:
        tk_optimizers.SGD(**kwargs)
    assert str(t_info.value) == str(k_info.value)


def test_schedule_setter_error_matches_keras():
    k_opt = keras.optimizers.SGD(learning_rate=keras.optimizers.schedules.ExponentialDecay(0.1, 10, 0.9))
    t_opt = tk_optimizers.SGD(learning_rate=tk_optimizers.schedules.ExponentialDecay(0.1, 10, 0.9))
    with pytest.raises(TypeError) as k_info:
        k_opt.learning_rate = 0.5
    with pytest.raises(TypeError) as t_info:
        t_opt.learning_rate = 0.5
    assert str(t_info.value) == str(k_info.value)
