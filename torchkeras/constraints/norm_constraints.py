"""Constraints on weights and on their norms: NonNeg, MaxNorm, MinMaxNorm, UnitNorm.

Norms are L2 norms over `axis` (default 0: for a Dense kernel `(in, out)`, the incoming weights of each unit;
for a Conv2D kernel `(h, w, in, out)` use `axis=[0, 1, 2]`). Dividing by `epsilon() + norm` avoids 0/0.
"""
import torch

from torchkeras.api_export import keras_export
from torchkeras.backend.config import epsilon
from torchkeras.constraints.constraint import Constraint


def _as_tensor(w):
    if isinstance(w, torch.Tensor):
        return w
    from torchkeras.activations.dispatch import to_tensor

    return to_tensor(w)


def _norms(w, axis):
    dims = tuple(axis) if isinstance(axis, (list, tuple)) else axis
    return torch.sqrt(torch.sum(torch.square(w), dim=dims, keepdim=True))


def _float(w):
    # Keras casts the weight to the dtype of its norms: integer weights become floatx.
    if w.is_floating_point():
        return w
    from torchkeras.backend import dtypes

    return w.to(dtypes.to_torch_dtype(None))


@keras_export("keras.constraints.NonNeg", "keras.constraints.non_neg", "keras.constraints.nonneg")
class NonNeg(Constraint):
    """Keeps weights non-negative: `max(w, 0)`."""

    def __call__(self, w):
        w = _as_tensor(w)
        return torch.clamp(w, min=0)


@keras_export("keras.constraints.MaxNorm", "keras.constraints.max_norm", "keras.constraints.maxnorm")
class MaxNorm(Constraint):
    """Rescales weight vectors whose norm exceeds `max_value` (default 2) down to that norm."""

    def __init__(self, max_value=2, axis=0):
        self.max_value = max_value
        self.axis = axis

    def __call__(self, w):
        w = _float(_as_tensor(w))
        norms = _norms(w, self.axis)
        desired = torch.clamp(norms, 0, self.max_value)
        return w * (desired / (epsilon() + norms))

    def get_config(self):
        return {"max_value": self.max_value, "axis": self.axis}


@keras_export("keras.constraints.UnitNorm", "keras.constraints.unit_norm", "keras.constraints.unitnorm")
class UnitNorm(Constraint):
    """Rescales weight vectors to unit norm: `w / (epsilon() + ||w||)`."""

    def __init__(self, axis=0):
        self.axis = axis

    def __call__(self, w):
        w = _float(_as_tensor(w))
        return w / (epsilon() + _norms(w, self.axis))

    def get_config(self):
        return {"axis": self.axis}


@keras_export("keras.constraints.MinMaxNorm", "keras.constraints.min_max_norm")
class MinMaxNorm(Constraint):
    """Moves weight-vector norms into `[min_value, max_value]` (defaults 0 and 1), at `rate` (default 1):
    the new norm is `rate * clip(norm, min_value, max_value) + (1 - rate) * norm`."""

    def __init__(self, min_value=0.0, max_value=1.0, rate=1.0, axis=0):
        self.min_value = min_value
        self.max_value = max_value
        self.rate = rate
        self.axis = axis

    def __call__(self, w):
        w = _float(_as_tensor(w))
        norms = _norms(w, self.axis)
        desired = self.rate * torch.clamp(norms, self.min_value, self.max_value) + (1 - self.rate) * norms
        return w * (desired / (epsilon() + norms))

    def get_config(self):
        return {"min_value": self.min_value, "max_value": self.max_value, "rate": self.rate, "axis": self.axis}
