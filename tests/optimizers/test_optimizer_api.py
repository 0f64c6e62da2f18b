"""The Keras surface of `keras.optimizers.Optimizer`: construction, learning rate, iterations, variables,
apply/apply_gradients, and custom optimizers."""
import warnings

import numpy as np
import pytest
import torch

import torchkeras.optimizers as optimizers
from torchkeras.backend import naming
from torchkeras.backend.variables import Variable

from . import numpy_reference
from .helpers import make_grads, make_variables, make_weights, to_tensors, values


def test_default_names_are_unique_snake_case_class_names():
    assert optimizers.Adam().name == "adam"
    assert optimizers.Adam().name == "adam_1"
    assert optimizers.RMSprop().name == "rm_sprop"  # Keras's snake_case of "RMSprop"
    assert optimizers.AdamW().name == "adam_w"
    assert optimizers.SGD(name="mine").name == "mine"


@pytest.mark.parametrize("cls_name,lr,extra", [
    ("SGD", 0.009999999776482582, {"momentum": 0.0, "nesterov": False}),
    ("RMSprop", 0.0010000000474974513, {"rho": 0.9, "momentum": 0.0, "epsilon": 1e-7, "centered": False}),
    ("Adam", 0.0010000000474974513, {"beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7, "amsgrad": False}),
    ("AdamW", 0.0010000000474974513, {"weight_decay": 0.004, "beta_1": 0.9, "amsgrad": False}),
    ("Adagrad", 0.0010000000474974513, {"initial_accumulator_value": 0.1, "epsilon": 1e-7}),
    ("Adadelta", 0.0010000000474974513, {"rho": 0.95, "epsilon": 1e-7}),
    ("Adamax", 0.0010000000474974513, {"beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7}),
    ("Nadam", 0.0010000000474974513, {"beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7}),
    ("Lion", 0.0010000000474974513, {"beta_1": 0.9, "beta_2": 0.99}),
    ("Ftrl", 0.0010000000474974513, {"learning_rate_power": -0.5, "initial_accumulator_value": 0.1,
                                     "l1_regularization_strength": 0.0, "beta": 0.0}),
])
def test_defaults_in_config(cls_name, lr, extra):
    config = getattr(optimizers, cls_name)().get_config()
    assert config["learning_rate"] == lr
    for key, value in extra.items():
        assert config[key] == value
    for key in ("clipnorm", "global_clipnorm", "clipvalue", "ema_overwrite_frequency", "loss_scale_factor",
                "gradient_accumulation_steps"):
        assert config[key] is None
    assert config["use_ema"] is False and config["ema_momentum"] == 0.99


@pytest.mark.parametrize("kwargs,message", [
    ({"learning_rate": 1}, "Argument `learning_rate` should be float, or an instance of LearningRateSchedule, "
                           "or a callable (that takes in the current iteration value and returns the corresponding "
                           "learning rate value). Received instead: learning_rate=1"),
    ({"momentum": 0}, "`momentum` must be a float between [0, 1]."),
    ({"momentum": 1.5}, "`momentum` must be a float between [0, 1]."),
    ({"foo": 1}, "Argument(s) not recognized: {'foo': 1}"),
    ({"clipnorm": 1.0, "clipvalue": 1.0}, "Only one of `clipnorm`, `clipvalue` and `global_clipnorm` can be set. "
                                          "Received: clipnorm=1.0, clipvalue=1.0, global_clipnorm=None"),
    ({"gradient_accumulation_steps": 1}, "`gradient_accumulation_steps` must be an integer >= 2. "
                                         "Received: gradient_accumulation_steps=1"),
    ({"use_ema": True, "ema_momentum": 2.0}, "`ema_momentum` must be in the range [0, 1]. Received: ema_momentum=2.0"),
    ({"use_ema": True, "ema_overwrite_frequency": 0.5}, "`ema_overwrite_frequency` must be an integer >= 1 or None. "
                                                        "Received: ema_overwrite_frequency=0.5"),
])
def test_constructor_validation(kwargs, message):
    with pytest.raises(ValueError) as info:
        optimizers.SGD(**kwargs)
    assert str(info.value) == message


@pytest.mark.parametrize("cls_name,kwargs,fragment", [
    ("AdamW", {"weight_decay": None}, "Argument `weight_decay` must be a float. Received: weight_decay=None"),
    ("Lion", {"beta_1": 0.0}, "Argument `beta_1` must be in the [0, 1] range."),
    ("Ftrl", {"initial_accumulator_value": -1.0}, "`initial_accumulator_value` needs to be positive or zero."),
    ("Ftrl", {"learning_rate_power": 0.5}, "`learning_rate_power` needs to be negative or zero."),
    ("Ftrl", {"l1_regularization_strength": -1.0}, "`l1_regularization_strength` needs to be positive or zero."),
    ("Ftrl", {"l2_regularization_strength": -1.0}, "`l2_regularization_strength` needs to be positive or zero."),
    ("Ftrl", {"l2_shrinkage_regularization_strength": -1.0},
     "`l2_shrinkage_regularization_strength` needs to be positive or zero."),
])
def test_optimizer_specific_validation(cls_name, kwargs, fragment):
    with pytest.raises(ValueError, match=None) as info:
        getattr(optimizers, cls_name)(**kwargs)
    assert fragment in str(info.value)


def test_keras2_lr_and_decay_are_accepted_with_warnings():
    with pytest.warns(UserWarning, match="The `lr` argument is deprecated, use `learning_rate` instead."):
        optimizer = optimizers.SGD(lr=1)
    assert optimizer.get_config()["learning_rate"] == 1.0
    optimizer = optimizers.Adam(decay=0.1)  # Keras 2's time-based decay (tests/keras2/test_optimizer_decay.py)
    assert optimizer.get_config()["decay"] == 0.1 and "decay" not in optimizers.Adam().get_config()
    assert optimizers.legacy.Adam is optimizers.Adam
    assert optimizers.legacy.SGD is optimizers.SGD


def test_learning_rate_is_a_settable_float32_cpu_variable():
    optimizer = optimizers.Adam(learning_rate=0.5)
    lr = optimizer.learning_rate
    assert isinstance(lr, Variable)
    assert lr.device.type == "cpu" and lr.dtype == torch.float32 and lr.path == "adam/learning_rate"
    optimizer.learning_rate = 0.25
    assert optimizer.learning_rate is lr and float(lr) == 0.25
    optimizer.lr = 0.125  # Keras 2 alias
    assert float(optimizer.lr) == 0.125
    assert optimizer.variables[1] is lr


def test_learning_rate_setter_with_schedule_raises():
    schedule = optimizers.schedules.ExponentialDecay(0.1, 10, 0.5)
    optimizer = optimizers.SGD(learning_rate=schedule)
    assert [v.name for v in optimizer.variables] == ["iteration"]
    with pytest.raises(TypeError, match="its learning rate is not settable"):
        optimizer.learning_rate = 0.1


def test_learning_rate_set_to_a_schedule_untracks_the_variable():
    optimizer = optimizers.SGD(learning_rate=0.1)
    optimizer.learning_rate = optimizers.schedules.ExponentialDecay(0.1, 1, 0.5)
    assert [v.name for v in optimizer.variables] == ["iteration"]
    np.testing.assert_allclose(float(optimizer.learning_rate), 0.1)


def test_callable_learning_rate_is_called_each_step():
    calls = []

    def learning_rate():
        calls.append(1)
        return 0.1

    weights = make_weights()
    variables = make_variables(weights)
    optimizer = optimizers.SGD(learning_rate=learning_rate)
    grad_steps = make_grads(3)
    for grads in grad_steps:
        optimizer.apply(to_tensors(grads), variables)
    assert len(calls) >= 3
    expected = numpy_reference.run("sgd", weights, grad_steps, lr=0.1)
    for got, want in zip(values(variables), expected):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    assert optimizer.learning_rate == 0.1


def test_learning_rate_assigned_directly_is_seen_by_the_next_step():
    weights = make_weights()
    variables = make_variables(weights)
    optimizer = optimizers.SGD(learning_rate=0.1)
    grad_steps = make_grads(2)
    optimizer.apply(to_tensors(grad_steps[0]), variables)
    optimizer.learning_rate.assign(0.5)
    optimizer.apply(to_tensors(grad_steps[1]), variables)
    expected = numpy_reference.run("sgd", weights, grad_steps, lr_fn=lambda t: [0.1, 0.5][t])
    for got, want in zip(values(variables), expected):
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)


def test_iterations_is_an_int32_cpu_variable_and_reassignable():
    variables = make_variables(make_weights())
    optimizer = optimizers.Adam()
    assert optimizer.iterations.dtype == torch.int32 and optimizer.iterations.device.type == "cpu"
    assert optimizer.iterations.path == "adam/iteration"
    for grads in make_grads(3):
        optimizer.apply(to_tensors(grads), variables)
    assert int(optimizer.iterations) == 3
    optimizer.iterations.assign(10)
    optimizer.apply(to_tensors(make_grads(1)[0]), variables)
    assert int(optimizer.iterations) == 11


def test_variables_order_and_slot_names_follow_keras():
    with naming.name_scope("seq"), naming.name_scope("dense"):
        kernel = Variable(np.ones((3, 2), "float32"), name="kernel")
        bias = Variable(np.zeros(2, "float32"), name="bias")
    optimizer = optimizers.Adam(amsgrad=True)
    optimizer.apply([torch.ones(3, 2), torch.ones(2)], [kernel, bias])
    assert [v.name for v in optimizer.variables] == [
        "iteration", "learning_rate",
        "seq_dense_kernel_momentum", "seq_dense_kernel_velocity", "seq_dense_bias_momentum", "seq_dense_bias_velocity",
        "seq_dense_kernel_velocity_hat", "seq_dense_bias_velocity_hat",
    ]
    assert optimizer.variables[2].path == "adam/seq_dense_kernel_momentum"
    assert all(not v.trainable for v in optimizer.variables)


def test_ema_and_accumulator_variables_come_before_slots():
    variables = make_variables(make_weights()[:2], names=["k", "b"])
    optimizer = optimizers.SGD(momentum=0.5, use_ema=True, gradient_accumulation_steps=2)
    optimizer.build(variables)
    assert [v.name for v in optimizer.variables] == [
        "iteration", "learning_rate", "k_average", "b_average", "k_gradient_accumulator",
        "b_gradient_accumulator", "k_momentum", "b_momentum",
    ]


def test_nadam_keeps_its_momentum_product_as_last_variable():
    variables = make_variables(make_weights())
    optimizer = optimizers.Nadam()
    for grads in make_grads(3):
        optimizer.apply(to_tensors(grads), variables)
    product = optimizer.variables[-1]
    mus = [0.9 * (1 - 0.5 * 0.96**t) for t in (1, 2, 3)]
    np.testing.assert_allclose(float(product), np.prod(mus), rtol=1e-6)


def test_none_gradients_are_skipped_with_keras_warning():
    weights = make_weights()
    variables = make_variables(weights)
    optimizer = optimizers.SGD(learning_rate=0.1)
    grads = to_tensors(make_grads(1)[0])
    with pytest.warns(UserWarning, match=r"Gradients do not exist for variables \['w1'\] when minimizing the loss"):
        optimizer.apply([grads[0], None, grads[2]], variables)
    np.testing.assert_array_equal(variables[1].numpy(), weights[1])
    np.testing.assert_allclose(variables[0].numpy(), weights[0] - 0.1 * grads[0].numpy(), rtol=1e-6)
    with pytest.raises(ValueError, match="No gradients provided for any variable."):
        optimizer.apply([None, None, None], variables)


def test_apply_errors():
    variables = make_variables(make_weights())
    optimizer = optimizers.Adam()
    grads = to_tensors(make_grads(1)[0])
    with pytest.raises(ValueError, match="the optimizer must already be built"):
        optimizer.apply(grads)
    optimizer.apply(grads, variables)
    with pytest.raises(ValueError, match="Received a list of 2 gradients, but the optimizer is tracking 3"):
        optimizer.apply(grads[:2])
    with pytest.raises(ValueError, match="Unknown variable"):
        optimizer.apply([torch.ones(2)], [Variable(np.zeros(2, "float32"))])
    with pytest.raises(ValueError, match="must have the shape of its variable"):
        optimizer.apply([torch.ones(5), grads[1], grads[2]], variables)
    optimizer.apply([], [])  # no-op, like Keras
    assert int(optimizer.iterations) == 1


def test_apply_subset_and_reordered_variables():
    weights = make_weights()
    variables = make_variables(weights)
    optimizer = optimizers.SGD(learning_rate=0.1, momentum=0.9)
    optimizer.build(variables)
    grads = to_tensors(make_grads(1)[0])
    optimizer.apply([grads[2], grads[0]], [variables[2], variables[0]])
    np.testing.assert_allclose(variables[0].numpy(), weights[0] - 0.1 * grads[0].numpy(), rtol=1e-6)
    np.testing.assert_allclose(variables[2].numpy(), weights[2] - 0.1 * grads[2].numpy(), rtol=1e-6)
    np.testing.assert_array_equal(variables[1].numpy(), weights[1])


def test_apply_gradients_accepts_numpy_and_returns_iterations():
    weights = make_weights()
    variables = make_variables(weights)
    optimizer = optimizers.SGD(learning_rate=0.1)
    grads = make_grads(1)[0]
    result = optimizer.apply_gradients(zip(grads, variables))
    assert result is optimizer.iterations and int(result) == 1
    for v, w, g in zip(variables, weights, grads):
        np.testing.assert_allclose(v.numpy(), w - 0.1 * g, rtol=1e-6)


def test_apply_of_autograd_grads_matches_apply_of_given_grads_and_skips_missing_ones():
    weights = make_weights()
    given = make_variables(weights)
    autograd = make_variables(weights)
    given_opt = optimizers.Adam(learning_rate=0.01)
    autograd_opt = optimizers.Adam(learning_rate=0.01)
    for grads in make_grads(4):
        given_opt.apply(to_tensors(grads), given)
        for p, g in zip(autograd, to_tensors(grads)):
            p.grad = g
        autograd_opt.apply([p.grad for p in autograd], autograd)  # what `train_step` does
    for a, b in zip(values(given), values(autograd)):
        np.testing.assert_array_equal(a, b)
    autograd[1].grad = None
    with pytest.warns(UserWarning, match="Gradients do not exist"):
        autograd_opt.apply([p.grad for p in autograd], autograd)
    assert int(autograd_opt.iterations) == 5


class _PlainSGD(optimizers.Optimizer):
    """A Keras-style custom optimizer: per-variable `update_step` with the `assign_*` helpers."""

    def __init__(self, learning_rate=0.1, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)

    def build(self, variables):
        if self.built:
            return
        super().build(variables)
        self.counts = [self.add_variable_from_reference(v, "count") for v in variables]

    def update_step(self, gradient, variable, learning_rate):
        self.assign_add(self.counts[self._get_variable_index(variable)], torch.ones_like(variable))
        self.assign_sub(variable, gradient * learning_rate)


def test_custom_optimizer_with_update_step():
    weights = make_weights()
    variables = make_variables(weights)
    optimizer = _PlainSGD(weight_decay=0.1)
    grad_steps = make_grads(3)
    for grads in grad_steps:
        optimizer.apply(to_tensors(grads), variables)
    expected = numpy_reference.run("sgd", weights, grad_steps, lr=0.1, weight_decay=0.1)
    for got, want in zip(values(variables), expected):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(optimizer.counts[0].numpy(), np.full((4, 3), 3.0))
    assert optimizer.name == "__plain_sgd"
    assert optimizer.get_config()["learning_rate"] == pytest.approx(0.1)


def test_base_optimizer_without_update_rule_raises():
    optimizer = optimizers.Optimizer(learning_rate=0.1)
    with pytest.raises(NotImplementedError, match="must implement `update_step"):
        optimizer.apply([torch.ones(2)], [Variable(np.zeros(2, "float32"))])


def test_built_in_update_step_updates_one_variable():
    weights = make_weights()
    variables = make_variables(weights)
    optimizer = optimizers.SGD(learning_rate=0.1)
    optimizer.build(variables)
    gradient = torch.ones(3)
    optimizer.update_step(gradient, variables[1], 0.5)
    np.testing.assert_allclose(variables[1].numpy(), weights[1] - 0.5, rtol=1e-6)


def test_set_weights_get_weights_and_store_roundtrip():
    variables = make_variables(make_weights())
    source = optimizers.Adam()
    for grads in make_grads(2):
        source.apply(to_tensors(grads), variables)
    target = optimizers.Adam()
    with pytest.raises(ValueError, match="has not yet been built"):
        target.set_weights(source.get_weights())
    target.build(variables)
    target.set_weights(source.get_weights())
    for a, b in zip(source.get_weights(), target.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert int(target.iterations) == 2
    store = {}
    source.save_own_variables(store)
    third = optimizers.Adam()
    with pytest.warns(UserWarning, match="Skipping variable loading for optimizer"):
        third.load_own_variables(store)
    third.build(variables)
    third.load_own_variables(store)
    np.testing.assert_array_equal(third.variables[3].numpy(), source.variables[3].numpy())


def test_scale_loss():
    assert optimizers.SGD().scale_loss(3.0) == 3.0
    assert optimizers.SGD(loss_scale_factor=4.0).scale_loss(3.0) == 12.0


def test_keras2_legacy_sgd_spelling():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        optimizer = optimizers.legacy.SGD(lr=0.5, decay=1e-6, momentum=0.9, nesterov=True)
    assert optimizer.get_config()["learning_rate"] == 0.5 and optimizer.nesterov


def test_keras2_minimize():
    weights = make_weights()
    variables = make_variables(weights)
    optimizer = optimizers.SGD(learning_rate=0.1)
    with pytest.warns(UserWarning, match=r"Gradients do not exist for variables \['w1'\]"):
        result = optimizer.minimize(lambda: (variables[0] ** 2).sum() + variables[2].sum(), lambda: variables)
    assert int(result) == 1
    np.testing.assert_allclose(variables[0].numpy(), weights[0] * 0.8, rtol=1e-6)
    np.testing.assert_allclose(variables[2].numpy(), weights[2] - 0.1, rtol=1e-6)
    np.testing.assert_array_equal(variables[1].numpy(), weights[1])  # no gradient: skipped
