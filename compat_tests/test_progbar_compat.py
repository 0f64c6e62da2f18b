"""torchkeras's Progbar writes the same bytes as real Keras 3's for the same updates at the same times."""
import random
import types

import pytest
import keras  # noqa: F401  (conftest skips the module when Keras is missing)
import torch
from keras.src.utils import progbar as keras_progbar_module

from torchkeras.utils import progbar as progbar_module


def _run(module, monkeypatch, capsys, times, make, steps):
    clock = iter(times)
    monkeypatch.setattr(module, "time", types.SimpleNamespace(time=lambda: next(clock)))
    capsys.readouterr()
    bar = make(module.Progbar)
    for kind, arg, values, finalize, new_target in steps:
        if new_target is not None:
            bar.target = new_target
        if kind == "add":
            bar.add(arg, values)
        else:
            bar.update(arg, values, finalize=finalize)
    return capsys.readouterr().out


def _scenario(rng):
    target = rng.choice([None, 1, 3, 7, 12, 100, 1000])
    kwargs = {"verbose": rng.choice([1, 1, 2]), "interval": rng.choice([0.05, 0.0, 0.5])}
    if rng.random() < 0.3:
        kwargs["width"] = rng.choice([5, 30])
    if rng.random() < 0.3:
        kwargs["unit_name"] = "sample"
    names = rng.sample(["loss", "accuracy", "val_loss", "mae", "learning_rate"], rng.randint(0, 4))
    if names and rng.random() < 0.4:
        kwargs["stateful_metrics"] = rng.sample(names, rng.randint(1, len(names)))
    total = target or rng.randint(2, 30)
    steps = []
    current = 0
    while current < total:
        n = min(rng.choice([1, 1, 1, 2, 5]), total - current)
        current += n
        values = [(k, rng.choice([rng.uniform(-2, 2), rng.uniform(0, 1e-3), 0.0, rng.uniform(0, 5000)]))
                  for k in names]
        if rng.random() < 0.2:
            steps.append(("add", n, values, None, None))
        else:
            steps.append(("update", current, values, None, None))
    if target is None:
        # What ProgbarLogger does when the epoch ends on unknown-length data.
        steps.append(("update", current, [(k, 0.5) for k in names], True, current))
    times = [1000.0]
    for _ in range(len(steps)):
        times.append(times[-1] + rng.choice([0.001, 0.02, 0.07, 0.3, 2.5, 75.0, 4000.0]))
    return target, kwargs, steps, times


@pytest.mark.parametrize("seed", range(40))
def test_same_bytes_as_keras(seed, monkeypatch, capsys):
    rng = random.Random(seed)
    target, kwargs, steps, times = _scenario(rng)

    def make(cls):
        return cls(target, **kwargs)

    expected = _run(keras_progbar_module, monkeypatch, capsys, times, make, steps)
    got = _run(progbar_module, monkeypatch, capsys, times, make, steps)
    assert got == expected
    if kwargs["verbose"] == 1:
        assert expected  # the scenario printed something


def test_same_bytes_with_tensor_values(monkeypatch, capsys):
    """Values given as torch tensors print like the same values given to Keras as floats."""
    rng = random.Random(123)
    floats = [[("loss", rng.uniform(0, 3)), ("acc", rng.uniform(0, 1))] for _ in range(6)]
    times = [50.0 + 0.125 * i for i in range(8)]
    keras_steps = [("update", i + 1, v, None, None) for i, v in enumerate(floats)]
    tensor_steps = [("update", i + 1, [(k, torch.tensor(x, dtype=torch.float64)) for k, x in v], None, None)
                    for i, v in enumerate(floats)]
    expected = _run(keras_progbar_module, monkeypatch, capsys, times, lambda c: c(6, interval=0), keras_steps)
    got = _run(progbar_module, monkeypatch, capsys, times, lambda c: c(6, interval=0), tensor_steps)
    assert got == expected


def test_same_error_for_both_metric_lists():
    with pytest.raises(ValueError) as theirs:
        keras_progbar_module.Progbar(3, stateful_metrics=["a"], stateless_metrics=["b"])
    with pytest.raises(ValueError) as ours:
        progbar_module.Progbar(3, stateful_metrics=["a"], stateless_metrics=["b"])
    assert str(ours.value) == str(theirs.value)
