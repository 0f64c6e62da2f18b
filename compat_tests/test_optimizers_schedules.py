"""torchkeras learning-rate schedules beside real Keras 3: same values at every step, same configs."""
import pytest

import keras  # noqa: E402  (compat_tests/conftest.py skips when Keras is missing)
import numpy as np  # noqa: E402

from torchkeras.optimizers import schedules as tk_schedules  # noqa: E402

CASES = [
    ("ExponentialDecay", (0.1, 7, 0.6), {}),
    ("ExponentialDecay", (0.1, 7, 0.6), {"staircase": True}),
    ("InverseTimeDecay", (0.1, 5, 0.5), {}),
    ("InverseTimeDecay", (0.1, 5, 0.5), {"staircase": True}),
    ("PiecewiseConstantDecay", ([3, 10, 20], [0.1, 0.05, 0.01, 0.001]), {}),
    ("PolynomialDecay", (0.1, 12), {}),
    ("PolynomialDecay", (0.1, 12), {"end_learning_rate": 0.01, "power": 0.5, "cycle": True}),
    ("CosineDecay", (0.1, 15), {}),
    ("CosineDecay", (0.1, 15), {"alpha": 0.2}),
    ("CosineDecay", (0.01, 15), {"warmup_target": 0.1, "warmup_steps": 6}),
    ("CosineDecayRestarts", (0.1, 4), {}),
    ("CosineDecayRestarts", (0.1, 4), {"t_mul": 1.0, "m_mul": 0.7, "alpha": 0.1}),
    ("CosineDecayRestarts", (0.1, 3), {"t_mul": 3.0, "m_mul": 0.5}),
]


@pytest.mark.parametrize("name,args,kwargs", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_schedule_values_and_config_match_keras(name, args, kwargs):
    k_schedule = getattr(keras.optimizers.schedules, name)(*args, **kwargs)
    t_schedule = getattr(tk_schedules, name)(*args, **kwargs)
    steps = np.arange(0, 80)
    k_values = np.array([float(k_schedule(int(s))) for s in steps])
    t_values = np.array([float(t_schedule(int(s))) for s in steps])
    np.testing.assert_allclose(t_values, k_values, rtol=1e-5, atol=1e-8)
    assert t_schedule.get_config() == k_schedule.get_config()
    assert tk_schedules.serialize(t_schedule) == keras.optimizers.schedules.serialize(k_schedule)
    restored = keras.optimizers.schedules.deserialize(tk_schedules.serialize(t_schedule))
    assert restored.get_config() == k_schedule.get_config()


def test_validation_messages_match_keras():
    for name, args in [("ExponentialDecay", (0.1, 0, 0.5)), ("CosineDecay", (0.1, -2)),
                       ("CosineDecayRestarts", (0.1, 0)), ("PiecewiseConstantDecay", ([1, 2], [0.1, 0.2]))]:
        with pytest.raises(ValueError) as k_info:
            getattr(keras.optimizers.schedules, name)(*args)
        with pytest.raises(ValueError) as t_info:
            getattr(tk_schedules, name)(*args)
        assert str(t_info.value) == str(k_info.value)
