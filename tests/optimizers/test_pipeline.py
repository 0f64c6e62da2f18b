"""Keras's apply pipeline: clipping, weight decay, EMA, gradient accumulation, loss scaling, constraints."""
import numpy as np
import pytest
import torch

import torchkeras.optimizers as optimizers
from torchkeras.backend.variables import Variable

from . import numpy_reference
from .helpers import make_grads, make_variables, make_weights, to_tensors, values


def _run(optimizer, weights, grad_steps, device=None):
    variables = make_variables(weights)
    for grads in grad_steps:
        optimizer.apply(to_tensors(grads, device), variables)
    return variables


def _clip_norm(g, c):
    return g * c / max(np.linalg.norm(g), c)


def test_clipnorm_is_per_tensor(device):
    weights = make_weights()
    grad_steps = make_grads(3)
    variables = _run(optimizers.SGD(learning_rate=0.1, clipnorm=1.5), weights, grad_steps, device)
    clipped = [[_clip_norm(g.astype("float64"), 1.5) for g in grads] for grads in grad_steps]
    expected = numpy_reference.run("sgd", weights, clipped, lr=0.1)
    for got, want in zip(values(variables), expected):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_clipnorm_keeps_a_zero_gradient_at_zero():
    variable = Variable(np.ones(3, "float32"))
    optimizer = optimizers.SGD(learning_rate=0.1, clipnorm=1.0)
    optimizer.apply([torch.zeros(3)], [variable])
    np.testing.assert_array_equal(variable.numpy(), np.ones(3))


def test_global_clipnorm(device):
    weights = make_weights()
    grad_steps = make_grads(3)
    variables = _run(optimizers.SGD(learning_rate=0.1, global_clipnorm=2.0), weights, grad_steps, device)
    clipped = []
    for grads in grad_steps:
        norm = np.sqrt(sum(np.sum(g.astype("float64") ** 2) for g in grads))
        clipped.append([g * min(1.0, 2.0 / norm) for g in grads])
    expected = numpy_reference.run("sgd", weights, clipped, lr=0.1)
    for got, want in zip(values(variables), expected):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_global_clipnorm_with_infinite_norm_gives_nan():
    variables = make_variables(make_weights()[:2])
    optimizer = optimizers.SGD(learning_rate=0.1, global_clipnorm=1.0)
    optimizer.apply([torch.full((4, 3), float("inf")), torch.ones(3)], variables)
    assert all(np.isnan(v.numpy()).all() for v in variables)


def test_clipvalue(device):
    weights = make_weights()
    grad_steps = make_grads(3)
    variables = _run(optimizers.Adam(learning_rate=0.01, clipvalue=0.3), weights, grad_steps, device)
    clipped = [[np.clip(g, -0.3, 0.3) for g in grads] for grads in grad_steps]
    expected = numpy_reference.run("adam", weights, clipped, lr=0.01)
    for got, want in zip(values(variables), expected):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("kwargs", [{"clipnorm": 0.0}, {"clipvalue": -1.0}, {"global_clipnorm": 0.0}])
def test_non_positive_clip_values_disable_clipping(kwargs):
    weights = make_weights()
    grad_steps = make_grads(2)
    variables = _run(optimizers.SGD(learning_rate=0.1, **kwargs), weights, grad_steps)
    expected = numpy_reference.run("sgd", weights, grad_steps, lr=0.1)
    for got, want in zip(values(variables), expected):
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)


def test_clipping_leaves_the_callers_gradients_untouched():
    variables = make_variables(make_weights())
    grads = to_tensors(make_grads(1, scale=10.0)[0])
    before = [g.clone() for g in grads]
    optimizers.SGD(clipnorm=0.1, loss_scale_factor=2.0).apply(grads, variables)
    for g, b in zip(grads, before):
        assert torch.equal(g, b)


def test_decoupled_weight_decay_runs_before_the_step(device):
    weights = make_weights()
    grad_steps = make_grads(4)
    variables = _run(optimizers.SGD(learning_rate=0.1, momentum=0.9, weight_decay=0.05), weights, grad_steps,
                     device)
    expected = numpy_reference.run("sgd", weights, grad_steps, lr=0.1, momentum=0.9, weight_decay=0.05)
    for got, want in zip(values(variables), expected):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_weight_decay_uses_the_scheduled_learning_rate():
    schedule = optimizers.schedules.ExponentialDecay(0.01, 1, 0.5)
    weights = make_weights()
    grad_steps = make_grads(4)
    variables = _run(optimizers.AdamW(learning_rate=schedule, weight_decay=0.5), weights, grad_steps)
    expected = numpy_reference.run("adam", weights, grad_steps, lr_fn=lambda t: 0.01 * 0.5**t, weight_decay=0.5)
    for got, want in zip(values(variables), expected):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_exclude_from_weight_decay_by_name_and_by_variable():
    weights = make_weights()
    grad_steps = make_grads(3)
    variables = make_variables(weights, names=["kernel", "bias", "other"])
    optimizer = optimizers.SGD(learning_rate=0.1, weight_decay=0.2)
    optimizer.exclude_from_weight_decay(var_list=[variables[2]], var_names=["bia"])
    for grads in grad_steps:
        optimizer.apply(to_tensors(grads), variables)
    decayed = numpy_reference.run("sgd", weights, grad_steps, lr=0.1, weight_decay=0.2)
    plain = numpy_reference.run("sgd", weights, grad_steps, lr=0.1)
    np.testing.assert_allclose(variables[0].numpy(), decayed[0], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(variables[1].numpy(), plain[1], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(variables[2].numpy(), plain[2], rtol=1e-5, atol=1e-6)
    # Changing the exclusion after build takes effect on the next step (Keras resets its cache too).
    optimizer.exclude_from_weight_decay(var_names=["kernel"])
    before = variables[2].numpy().copy()
    optimizer.apply([torch.zeros(4, 3), torch.zeros(3), torch.zeros(2, 3, 2)], variables)
    np.testing.assert_allclose(variables[2].numpy(), before * (1 - 0.2 * 0.1), rtol=1e-6)


def _ema_reference(weight_steps, momentum):
    averages = None
    for t, weights in enumerate(weight_steps):
        if t == 0:
            averages = [w.copy() for w in weights]
        else:
            averages = [momentum * a + (1 - momentum) * w for a, w in zip(averages, weights)]
    return averages


def test_ema_tracks_the_weights_and_finalize_copies_it(device):
    weights = make_weights()
    grad_steps = make_grads(5)
    variables = make_variables(weights)
    optimizer = optimizers.SGD(learning_rate=0.1, use_ema=True, ema_momentum=0.9)
    history = []
    for grads in grad_steps:
        optimizer.apply(to_tensors(grads, device), variables)
        history.append([v.numpy().astype("float64") for v in variables])
    expected = _ema_reference(history, 0.9)
    averages = optimizer._model_variables_moving_average
    for average, want in zip(averages, expected):
        np.testing.assert_allclose(average.numpy(), want, rtol=1e-5, atol=1e-6)
    # The weights themselves follow plain SGD.
    for got, want in zip(values(variables), numpy_reference.run("sgd", weights, grad_steps, lr=0.1)):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    optimizer.finalize_variable_values(variables)
    for got, want in zip(values(variables), expected):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="The length of model variables \\(2\\) to override does not match"):
        optimizer.finalize_variable_values(variables[:2])


def test_ema_overwrite_frequency():
    weights = make_weights()
    grad_steps = make_grads(4)
    variables = make_variables(weights)
    optimizer = optimizers.SGD(learning_rate=0.1, use_ema=True, ema_momentum=0.5, ema_overwrite_frequency=2)
    current = [w.astype("float64") for w in weights]
    averages = None
    for t, grads in enumerate(grad_steps):
        optimizer.apply(to_tensors(grads), variables)
        current = [w - 0.1 * g for w, g in zip(current, grads)]
        averages = [w.copy() for w in current] if t == 0 else [
            0.5 * a + 0.5 * w for a, w in zip(averages, current)]
        if (t + 1) % 2 == 0:
            current = [a.copy() for a in averages]
        for got, want in zip(values(variables), current):
            np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_gradient_accumulation_updates_every_k_steps_with_the_mean():
    weights = make_weights()
    grad_steps = make_grads(6)
    variables = make_variables(weights)
    schedule_calls = []

    class Recorder(optimizers.schedules.LearningRateSchedule):
        def __call__(self, step):
            schedule_calls.append(int(step))
            return 0.01

        def get_config(self):
            return {}

    optimizer = optimizers.Adam(learning_rate=Recorder(), gradient_accumulation_steps=3)
    snapshots = []
    for grads in grad_steps:
        optimizer.apply(to_tensors(grads), variables)
        snapshots.append(values(variables))
    np.testing.assert_array_equal(snapshots[0][0], weights[0])
    np.testing.assert_array_equal(snapshots[1][0], weights[0])
    assert not np.array_equal(snapshots[2][0], weights[0])
    np.testing.assert_array_equal(snapshots[3][0], snapshots[2][0])
    means = [[np.mean([grad_steps[t][i] for t in block], axis=0) for i in range(3)] for block in ((0, 1, 2),
                                                                                              (3, 4, 5))]
    expected = numpy_reference.run("adam", weights, means, lr=0.01)
    for got, want in zip(values(variables), expected):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    assert int(optimizer.iterations) == 2 and int(optimizer._iterations) == 6
    assert schedule_calls[-2:] == [2, 5]  # the schedule sees the raw micro-step counter
    assert all(float(a.abs().sum()) == 0 for a in optimizer._accumulated_gradients)


def test_loss_scale_factor_unscales_gradients(device):
    weights = make_weights()
    grad_steps = make_grads(3)
    scaled = [[g * 64.0 for g in grads] for grads in grad_steps]
    variables = _run(optimizers.RMSprop(learning_rate=0.01, loss_scale_factor=64.0), weights, scaled, device)
    expected = numpy_reference.run("rmsprop", weights, grad_steps, lr=0.01)
    for got, want in zip(values(variables), expected):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_constraints_apply_after_the_update():
    variable = Variable(np.array([0.5, -0.5, 2.0], "float32"), name="w")
    variable.constraint = lambda w: torch.clamp(w, -1.0, 1.0)
    optimizer = optimizers.SGD(learning_rate=1.0)
    optimizer.apply([torch.tensor([-1.0, 0.25, 0.5])], [variable])
    np.testing.assert_allclose(variable.numpy(), [1.0, -0.75, 1.0])


def test_overwrite_with_gradient_variables_take_the_gradient():
    plain = Variable(np.ones(2, "float32"), name="plain")
    scale = Variable(np.ones(2, "float32"), name="scale")
    scale.overwrite_with_gradient = True
    optimizer = optimizers.Adam(learning_rate=0.1)
    optimizer.apply([torch.ones(2), torch.tensor([3.0, 4.0])], [plain, scale])
    np.testing.assert_array_equal(scale.numpy(), [3.0, 4.0])
    assert not np.array_equal(plain.numpy(), np.ones(2))
    assert [v.name for v in optimizer.variables[2:]] == ["plain_momentum", "plain_velocity"]
    accumulating = optimizers.SGD(gradient_accumulation_steps=2)
    scale2 = Variable(np.zeros(2, "float32"), name="scale2")
    scale2.overwrite_with_gradient = True
    accumulating.apply([torch.tensor([5.0, 1.0])], [scale2])
    np.testing.assert_array_equal(scale2.numpy(), [0.0, 0.0])
    accumulating.apply([torch.tensor([2.0, 3.0])], [scale2])
    np.testing.assert_array_equal(scale2.numpy(), [5.0, 3.0])  # the max over the accumulated steps
