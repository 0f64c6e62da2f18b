"""Overlap losses for segmentation: Dice and Tversky (functions and classes)."""
import torch

from torchkeras.api_export import keras_export
from torchkeras.backend.config import epsilon
from torchkeras.losses.loss import Loss
from torchkeras.losses.tensor_utils import prepare
from torchkeras.losses.wrapper import LossFunctionWrapper
from torchkeras.ops.symbolic_function import symbolic_function


def _sum(x, axis):
    if axis is None:
        return torch.sum(x)
    return torch.sum(x, dim=tuple(axis) if isinstance(axis, (list, tuple)) else axis)


@keras_export("keras.losses.dice")
@symbolic_function
def dice(y_true, y_pred, axis=None):
    """Dice loss: `1 - 2 * sum(y_true * y_pred) / (sum(y_true) + sum(y_pred))`, summed over `axis` (None: all)."""
    y_true, y_pred = prepare(y_true, y_pred, align=False)
    intersection = _sum(y_true * y_pred, axis)
    score = 2.0 * intersection / (_sum(y_true, axis) + _sum(y_pred, axis) + epsilon())
    return 1 - score


@keras_export("keras.losses.tversky")
@symbolic_function
def tversky(y_true, y_pred, alpha=0.5, beta=0.5, axis=None):
    """Tversky loss: `1 - TP / (TP + alpha * FP + beta * FN)`, summed over `axis` (None: all)."""
    y_true, y_pred = prepare(y_true, y_pred, align=False)
    intersection = _sum(y_true * y_pred, axis)
    fp = _sum((1 - y_pred) * y_true, axis)
    fn = _sum(y_pred * (1 - y_true), axis)
    score = intersection / (intersection + fp * alpha + fn * beta + epsilon())
    return 1 - score


@keras_export("keras.losses.Dice")
class Dice(LossFunctionWrapper):
    """Dice loss between labels and predictions (axis None: one value for the whole batch)."""

    def __init__(self, reduction="sum_over_batch_size", name="dice", axis=None, dtype=None):
        super().__init__(dice, name=name, reduction=reduction, dtype=dtype, axis=axis)
        self.axis = axis

    def get_config(self):
        config = Loss.get_config(self)
        config["axis"] = self.axis
        return config


@keras_export("keras.losses.Tversky")
class Tversky(LossFunctionWrapper):
    """Tversky loss: weighs false positives by `alpha` and false negatives by `beta` (0.5/0.5 is Dice)."""

    def __init__(self, alpha=0.5, beta=0.5, reduction="sum_over_batch_size", name="tversky", axis=None, dtype=None):
        super().__init__(tversky, name=name, reduction=reduction, dtype=dtype, alpha=alpha, beta=beta, axis=axis)
        self.alpha = alpha
        self.beta = beta
        self.axis = axis

    def get_config(self):
        config = Loss.get_config(self)
        config.update(alpha=self.alpha, beta=self.beta, axis=self.axis)
        return config
