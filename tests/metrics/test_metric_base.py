"""The `Metric` base class: state variables, tracking, reset, `__call__`, naming, config, devices."""
import numpy as np
import pytest
import torch

import torchkeras.metrics as M
from torchkeras.backend.variables import Variable


class CountPositives(M.Metric):
    """A Keras 3 style custom metric."""

    def __init__(self, name="count_positives", **kwargs):
        super().__init__(name=name, **kwargs)
        self.count = self.add_variable(shape=(), initializer="zeros", name="count")

    def update_state(self, y_true, y_pred, sample_weight=None):
        self.count.assign_add(torch.sum((torch.as_tensor(y_pred) > 0.5).float()))

    def result(self):
        return self.count.detach().clone()


class Keras2Style(M.Metric):
    """A Keras 2 style custom metric: `add_weight(name, ...)`, `reset_states()`."""

    def __init__(self, name="keras2_style", **kwargs):
        super().__init__(name=name, **kwargs)
        self.tp = self.add_weight("tp", initializer="zeros")
        self.seen = self.add_weight("seen", shape=(2,), initializer="ones")
        self.scale = self.add_weight((), "ones", "float32", "scale")  # Keras 3 positional order

    def update_state(self, y_true, y_pred, sample_weight=None):
        self.tp.assign_add(torch.sum(torch.as_tensor(y_true, dtype=torch.float32)))
        self.seen.assign_add(torch.ones(2))

    def result(self):
        return self.tp + self.seen.sum()


def test_custom_metric_state_and_reset(device):
    metric = CountPositives()
    assert metric.variables[0].device.type == device
    assert not metric.variables[0].requires_grad and not metric.variables[0].trainable
    assert metric.variables[0].path == "count_positives/count"
    assert metric([0, 1], [0.7, 0.9]).item() == 2.0
    metric.update_state([0], [0.2])
    assert metric.result().item() == 2.0
    metric.reset_state()
    assert metric.result().item() == 0.0


def test_keras2_add_weight_and_reset_states():
    metric = Keras2Style()
    assert [v.name for v in metric.variables] == ["tp", "seen", "scale"]
    assert metric.scale.item() == 1.0
    assert metric.seen.shape == (2,)
    metric.update_state([1.0, 1.0], None)
    assert metric.result().item() == 2.0 + 4.0
    metric.reset_states()
    assert metric.result().item() == 0.0
    with pytest.raises(TypeError, match="unexpected keyword arguments"):
        metric.add_weight("x", regularizer=None)


def test_sub_metrics_and_attribute_variables_are_tracked():
    class Composite(M.Metric):
        def __init__(self):
            super().__init__(name="composite")
            self.inner = M.Mean()
            self.extra = Variable(np.zeros(3, "float32"), trainable=False, name="extra")

        def update_state(self, values):
            self.inner.update_state(values)

        def result(self):
            return self.inner.result()

    metric = Composite()
    assert [v.name for v in metric.variables] == ["extra", "total", "count"]
    metric.update_state([1.0, 3.0])
    assert metric.result().item() == 2.0


def test_update_state_runs_without_autograd():
    metric = M.MeanSquaredError()
    pred = torch.tensor([[0.5, 1.0]], requires_grad=True)
    metric.update_state([[0.0, 1.0]], pred)
    assert not metric.total.requires_grad and metric.total.grad_fn is None
    assert not metric.result().requires_grad


def test_auto_names_are_unique_and_snake_case():
    assert M.AUC().name == "auc"
    assert M.AUC().name == "auc_1"
    assert M.TruePositives().name == "true_positives"
    assert M.Precision(name="p").name == "p"
    assert CountPositives().name == "count_positives"


def test_config_and_repr():
    metric = M.Mean(name="m", dtype="float64")
    assert metric.get_config() == {"name": "m", "dtype": "float64"}
    assert metric.dtype == "float64" and metric.total.dtype == torch.float64
    assert repr(metric) == "<Mean name=m>"
    assert M.Mean.from_config(metric.get_config()).name == "m"


def test_forgetting_super_init_is_reported():
    class Broken(M.Metric):
        def __init__(self):
            pass

    with pytest.raises(RuntimeError, match="forgot to call `super\\(\\).__init__\\(\\)`"):
        Broken().add_variable(shape=())


def test_base_class_methods_must_be_implemented():
    with pytest.raises(NotImplementedError):
        M.Metric().update_state(1)
    with pytest.raises(NotImplementedError):
        M.Metric().result()


def test_update_state_keeps_state_on_device(device):
    metric = M.BinaryAccuracy()
    y = torch.tensor([[1.0], [0.0], [1.0]], device=device)
    p = torch.tensor([[0.9], [0.2], [0.3]], device=device)
    metric.update_state(y, p)
    metric.update_state(y, p, sample_weight=torch.tensor([1.0, 1.0, 2.0], device=device))
    result = metric.result()
    assert result.device.type == device
    np.testing.assert_allclose(result.cpu().numpy(), (2 + 2) / (3 + 4), rtol=1e-6)
