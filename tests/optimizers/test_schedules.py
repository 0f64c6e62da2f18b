"""Learning-rate schedules: formulas, validation, config round trips, and use by optimizers."""
import math

import numpy as np
import pytest
import torch

import torchkeras.optimizers as optimizers
from torchkeras.optimizers import schedules

from . import numpy_reference
from .helpers import make_grads, make_variables, make_weights, to_tensors, values

STEPS = [0, 1, 2, 3, 5, 7, 10, 11, 15, 25, 40]


def _cosine(step, lr0, decay_steps, alpha):
    step = min(step, decay_steps)
    return lr0 * ((1 - alpha) * 0.5 * (1 + math.cos(math.pi * step / decay_steps)) + alpha)


def _sgdr(step, lr0, first, t_mul, m_mul, alpha):
    period, start, restart = first, 0, 0
    while step >= start + period:
        start += period
        period *= t_mul
        restart += 1
    fraction = (step - start) / period
    return lr0 * ((1 - alpha) * 0.5 * m_mul**restart * (1 + math.cos(math.pi * fraction)) + alpha)


CASES = [
    (schedules.ExponentialDecay(0.1, 4, 0.5), lambda s: 0.1 * 0.5 ** (s / 4)),
    (schedules.ExponentialDecay(0.1, 4, 0.5, staircase=True), lambda s: 0.1 * 0.5 ** (s // 4)),
    (schedules.InverseTimeDecay(0.1, 4, 0.5), lambda s: 0.1 / (1 + 0.5 * s / 4)),
    (schedules.InverseTimeDecay(0.1, 4, 0.5, staircase=True), lambda s: 0.1 / (1 + 0.5 * (s // 4))),
    (schedules.PiecewiseConstantDecay([3, 10], [0.1, 0.01, 0.001]),
     lambda s: 0.1 if s <= 3 else (0.01 if s <= 10 else 0.001)),
    (schedules.PolynomialDecay(0.1, 10, end_learning_rate=0.01, power=2.0),
     lambda s: (0.1 - 0.01) * (1 - min(s, 10) / 10) ** 2 + 0.01),
    (schedules.PolynomialDecay(0.1, 10, cycle=True),
     lambda s: (0.1 - 1e-4) * (1 - s / (10 * max(1, math.ceil(s / 10)))) + 1e-4),
    (schedules.CosineDecay(0.1, 10, alpha=0.1), lambda s: _cosine(s, 0.1, 10, 0.1)),
    (schedules.CosineDecay(0.1, 10, warmup_target=0.5, warmup_steps=5),
     lambda s: 0.1 + 0.4 * s / 5 if s < 5 else _cosine(s - 5, 0.5, 10, 0.0)),
    (schedules.CosineDecayRestarts(0.1, 3), lambda s: _sgdr(s, 0.1, 3, 2.0, 1.0, 0.0)),
    (schedules.CosineDecayRestarts(0.1, 3, t_mul=1.0, m_mul=0.5, alpha=0.1),
     lambda s: _sgdr(s, 0.1, 3, 1.0, 0.5, 0.1)),
]


@pytest.mark.parametrize("schedule,formula", CASES, ids=[f"{type(c[0]).__name__}-{i}" for i, c in enumerate(CASES)])
def test_schedule_values(schedule, formula):
    for step in STEPS:
        value = schedule(step)
        assert isinstance(value, torch.Tensor) and value.dtype == torch.float32 and value.dim() == 0
        np.testing.assert_allclose(float(value), formula(step), rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(float(schedule(torch.tensor(7, dtype=torch.int32))), formula(7), rtol=1e-6)


@pytest.mark.parametrize("schedule", [c[0] for c in CASES], ids=[type(c[0]).__name__ for c in CASES])
def test_schedule_config_round_trip(schedule):
    config = schedule.get_config()
    clone = type(schedule).from_config(config)
    assert clone.get_config() == config
    serialized = schedules.serialize(schedule)
    assert serialized["module"] == "keras.optimizers.schedules"
    assert serialized["class_name"] == type(schedule).__name__
    assert serialized["registered_name"] is None
    restored = schedules.deserialize(serialized)
    assert type(restored) is type(schedule) and restored.get_config() == config
    for step in STEPS:
        assert float(restored(step)) == float(schedule(step))


def test_schedule_configs_match_keras_keys():
    assert schedules.ExponentialDecay(0.1, 10, 0.9).get_config() == {
        "initial_learning_rate": 0.1, "decay_steps": 10, "decay_rate": 0.9, "staircase": False,
        "name": "ExponentialDecay"}
    assert schedules.PiecewiseConstantDecay([2, 5], [0.1, 0.01, 0.001]).get_config() == {
        "boundaries": [2, 5], "values": [0.1, 0.01, 0.001], "name": "PiecewiseConstant"}
    assert schedules.CosineDecay(0.1, 10, warmup_target=0.2, warmup_steps=3).get_config() == {
        "initial_learning_rate": 0.1, "decay_steps": 10, "alpha": 0.0, "name": "CosineDecay",
        "warmup_target": 0.2, "warmup_steps": 3}
    assert schedules.CosineDecayRestarts(0.1, 5).get_config() == {
        "initial_learning_rate": 0.1, "first_decay_steps": 5, "t_mul": 2.0, "m_mul": 1.0, "alpha": 0.0,
        "name": "SGDRDecay"}
    assert schedules.PolynomialDecay(0.1, 5).get_config()["end_learning_rate"] == 0.0001
    assert schedules.InverseTimeDecay(0.1, 5, 0.5).get_config()["name"] == "InverseTimeDecay"


def test_keras2_schedule_config_deserializes():
    restored = schedules.deserialize(
        {"class_name": "ExponentialDecay",
         "config": {"initial_learning_rate": 0.1, "decay_steps": 3, "decay_rate": 0.5, "staircase": False,
                    "name": None}})
    assert isinstance(restored, schedules.ExponentialDecay)


@pytest.mark.parametrize("factory,message", [
    (lambda: schedules.ExponentialDecay(0.1, 0, 0.9), "Argument `decay_steps` must be > 0. Received: decay_steps=0"),
    (lambda: schedules.InverseTimeDecay(0.1, -1, 0.9), "Argument `decay_steps` must be > 0. Received: decay_steps=-1"),
    (lambda: schedules.PolynomialDecay(0.1, 0), "Argument `decay_steps` must be > 0. Received: decay_steps=0"),
    (lambda: schedules.CosineDecay(0.1, 0), "Argument `decay_steps` must be > 0. Received: decay_steps=0"),
    (lambda: schedules.CosineDecayRestarts(0.1, 0),
     "Argument `first_decay_steps` must be > 0. Received: first_decay_steps=0"),
    (lambda: schedules.PiecewiseConstantDecay([1, 2], [0.1]),
     "The length of boundaries should be 1 less than the length of values. Received: boundaries=[1, 2] of length "
     "2, and values=[0.1] of length 1."),
])
def test_schedule_validation(factory, message):
    with pytest.raises(ValueError) as info:
        factory()
    assert str(info.value) == message


def test_base_schedule_requires_call_and_config():
    class Incomplete(schedules.LearningRateSchedule):
        pass

    with pytest.raises(NotImplementedError, match="must override `__call__"):
        Incomplete()(0)
    with pytest.raises(NotImplementedError, match="must override `get_config"):
        Incomplete().get_config()


def test_optimizer_evaluates_the_schedule_at_the_raw_iteration(device):
    schedule = schedules.PiecewiseConstantDecay([1, 2], [0.1, 0.01, 0.001])
    weights = make_weights()
    grad_steps = make_grads(4)
    variables = make_variables(weights)
    optimizer = optimizers.SGD(learning_rate=schedule, momentum=0.5)
    observed = []
    for grads in grad_steps:
        observed.append(float(optimizer.learning_rate))
        optimizer.apply(to_tensors(grads, device), variables)
    assert observed == pytest.approx([0.1, 0.1, 0.01, 0.001])
    expected = numpy_reference.run("sgd", weights, grad_steps, lr_fn=lambda t: float(schedule(t)), momentum=0.5)
    for got, want in zip(values(variables), expected):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    assert optimizer.get_config()["learning_rate"]["class_name"] == "PiecewiseConstantDecay"
    assert optimizer.param_groups[0]["lr"] == pytest.approx(0.001)


def test_user_schedule_receives_the_iteration_variable():
    class Halving(schedules.LearningRateSchedule):
        def __call__(self, step):
            return 0.1 * 0.5 ** step

        def get_config(self):
            return {}

    weights = make_weights()
    grad_steps = make_grads(3)
    variables = make_variables(weights)
    optimizer = optimizers.SGD(learning_rate=Halving())
    for grads in grad_steps:
        optimizer.apply(to_tensors(grads), variables)
    expected = numpy_reference.run("sgd", weights, grad_steps, lr_fn=lambda t: 0.1 * 0.5**t)
    for got, want in zip(values(variables), expected):
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-7)
