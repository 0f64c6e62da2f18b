"""A built Keras optimizer is a working `torch.optim.Optimizer`: step, zero_grad, state_dict, hooks,
lr schedulers, pickling."""
import copy
import io
import pickle

import numpy as np
import pytest
import torch

import torchkeras.optimizers as optimizers

from . import numpy_reference
from .helpers import make_grads, make_variables, make_weights, to_tensors, values


def _set_grads(variables, grads):
    for v, g in zip(variables, to_tensors(grads)):
        v.grad = g


def test_is_a_torch_optimizer():
    optimizer = optimizers.Adam()
    assert isinstance(optimizer, torch.optim.Optimizer)
    assert "built=False" in repr(optimizer)
    optimizer.zero_grad()  # nothing to do before build
    with pytest.raises(ValueError, match="not built yet"):
        optimizer.step()
    with pytest.raises(ValueError, match="needs a built optimizer"):
        optimizer.state_dict()


def test_step_uses_grads_of_built_variables(device):
    weights = make_weights()
    variables = make_variables(weights)
    optimizer = optimizers.RMSprop(learning_rate=0.01, momentum=0.9)
    optimizer.build(variables)
    grad_steps = make_grads(3)
    for grads in grad_steps:
        _set_grads(variables, grads)
        optimizer.step()
        optimizer.zero_grad()
        assert all(v.grad is None for v in variables)
    expected = numpy_reference.run("rmsprop", weights, grad_steps, lr=0.01, momentum=0.9)
    for got, want in zip(values(variables), expected):
        np.testing.assert_allclose(got, want, rtol=2e-5, atol=2e-6)
    assert int(optimizer.iterations) == 3


def test_step_with_closure_and_partial_grads():
    weights = make_weights()
    variables = make_variables(weights)
    optimizer = optimizers.SGD(learning_rate=0.1)
    optimizer.build(variables)

    def closure():
        optimizer.zero_grad()
        loss = (variables[0] ** 2).sum()
        loss.backward()
        return loss

    loss = optimizer.step(closure)
    assert float(loss.detach()) == pytest.approx(float((weights[0] ** 2).sum()), rel=1e-6)
    np.testing.assert_allclose(variables[0].numpy(), weights[0] * 0.8, rtol=1e-6)
    np.testing.assert_array_equal(variables[1].numpy(), weights[1])
    optimizer.zero_grad()
    assert optimizer.step() is None and int(optimizer.iterations) == 1


def test_zero_grad_set_to_zero():
    variables = make_variables(make_weights())
    optimizer = optimizers.SGD()
    optimizer.build(variables)
    _set_grads(variables, make_grads(1)[0])
    optimizer.zero_grad(set_to_none=False)
    assert all(float(v.grad.abs().sum()) == 0 for v in variables)


def test_param_groups_and_state_hold_the_keras_variables():
    variables = make_variables(make_weights())
    optimizer = optimizers.Adam(learning_rate=0.5)
    optimizer.build(variables)
    assert len(optimizer.param_groups) == 1
    assert all(a is b for a, b in zip(optimizer.param_groups[0]["params"], variables))
    assert optimizer.param_groups[0]["lr"] == 0.5
    optimizer.apply(to_tensors(make_grads(1)[0]))
    assert optimizer.state[variables[0]]["momentum"] is optimizer.variables[2]
    assert optimizer.state[variables[0]]["velocity"] is optimizer.variables[3]
    with pytest.raises(ValueError, match="`add_param_group\\(\\)` is not supported"):
        optimizer.add_param_group({"params": [torch.nn.Parameter(torch.ones(2))]})


def test_state_dict_roundtrip_into_a_new_optimizer():
    weights = make_weights()
    source_vars = make_variables(weights)
    source = optimizers.Nadam(learning_rate=0.01)
    grad_steps = make_grads(4)
    for grads in grad_steps[:2]:
        source.apply(to_tensors(grads), source_vars)
    state = source.state_dict()
    assert state["keras"]["iteration"] == 2
    assert all(type(t) is torch.Tensor for entries in state["state"].values() for t in entries.values())
    buffer = io.BytesIO()
    torch.save(state, buffer)
    buffer.seek(0)

    target_vars = make_variables([v.numpy() for v in source_vars])
    target = optimizers.Nadam(learning_rate=0.5)
    target.build(target_vars)
    target.load_state_dict(torch.load(buffer, weights_only=True))
    assert float(target.learning_rate) == pytest.approx(0.01)
    assert int(target.iterations) == 2
    for grads in grad_steps[2:]:
        source.apply(to_tensors(grads), source_vars)
        target.apply(to_tensors(grads), target_vars)
    for a, b in zip(values(source_vars), values(target_vars)):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


def test_load_state_dict_rejects_a_mismatched_state():
    variables = make_variables(make_weights())
    adam = optimizers.Adam()
    adam.build(variables)
    sgd = optimizers.SGD(momentum=0.9)
    sgd.build(variables)
    with pytest.raises(ValueError, match="Unknown optimizer state 'velocity'"):
        sgd.load_state_dict(adam.state_dict())
    small = optimizers.Adam()
    small.build(variables[:2])
    with pytest.raises(ValueError, match="doesn't match the size"):
        small.load_state_dict(adam.state_dict())


def test_torch_lr_scheduler_drives_the_keras_learning_rate():
    weights = make_weights()
    variables = make_variables(weights)
    optimizer = optimizers.SGD(learning_rate=0.1)
    optimizer.build(variables)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.5)
    grad_steps = make_grads(3)
    for grads in grad_steps:
        _set_grads(variables, grads)
        optimizer.step()
        scheduler.step()
    expected = numpy_reference.run("sgd", weights, grad_steps, lr_fn=lambda t: 0.1 * 0.5**t)
    for got, want in zip(values(variables), expected):
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-7)
    assert float(optimizer.learning_rate) == pytest.approx(0.0125)
    optimizer.learning_rate = 0.5
    assert optimizer.param_groups[0]["lr"] == 0.5


def test_step_hooks_run():
    variables = make_variables(make_weights())
    optimizer = optimizers.SGD()
    calls = []
    optimizer.register_step_pre_hook(lambda opt, args, kwargs: calls.append("pre"))
    optimizer.build(variables)
    optimizer.register_step_post_hook(lambda opt, args, kwargs: calls.append("post"))
    _set_grads(variables, make_grads(1)[0])
    optimizer.step()
    assert calls == ["pre", "post"]


def test_deepcopy_and_pickle_keep_a_working_optimizer():
    weights = make_weights()
    variables = make_variables(weights)
    optimizer = optimizers.Adam(learning_rate=0.01)
    grad_steps = make_grads(3)
    optimizer.apply(to_tensors(grad_steps[0]), variables)
    clone_opt, clone_vars = copy.deepcopy((optimizer, variables))
    restored_opt, restored_vars = pickle.loads(pickle.dumps((optimizer, variables)))
    for grads in grad_steps[1:]:
        optimizer.apply(to_tensors(grads), variables)
        clone_opt.apply(to_tensors(grads), clone_vars)
        restored_opt.apply(to_tensors(grads), restored_vars)
    for a, b, c in zip(values(variables), values(clone_vars), values(restored_vars)):
        np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(a, c)
    assert int(clone_opt.iterations) == 3 and "Parameter Group 0" in repr(clone_opt)


def test_plain_torch_parameters_can_be_optimized():
    module = torch.nn.Linear(3, 2)
    weights = [p.detach().numpy().copy() for p in module.parameters()]
    optimizer = optimizers.Adam(learning_rate=0.01)
    optimizer.build(list(module.parameters()))
    x = torch.randn(5, 3)
    module(x).square().sum().backward()
    grads = [p.grad.numpy().copy() for p in module.parameters()]
    optimizer.step()
    expected = numpy_reference.run("adam", weights, [grads], lr=0.01)
    for p, want in zip(module.parameters(), expected):
        np.testing.assert_allclose(p.detach().numpy(), want, rtol=1e-5, atol=1e-6)
    assert [v.name for v in optimizer.variables[2:4]] == ["variable_momentum", "variable_velocity"]


def test_deepcopy_keeps_weight_decay_exclusions():
    weights = make_weights()
    variables = make_variables(weights)
    optimizer = optimizers.SGD(learning_rate=0.1, weight_decay=0.5)
    optimizer.exclude_from_weight_decay(var_list=[variables[1]])
    clone_opt, clone_vars = copy.deepcopy((optimizer, variables))
    zeros = [torch.zeros(4, 3), torch.zeros(3), torch.zeros(2, 3, 2)]
    clone_opt.apply(zeros, clone_vars)
    np.testing.assert_allclose(clone_vars[0].numpy(), weights[0] * 0.95, rtol=1e-6)
    np.testing.assert_array_equal(clone_vars[1].numpy(), weights[1])


def test_apply_inside_torch_compile_traces_the_update_without_recompiling():
    import torch._dynamo.testing

    weights = make_weights()
    compiled_vars = make_variables(weights)
    eager_vars = make_variables(weights)
    compiled_opt = optimizers.Adam(learning_rate=0.01)
    eager_opt = optimizers.Adam(learning_rate=0.01)
    counter = torch._dynamo.testing.CompileCounter()

    def train_step(variables, optimizer, x):
        loss = sum((v * x).sum() for v in variables)
        loss.backward()
        optimizer.apply([v.grad for v in variables], variables)
        for v in variables:
            v.grad = None
        return loss

    compiled_step = torch.compile(train_step, backend=counter)
    for i in range(4):
        x = torch.tensor(float(i + 1))
        compiled_step(compiled_vars, compiled_opt, x)
        train_step(eager_vars, eager_opt, x)
    # The traced update (step and learning rate as float32 tensors; Adam's bias correction in float32, eager
    # computes it in float64 on the host) matches within float32 rounding: 1e-4 of the learning rate.
    for a, b in zip(values(compiled_vars), values(eager_vars)):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    assert int(compiled_opt.iterations) == 4
    assert counter.frame_count <= 2  # no recompilation per step (the first step builds the optimizer eagerly)
