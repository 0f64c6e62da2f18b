"""`TorchMetricWrapper`: a torchmetrics-style object (`update(preds, target)`, `compute()`, `reset()`) used as
a Keras metric, so that `compile(metrics=[torchmetrics.Accuracy(...)])` works.

The wrapped object keeps its own state; `update_state(y_true, y_pred)` calls `update(y_pred, y_true)` (torch's
order), `result()` is `compute()` and `reset_state()` is `reset()`. A metric that is a `torch.nn.Module` (as
torchmetrics metrics are) is moved to the device of the predictions on its first update. Under
`torch.distributed`, torchmetrics synchronises its own state across processes in `compute()`.
"""
import torch

from torchkeras.backend import naming
from torchkeras.metrics.metric import Metric

_PROTOCOL = ("update", "compute", "reset")


def is_torch_metric(obj):
    """True for objects with callable `update`, `compute` and `reset` that are not Keras metrics."""
    if isinstance(obj, (type, Metric)):
        return False
    return all(callable(getattr(obj, attr, None)) for attr in _PROTOCOL)


class TorchMetricWrapper(Metric):
    """Wrap a torchmetrics-style metric object as a Keras `Metric`.

    Args:
        metric: an object with `update(preds, target)`, `compute()` and `reset()`.
        name: the metric's name in the logs (default: the snake-cased class name).
    """

    def __init__(self, metric, name=None):
        if not is_torch_metric(metric):
            raise TypeError(
                "`TorchMetricWrapper` expects an object with `update(preds, target)`, `compute()` and `reset()` "
                f"methods (a torchmetrics metric). Received: {metric!r} (of type {type(metric).__name__})"
            )
        own_name = getattr(metric, "name", None)
        default = own_name if isinstance(own_name, str) else naming.to_snake_case(type(metric).__name__)
        super().__init__(name=name or default)
        self.metric = metric
        self._device = None

    def update_state(self, y_true, y_pred, sample_weight=None):
        if sample_weight is not None:
            raise ValueError(
                f"The torch metric '{self.name}' takes no sample weights: pass it in `metrics=[...]`, not in "
                "`weighted_metrics=[...]`."
            )
        if not isinstance(y_pred, torch.Tensor):
            y_pred = torch.as_tensor(y_pred)
        if not isinstance(y_true, torch.Tensor):
            y_true = torch.as_tensor(y_true)
        if y_true.device != y_pred.device:
            y_true = y_true.to(y_pred.device)
        if self._device != y_pred.device:
            if isinstance(self.metric, torch.nn.Module):
                self.metric.to(y_pred.device)
            self._device = y_pred.device
        self.metric.update(y_pred, y_true)

    def result(self):
        value = self.metric.compute()
        if isinstance(value, dict):
            return {f"{self.name}_{k}": _as_tensor(v) for k, v in value.items()}
        return _as_tensor(value)

    def reset_state(self):
        self.metric.reset()

    def get_config(self):
        return {"name": self.name, "metric_class": f"{type(self.metric).__module__}.{type(self.metric).__qualname__}"}

    @classmethod
    def from_config(cls, config):
        raise ValueError(
            "A torch metric object cannot be rebuilt from a Keras config: pass it again to `compile(metrics=...)`."
        )


def _as_tensor(value):
    return value if isinstance(value, torch.Tensor) else torch.as_tensor(value, dtype=torch.float32)
