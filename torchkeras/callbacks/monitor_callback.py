"""`MonitorCallback`: the shared rules of callbacks that watch one logged quantity.

EarlyStopping, ModelCheckpoint and ReduceLROnPlateau decide "did it improve?" the same way: `mode` is
"min", "max" or "auto"; in auto mode a `loss` (with or without `val_`) is minimized, and any other name takes
the direction of the compiled metric of that name (`metric._direction`, "up" or "down"). Keras 2's rule fills
a gap: a name containing `acc` is maximized. The direction is settled at the first epoch end whose logs hold
the monitored value; until then each callback warns that the value is missing and training goes on.
"""
import warnings

from torchkeras.callbacks.callback import Callback


class MonitorCallback(Callback):
    """Base class of callbacks that monitor a quantity (`monitor`) and test it for improvement."""

    def __init__(self, monitor="val_loss", mode="auto", baseline=None, min_delta=0):
        super().__init__()
        if mode not in ("auto", "min", "max"):
            warnings.warn(f"{type(self).__name__} mode '{mode}' is unknown, fallback to auto mode.", stacklevel=3)
            mode = "auto"
        self.monitor = monitor
        self.mode = mode
        self.best = baseline
        self.min_delta = abs(min_delta)
        self.monitor_op = None

    def _set_monitor_op(self):
        """Resolve the comparison once the model's metrics exist (the first epoch end)."""
        if self.mode == "min":
            self.monitor_op = _less
        elif self.mode == "max":
            self.monitor_op = _greater
        else:
            self.monitor_op = self._auto_monitor_op()
        if self.monitor_op is _less:
            self.min_delta = -abs(self.min_delta)
        else:
            self.min_delta = abs(self.min_delta)

    def _auto_monitor_op(self):
        name = self.monitor[4:] if self.monitor.startswith("val_") else self.monitor
        op = _less if name == "loss" else None
        for metric in _compiled_metrics(self.model):
            if getattr(metric, "name", None) == name:
                if hasattr(metric, "_direction"):
                    op = _greater if metric._direction == "up" else _less
        if op is None and name.endswith("loss"):
            # A per-output loss such as `val_dense_1_loss` (Keras 2 minimized every name it did not know).
            op = _less
        if op is None and ("acc" in name or name.startswith("fmeasure")):
            op = _greater  # Keras 2: any accuracy (`acc`, `val_acc`, `dense_1_acc`, ...) is maximized
        if op is None:
            raise ValueError(
                f"{type(self).__name__} callback received monitor={self.monitor}, but Keras isn't able to "
                "automatically determine whether that metric should be maximized or minimized. Pass "
                "`mode='max'` in order to monitor based on the highest metric value, or pass `mode='min'` in "
                "order to use the lowest value."
            )
        return op

    def _is_improvement(self, monitor_value, reference_value):
        if reference_value is None:
            return True
        return self.monitor_op(monitor_value - self.min_delta, reference_value)


def _less(a, b):
    return a < b


def _greater(a, b):
    return a > b


def _compiled_metrics(model):
    """The compiled metrics of `model`, with the `CompileMetrics` container opened up."""
    out = []
    for metric in getattr(model, "metrics", None) or []:
        inner = getattr(metric, "metrics", None)
        if isinstance(inner, (list, tuple)) and not hasattr(metric, "_direction"):
            out.extend(inner)
        else:
            out.append(metric)
    return out


def learning_rate_value(optimizer):
    """The optimizer's current learning rate as a Python float (one host read, epoch-level only)."""
    import numpy as np
    import torch

    lr = optimizer.learning_rate
    if isinstance(lr, torch.Tensor):
        return float(lr.detach().to("cpu", torch.float32))
    return float(np.asarray(lr, dtype=np.float32))


def inner_optimizers(optimizer):
    """`[optimizer]`, or the optimizers inside a multi-optimizer (`optimizer.optimizers`)."""
    if optimizer is not None and hasattr(optimizer, "inner_optimizer"):
        optimizer = optimizer.inner_optimizer
    if optimizer is not None and isinstance(getattr(optimizer, "optimizers", None), (list, tuple)):
        return list(optimizer.optimizers), True
    return [optimizer], False
