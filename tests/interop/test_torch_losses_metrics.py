"""Torch loss modules, plain callables and torchmetrics-style objects in `compile`."""
import numpy as np
import pytest
import torch

import torchkeras as keras
from . import helpers
from torchkeras.losses.torch_loss import TorchLossWrapper
from torchkeras.losses.torch_loss import is_torch_loss
from torchkeras.metrics.torch_metric import TorchMetricWrapper
from torchkeras.metrics.torch_metric import is_torch_metric

LOSSES_HOOKED = helpers.losses_get_handles_torch_losses()
METRICS_HOOKED = helpers.metrics_get_handles_torch_metrics()


class TopOneAccuracy:
    """A hand-written torchmetrics-style metric: `update(preds, target)`, `compute()`, `reset()`."""

    def __init__(self):
        self.reset()

    def update(self, preds, target):
        self.correct += (preds.argmax(-1) == target).sum()
        self.total += target.numel()

    def compute(self):
        return self.correct.float() / self.total

    def reset(self):
        self.correct = torch.tensor(0)
        self.total = 0


class MeanAbsolute(torch.nn.Module):
    """A torchmetrics-like metric that is a module with tensor state (moved to the data's device)."""

    def __init__(self):
        super().__init__()
        self.register_buffer("total", torch.zeros(()))
        self.register_buffer("count", torch.zeros(()))

    def update(self, preds, target):
        self.total += (preds - target).abs().sum()
        self.count += target.numel()

    def compute(self):
        return {"value": self.total / self.count, "count": self.count}

    def reset(self):
        self.total.zero_()
        self.count.zero_()


def test_cross_entropy_takes_class_indices_in_any_keras_shape():
    loss = TorchLossWrapper(torch.nn.CrossEntropyLoss())
    logits = torch.randn(6, 4)
    labels = torch.tensor([0, 3, 1, 2, 2, 1])
    expected = torch.nn.functional.cross_entropy(logits, labels)
    torch.testing.assert_close(loss(labels.int(), logits), expected)
    torch.testing.assert_close(loss(labels.reshape(6, 1).numpy(), logits), expected)
    probabilities = torch.softmax(torch.randn(6, 4), -1)
    torch.testing.assert_close(loss(probabilities, logits), torch.nn.functional.cross_entropy(logits, probabilities))
    assert loss.name == "cross_entropy_loss" and loss.reduction == "sum_over_batch_size"


def test_regression_and_binary_losses_align_ranks_and_dtypes():
    preds = torch.randn(5, 1)
    target = torch.randn(5)
    torch.testing.assert_close(TorchLossWrapper(torch.nn.MSELoss())(target, preds),
                               torch.nn.functional.mse_loss(preds, target[:, None]))
    labels = torch.tensor([1, 0, 1, 1, 0])
    torch.testing.assert_close(TorchLossWrapper(torch.nn.BCEWithLogitsLoss())(labels, preds),
                               torch.nn.functional.binary_cross_entropy_with_logits(preds, labels[:, None].float()))


def test_sample_weights_use_keras_weighting():
    loss = TorchLossWrapper(torch.nn.CrossEntropyLoss())
    logits, labels = torch.randn(4, 3), torch.tensor([0, 1, 2, 1])
    weights = torch.tensor([1.0, 0.0, 2.0, 0.5])
    per_sample = torch.nn.functional.cross_entropy(logits, labels, reduction="none")
    torch.testing.assert_close(loss(labels, logits, sample_weight=weights), (per_sample * weights).sum() / 4)
    assert loss.loss.reduction == "mean"  # restored
    torch.testing.assert_close(loss.call(labels, logits), per_sample)


def test_wrapper_rejects_non_losses_and_detection():
    assert is_torch_loss(torch.nn.L1Loss()) and not is_torch_loss(keras.losses.MeanSquaredError())
    with pytest.raises(TypeError, match="torch loss module"):
        TorchLossWrapper(lambda a, b: a)


def test_fit_with_a_wrapped_torch_loss_equals_keras_from_logits():
    x, y = helpers.classification_data()
    model = helpers.functional_mlp()
    twin = helpers.functional_mlp()
    twin.set_weights(model.get_weights())
    model.compile("sgd", loss=TorchLossWrapper(torch.nn.CrossEntropyLoss()))
    twin.compile("sgd", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    h1 = model.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    h2 = twin.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    np.testing.assert_allclose(h1.history["loss"], h2.history["loss"], rtol=1e-5)
    for a, b in zip(model.get_weights(), twin.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


@pytest.mark.skipif(not LOSSES_HOOKED, reason="keras.losses.get does not handle torch losses yet (see report)")
def test_compile_accepts_a_torch_loss_module():
    x, y = helpers.classification_data()
    model = helpers.functional_mlp()
    twin = helpers.functional_mlp()
    twin.set_weights(model.get_weights())
    model.compile("sgd", loss=torch.nn.CrossEntropyLoss())
    twin.compile("sgd", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    h1 = model.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    h2 = twin.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    np.testing.assert_allclose(h1.history["loss"], h2.history["loss"], rtol=1e-5)
    assert isinstance(keras.losses.get(torch.nn.MSELoss()), TorchLossWrapper)


def test_compile_accepts_any_callable_y_true_y_pred():
    x, y = helpers.regression_data()
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    model.compile("sgd", loss=lambda y_true, y_pred: ((y_true - y_pred) ** 2).mean())
    twin = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    twin.set_weights(model.get_weights())
    twin.compile("sgd", loss="mse")
    h1 = model.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    h2 = twin.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    np.testing.assert_allclose(h1.history["loss"], h2.history["loss"], rtol=1e-5)


def test_torch_metric_wrapper_updates_computes_and_resets():
    metric = TorchMetricWrapper(TopOneAccuracy())
    assert metric.name == "top_one_accuracy"
    metric.update_state(np.array([0, 1]), torch.tensor([[0.9, 0.1], [0.8, 0.2]]))
    assert float(metric.result()) == 0.5
    metric.reset_state()
    metric.update_state(torch.tensor([1]), torch.tensor([[0.1, 0.9]]))
    assert float(metric.result()) == 1.0
    with pytest.raises(ValueError, match="takes no sample weights"):
        metric.update_state(torch.tensor([1]), torch.tensor([[0.1, 0.9]]), sample_weight=torch.ones(1))
    assert is_torch_metric(TopOneAccuracy()) and not is_torch_metric(keras.metrics.Mean())


def test_torch_metric_modules_follow_the_data_and_dict_results():
    metric = TorchMetricWrapper(MeanAbsolute(), name="mae_t")
    metric.update_state(torch.tensor([1.0, 2.0]), torch.tensor([2.0, 2.0]))
    result = metric.result()
    assert set(result) == {"mae_t_value", "mae_t_count"} and float(result["mae_t_value"]) == 0.5


def test_fit_logs_a_wrapped_torch_metric():
    x, y = helpers.classification_data()
    model = helpers.functional_mlp()
    model.compile("sgd", keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=[TorchMetricWrapper(TopOneAccuracy(), name="torch_acc"), "accuracy"])
    history = model.fit(x, y, batch_size=8, epochs=2, verbose=0)
    np.testing.assert_allclose(history.history["torch_acc"], history.history["accuracy"], rtol=1e-6)
    logs = model.evaluate(x, y, verbose=0, return_dict=True)
    assert logs["torch_acc"] == pytest.approx(logs["accuracy"])


@pytest.mark.skipif(not METRICS_HOOKED, reason="keras.metrics.get does not handle torch metrics yet (see report)")
def test_compile_accepts_a_torchmetrics_style_object():
    x, y = helpers.classification_data()
    model = helpers.functional_mlp()
    model.compile("sgd", keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=[TopOneAccuracy(), "accuracy"])
    history = model.fit(x, y, batch_size=8, epochs=2, verbose=0)
    assert sorted(history.history) == ["accuracy", "loss", "top_one_accuracy"]
    np.testing.assert_allclose(history.history["top_one_accuracy"], history.history["accuracy"], rtol=1e-6)
