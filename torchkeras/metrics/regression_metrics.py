"""Regression metrics: mean squared / absolute / percentage / log errors, RMSE, cosine similarity, log-cosh."""
import torch

from torchkeras.api_export import keras_export
from torchkeras.losses.regression import log_cosh
from torchkeras.losses.regression import mean_absolute_error
from torchkeras.losses.regression import mean_absolute_percentage_error
from torchkeras.losses.regression import mean_squared_error
from torchkeras.losses.regression import mean_squared_logarithmic_error
from torchkeras.losses.tensor_utils import convert
from torchkeras.losses.tensor_utils import l2_normalize
from torchkeras.losses.tensor_utils import prepare
from torchkeras.losses.tensor_utils import squeeze_or_expand_to_same_rank
from torchkeras.metrics.reduction_metrics import Mean
from torchkeras.metrics.reduction_metrics import MeanMetricWrapper


@keras_export("keras.metrics.cosine_similarity")
def cosine_similarity(y_true, y_pred, axis=-1):
    """Cosine similarity per sample along `axis` (1 means same direction)."""
    y_true, y_pred = prepare(y_true, y_pred)
    return torch.sum(l2_normalize(y_true, axis) * l2_normalize(y_pred, axis), dim=axis)


class _NameDtypeConfig:
    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}


@keras_export("keras.metrics.MeanSquaredError")
class MeanSquaredError(_NameDtypeConfig, MeanMetricWrapper):
    """Mean of the squared errors between `y_true` and `y_pred`."""

    _direction = "down"

    def __init__(self, name="mean_squared_error", dtype=None):
        super().__init__(fn=mean_squared_error, name=name, dtype=dtype)


@keras_export("keras.metrics.MeanAbsoluteError")
class MeanAbsoluteError(_NameDtypeConfig, MeanMetricWrapper):
    """Mean of the absolute errors between `y_true` and `y_pred`."""

    _direction = "down"

    def __init__(self, name="mean_absolute_error", dtype=None):
        super().__init__(mean_absolute_error, name, dtype=dtype)


@keras_export("keras.metrics.MeanAbsolutePercentageError")
class MeanAbsolutePercentageError(_NameDtypeConfig, MeanMetricWrapper):
    """Mean absolute percentage error: `100 * mean(abs((y_true - y_pred) / y_true))`."""

    _direction = "down"

    def __init__(self, name="mean_absolute_percentage_error", dtype=None):
        super().__init__(mean_absolute_percentage_error, name, dtype=dtype)


@keras_export("keras.metrics.MeanSquaredLogarithmicError")
class MeanSquaredLogarithmicError(_NameDtypeConfig, MeanMetricWrapper):
    """Mean squared logarithmic error: `mean(square(log(y_true + 1) - log(y_pred + 1)))`."""

    _direction = "down"

    def __init__(self, name="mean_squared_logarithmic_error", dtype=None):
        super().__init__(mean_squared_logarithmic_error, name, dtype=dtype)


@keras_export("keras.metrics.RootMeanSquaredError")
class RootMeanSquaredError(_NameDtypeConfig, Mean):
    """Square root of the mean squared error."""

    _direction = "down"

    def __init__(self, name="root_mean_squared_error", dtype=None):
        super().__init__(name, dtype=dtype)

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true = convert(y_true, self.dtype, self.total.device)
        y_pred = convert(y_pred, self.dtype, self.total.device)
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        return super().update_state(torch.square(y_pred - y_true), sample_weight=sample_weight)

    def result(self):
        return torch.sqrt(super().result())


@keras_export("keras.metrics.CosineSimilarity")
class CosineSimilarity(_NameDtypeConfig, MeanMetricWrapper):
    """Mean cosine similarity between labels and predictions along `axis` (1 is best)."""

    _direction = "up"

    def __init__(self, name="cosine_similarity", dtype=None, axis=-1):
        super().__init__(cosine_similarity, name, dtype=dtype, axis=axis)
        self.axis = axis

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, "axis": self.axis}


@keras_export("keras.metrics.LogCoshError")
class LogCoshError(_NameDtypeConfig, MeanMetricWrapper):
    """Mean of the logarithm of the hyperbolic cosine of the prediction error (default name `logcosh`)."""

    _direction = "down"

    def __init__(self, name="logcosh", dtype=None):
        super().__init__(log_cosh, name, dtype=dtype)
