"""Regression losses: MSE, MAE, MAPE, MSLE, cosine similarity, Huber, log-cosh (functions and classes).

Each function returns one value per sample: the reduction runs over the last axis only.
"""
import math

import torch
import torch.nn.functional as F

from torchkeras.api_export import keras_export
from torchkeras.backend.config import epsilon
from torchkeras.losses.loss import Loss
from torchkeras.losses.tensor_utils import l2_normalize
from torchkeras.losses.tensor_utils import prepare
from torchkeras.losses.wrapper import LossFunctionWrapper
from torchkeras.ops.symbolic_function import symbolic_function


@keras_export("keras.losses.mean_squared_error", "keras.metrics.mean_squared_error", "keras.losses.mse",
              "keras.losses.MSE", "keras.metrics.mse", "keras.metrics.MSE")
@symbolic_function
def mean_squared_error(y_true, y_pred):
    """Mean squared error per sample: `mean(square(y_true - y_pred), axis=-1)`."""
    y_true, y_pred = prepare(y_true, y_pred)
    return torch.mean(torch.square(y_true - y_pred), dim=-1)


@keras_export("keras.losses.mean_absolute_error", "keras.metrics.mean_absolute_error", "keras.losses.mae",
              "keras.losses.MAE", "keras.metrics.mae", "keras.metrics.MAE")
@symbolic_function
def mean_absolute_error(y_true, y_pred):
    """Mean absolute error per sample: `mean(abs(y_true - y_pred), axis=-1)`."""
    y_true, y_pred = prepare(y_true, y_pred)
    return torch.mean(torch.abs(y_true - y_pred), dim=-1)


@keras_export("keras.losses.mean_absolute_percentage_error", "keras.metrics.mean_absolute_percentage_error",
              "keras.losses.mape", "keras.losses.MAPE", "keras.metrics.mape", "keras.metrics.MAPE")
@symbolic_function
def mean_absolute_percentage_error(y_true, y_pred):
    """`100 * mean(abs((y_true - y_pred) / max(abs(y_true), epsilon)), axis=-1)`."""
    y_true, y_pred = prepare(y_true, y_pred)
    diff = torch.abs((y_true - y_pred) / torch.clamp(torch.abs(y_true), min=epsilon()))
    return 100.0 * torch.mean(diff, dim=-1)


@keras_export("keras.losses.mean_squared_logarithmic_error", "keras.metrics.mean_squared_logarithmic_error",
              "keras.losses.msle", "keras.losses.MSLE", "keras.metrics.msle", "keras.metrics.MSLE")
@symbolic_function
def mean_squared_logarithmic_error(y_true, y_pred):
    """`mean(square(log(max(y_pred, eps) + 1) - log(max(y_true, eps) + 1)), axis=-1)`."""
    y_true, y_pred = prepare(y_true, y_pred)
    first_log = torch.log(torch.clamp(y_pred, min=epsilon()) + 1.0)
    second_log = torch.log(torch.clamp(y_true, min=epsilon()) + 1.0)
    return torch.mean(torch.square(first_log - second_log), dim=-1)


@keras_export("keras.losses.cosine_similarity", "keras.losses.cosine_proximity")
@symbolic_function
def cosine_similarity(y_true, y_pred, axis=-1):
    """Negative cosine similarity: `-sum(l2_normalize(y_true) * l2_normalize(y_pred), axis)` (-1 is best)."""
    y_true, y_pred = prepare(y_true, y_pred)
    return -torch.sum(l2_normalize(y_true, axis) * l2_normalize(y_pred, axis), dim=axis)


@keras_export("keras.losses.huber", "keras.metrics.huber", "keras.losses.huber_loss")
@symbolic_function
def huber(y_true, y_pred, delta=1.0):
    """Huber loss per sample: `0.5 * e**2` where `|e| <= delta`, else `delta * |e| - 0.5 * delta**2`; mean."""
    y_true, y_pred = prepare(y_true, y_pred)
    delta = float(delta)
    error = y_pred - y_true
    abs_error = torch.abs(error)
    quadratic = 0.5 * torch.square(error)
    linear = delta * abs_error - 0.5 * delta * delta
    return torch.mean(torch.where(abs_error <= delta, quadratic, linear), dim=-1)


@keras_export("keras.losses.log_cosh", "keras.metrics.log_cosh", "keras.losses.logcosh", "keras.metrics.logcosh")
@symbolic_function
def log_cosh(y_true, y_pred):
    """Logarithm of the hyperbolic cosine of the error, computed stably: `mean(x + softplus(-2x) - log 2)`."""
    y_true, y_pred = prepare(y_true, y_pred)
    x = y_pred - y_true
    return torch.mean(x + F.softplus(x * -2.0) - math.log(2.0), dim=-1)


@keras_export("keras.losses.MeanSquaredError")
class MeanSquaredError(LossFunctionWrapper):
    """Mean of squares of errors between labels and predictions."""

    def __init__(self, reduction="sum_over_batch_size", name="mean_squared_error", dtype=None):
        super().__init__(mean_squared_error, name=name, reduction=reduction, dtype=dtype)

    def get_config(self):
        return Loss.get_config(self)


@keras_export("keras.losses.MeanAbsoluteError")
class MeanAbsoluteError(LossFunctionWrapper):
    """Mean of absolute differences between labels and predictions."""

    def __init__(self, reduction="sum_over_batch_size", name="mean_absolute_error", dtype=None):
        super().__init__(mean_absolute_error, name=name, reduction=reduction, dtype=dtype)

    def get_config(self):
        return Loss.get_config(self)


@keras_export("keras.losses.MeanAbsolutePercentageError")
class MeanAbsolutePercentageError(LossFunctionWrapper):
    """Mean absolute percentage error: `100 * mean(abs((y_true - y_pred) / y_true))`."""

    def __init__(self, reduction="sum_over_batch_size", name="mean_absolute_percentage_error", dtype=None):
        super().__init__(mean_absolute_percentage_error, name=name, reduction=reduction, dtype=dtype)

    def get_config(self):
        return Loss.get_config(self)


@keras_export("keras.losses.MeanSquaredLogarithmicError")
class MeanSquaredLogarithmicError(LossFunctionWrapper):
    """Mean squared logarithmic error: `mean(square(log(y_true + 1) - log(y_pred + 1)))`."""

    def __init__(self, reduction="sum_over_batch_size", name="mean_squared_logarithmic_error", dtype=None):
        super().__init__(mean_squared_logarithmic_error, name=name, reduction=reduction, dtype=dtype)

    def get_config(self):
        return Loss.get_config(self)


@keras_export("keras.losses.CosineSimilarity")
class CosineSimilarity(LossFunctionWrapper):
    """Negative cosine similarity between labels and predictions, along `axis` (-1 is best, 1 is worst)."""

    def __init__(self, axis=-1, reduction="sum_over_batch_size", name="cosine_similarity", dtype=None):
        super().__init__(cosine_similarity, name=name, reduction=reduction, dtype=dtype, axis=axis)
        self.axis = axis

    def get_config(self):
        config = Loss.get_config(self)
        config["axis"] = self.axis
        return config


@keras_export("keras.losses.Huber")
class Huber(LossFunctionWrapper):
    """Huber loss: quadratic for errors up to `delta`, linear beyond."""

    def __init__(self, delta=1.0, reduction="sum_over_batch_size", name="huber_loss", dtype=None):
        super().__init__(huber, name=name, reduction=reduction, dtype=dtype, delta=delta)
        self.delta = delta

    def get_config(self):
        config = Loss.get_config(self)
        config["delta"] = self.delta
        return config


@keras_export("keras.losses.LogCosh")
class LogCosh(LossFunctionWrapper):
    """Logarithm of the hyperbolic cosine of the prediction error."""

    def __init__(self, reduction="sum_over_batch_size", name="log_cosh", dtype=None):
        super().__init__(log_cosh, name=name, reduction=reduction, dtype=dtype)

    def get_config(self):
        return Loss.get_config(self)
