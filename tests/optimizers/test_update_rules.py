"""Every optimizer's update rule against a NumPy re-implementation of Keras's formulas."""
import numpy as np
import pytest

import torchkeras.optimizers as optimizers
from . import numpy_reference
from .helpers import make_grads, make_variables, make_weights, to_tensors, values

CASES = [
    ("SGD", "sgd", {}),
    ("SGD", "sgd", {"momentum": 0.9}),
    ("SGD", "sgd", {"momentum": 0.9, "nesterov": True}),
    ("RMSprop", "rmsprop", {}),
    ("RMSprop", "rmsprop", {"momentum": 0.5}),
    ("RMSprop", "rmsprop", {"centered": True, "momentum": 0.9}),
    ("Adam", "adam", {}),
    ("Adam", "adam", {"amsgrad": True, "beta_1": 0.8, "epsilon": 1e-3}),
    ("Adagrad", "adagrad", {}),
    ("Adagrad", "adagrad", {"initial_accumulator_value": 0.5}),
    ("Adadelta", "adadelta", {}),
    ("Adamax", "adamax", {}),
    ("Nadam", "nadam", {}),
    ("Lion", "lion", {}),
    ("Lion", "lion", {"beta_1": 0.5, "beta_2": 0.9}),
    ("Ftrl", "ftrl", {}),
    ("Ftrl", "ftrl", {"l1_regularization_strength": 0.01, "l2_regularization_strength": 0.02,
                      "l2_shrinkage_regularization_strength": 0.01, "beta": 0.1, "learning_rate_power": -0.3}),
    ("Lamb", "lamb", {}),
    ("Adafactor", "adafactor", {}),
    ("Adafactor", "adafactor", {"relative_step": False}),
]


@pytest.mark.parametrize("cls_name,ref_name,kwargs", CASES, ids=[f"{c}-{i}" for i, (c, _, _) in enumerate(CASES)])
def test_update_rule_matches_numpy(device, cls_name, ref_name, kwargs):
    lr = 0.1 if cls_name in ("SGD", "Adadelta", "Adafactor", "Ftrl") else 0.01
    weights = make_weights()
    grad_steps = make_grads(6)
    variables = make_variables(weights)
    optimizer = getattr(optimizers, cls_name)(learning_rate=lr, **kwargs)
    for grads in grad_steps:
        optimizer.apply(to_tensors(grads, device), variables)
    expected = numpy_reference.run(ref_name, weights, grad_steps, lr=lr, **kwargs)
    for got, want in zip(values(variables), expected):
        np.testing.assert_allclose(got, want, rtol=2e-5, atol=2e-6)
    assert all(v.device.type == device for v in optimizer.variables[2:] if v.dim() > 0)
    assert int(optimizer.iterations) == 6


def test_adamw_is_adam_with_decoupled_decay(device):
    weights = make_weights()
    grad_steps = make_grads(5)
    variables = make_variables(weights)
    optimizer = optimizers.AdamW(learning_rate=0.01, weight_decay=0.1)
    for grads in grad_steps:
        optimizer.apply(to_tensors(grads, device), variables)
    expected = numpy_reference.run("adam", weights, grad_steps, lr=0.01, weight_decay=0.1)
    for got, want in zip(values(variables), expected):
        np.testing.assert_allclose(got, want, rtol=2e-5, atol=2e-6)


def test_small_gradients_keep_keras_epsilon_placement(device):
    # With gradients ~1e-6, Keras's epsilon placement (Adam: on the uncorrected sqrt(v); RMSprop: inside the
    # sqrt) changes the result a lot; the reference follows Keras.
    weights = make_weights()
    grad_steps = make_grads(20, scale=1e-6)
    for cls_name, ref_name in (("Adam", "adam"), ("RMSprop", "rmsprop")):
        variables = make_variables(weights)
        optimizer = getattr(optimizers, cls_name)()
        for grads in grad_steps:
            optimizer.apply(to_tensors(grads, device), variables)
        expected = numpy_reference.run(ref_name, weights, grad_steps, lr=0.001)
        for got, want in zip(values(variables), expected):
            np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-7)


def test_sgd_momentum_keeps_old_learning_rate_in_velocity(device):
    # Keras stores -lr * g in the velocity, so changing the learning rate only affects new gradients.
    weights = make_weights()
    grad_steps = make_grads(5)
    variables = make_variables(weights)
    optimizer = optimizers.SGD(learning_rate=0.1, momentum=0.9)
    for t, grads in enumerate(grad_steps):
        if t == 2:
            optimizer.learning_rate = 0.01
        optimizer.apply(to_tensors(grads, device), variables)
    lrs = [0.1, 0.1, 0.01, 0.01, 0.01]
    expected = numpy_reference.run("sgd", weights, grad_steps, lr_fn=lambda t: lrs[t], momentum=0.9)
    for got, want in zip(values(variables), expected):
        np.testing.assert_allclose(got, want, rtol=2e-5, atol=2e-6)


@pytest.mark.parametrize("dtype", ["float64", "float16"])
def test_math_runs_in_the_variable_dtype(dtype):
    weights = [w.astype(dtype) for w in make_weights()]
    grad_steps = make_grads(3)
    variables = make_variables(weights)
    optimizer = optimizers.Adam(learning_rate=0.01)
    for grads in grad_steps:
        optimizer.apply(to_tensors(grads), variables)
    assert all(str(v.dtype) == f"torch.{dtype}" for v in optimizer.variables[2:])
    expected = numpy_reference.run("adam", weights, grad_steps, lr=0.01)
    # The learning rate itself is a float32 variable (Keras's floatx), hence 1e-7 in float64.
    tolerance = 1e-7 if dtype == "float64" else 2e-3
    for got, want in zip(values(variables), expected):
        assert got.dtype == np.dtype(dtype)
        np.testing.assert_allclose(got.astype("float64"), want, rtol=tolerance, atol=tolerance)


def test_variables_of_mixed_dtypes_are_updated_per_group():
    weights = make_weights()
    weights[1] = weights[1].astype("float64")
    grad_steps = make_grads(4)
    variables = make_variables(weights)
    optimizer = optimizers.RMSprop(learning_rate=0.01, momentum=0.9, centered=True)
    for grads in grad_steps:
        optimizer.apply(to_tensors(grads), variables)
    assert len(optimizer._full_plan.groups) == 2
    expected = numpy_reference.run("rmsprop", weights, grad_steps, lr=0.01, momentum=0.9, centered=True)
    for got, want in zip(values(variables), expected):
        np.testing.assert_allclose(got, want, rtol=2e-5, atol=2e-6)
