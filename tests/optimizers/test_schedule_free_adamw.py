"""`keras.optimizers.ScheduleFreeAdamW`: the schedule-free step as Keras computes it on the torch backend,
warmup, weight decay, config and slots; checked against a float64 NumPy version of Keras's op sequence."""
import numpy as np
import pytest

import torchkeras
from torchkeras.optimizers import ScheduleFreeAdamW
from tests.optimizers.helpers import make_grads
from tests.optimizers.helpers import make_variables
from tests.optimizers.helpers import make_weights
from tests.optimizers.helpers import to_tensors


def _reference(weights, grads, lr=0.0025, b1=0.9, b2=0.999, eps=1e-8, warmup_steps=0, weight_decay=None):
    y = [w.astype("float64") for w in weights]
    z = [w.copy() for w in y]
    v = [np.zeros_like(w) for w in y]
    for t, step_grads in enumerate(grads, start=1):
        lr_t = lr * min(t / warmup_steps, 1.0) if warmup_steps > 0 else lr
        for i, g in enumerate(step_grads):
            if weight_decay is not None:
                y[i] = y[i] - y[i] * weight_decay * lr
            v[i] += (g * g - v[i]) * (1 - b2)
            z[i] -= lr_t * g / (np.sqrt(v[i] / (1 - b2**t)) + eps)
            x_old = (y[i] - (1 - b1) * z[i]) / b1  # Keras on torch reads the updated momentum here
            x_new = (1 - 1 / t) * x_old + z[i] / t
            y[i] = (1 - b1) * z[i] + b1 * x_new
    return y, z, v


@pytest.mark.parametrize("kwargs", [{}, {"learning_rate": 0.05, "beta_1": 0.7}, {"warmup_steps": 3},
                                    {"weight_decay": 0.1, "learning_rate": 0.01}])
def test_matches_float64_reference(kwargs):
    weights, grads = make_weights(), make_grads(6)
    variables = make_variables(weights)
    optimizer = ScheduleFreeAdamW(**kwargs)
    for step_grads in grads:
        optimizer.apply(to_tensors(step_grads), variables)
    names = {"learning_rate": "lr", "beta_1": "b1"}
    y, z, v = _reference(weights, [[g.astype("float64") for g in s] for s in grads],
                         **{names.get(k, k): val for k, val in kwargs.items()})
    for variable, exp in zip(variables, y):
        np.testing.assert_allclose(variable.numpy(), exp, rtol=1e-5, atol=1e-6)
    for slot, exp in zip(optimizer._momentums, z):
        np.testing.assert_allclose(slot.numpy(), exp, rtol=1e-5, atol=1e-6)
    for slot, exp in zip(optimizer._velocities, v):
        np.testing.assert_allclose(slot.numpy(), exp, rtol=1e-5, atol=1e-7)


def test_momentum_starts_at_the_weights():
    weights = make_weights()
    variables = make_variables(weights)
    optimizer = ScheduleFreeAdamW()
    optimizer.build(variables)
    for slot, w in zip(optimizer._momentums, weights):
        np.testing.assert_array_equal(slot.numpy(), w)
    assert [v.path for v in optimizer.variables][:4] == ["schedule_free_adam_w/iteration",
                                                         "schedule_free_adam_w/learning_rate",
                                                         "schedule_free_adam_w/w0_momentum",
                                                         "schedule_free_adam_w/w0_velocity"]


def test_excluded_variable_is_not_decayed():
    variables = make_variables([np.array(2.0, "float32"), np.array(2.0, "float32")], ["keep", "exclude"])
    optimizer = ScheduleFreeAdamW(learning_rate=1.0, weight_decay=0.004)
    optimizer.exclude_from_weight_decay(var_names=["exclude"])
    for _ in range(2):
        optimizer.apply(to_tensors([np.zeros((), "float32")] * 2), variables)
    assert variables[1].numpy() == pytest.approx(2.0, abs=1e-6)
    # Step 1 sets y = z (the decay is overwritten); step 2 averages the decayed y with z.
    assert variables[0].numpy() == pytest.approx(0.5 * 2.0 * (1 - 0.004) + 0.5 * 2.0, abs=1e-6)


def test_config_round_trip_and_lookup():
    optimizer = ScheduleFreeAdamW(learning_rate=0.005, beta_1=0.95, beta_2=0.99, epsilon=1e-6, warmup_steps=100)
    config = optimizer.get_config()
    assert {k: config[k] for k in ("beta_1", "beta_2", "epsilon", "warmup_steps")} == {
        "beta_1": 0.95, "beta_2": 0.99, "epsilon": 1e-6, "warmup_steps": 100}
    assert ScheduleFreeAdamW.from_config(config).get_config() == config
    assert isinstance(torchkeras.optimizers.get("schedulefreeadamw"), ScheduleFreeAdamW)


def test_model_fit_decreases_loss():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 3)).astype("float32")
    y = (x @ np.array([[1.0], [-2.0], [0.5]], "float32")).astype("float32")
    model = torchkeras.Sequential([torchkeras.Input((3,)), torchkeras.layers.Dense(1)])
    model.compile(ScheduleFreeAdamW(learning_rate=0.05), "mse")
    history = model.fit(x, y, epochs=10, batch_size=16, verbose=0)
    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]
