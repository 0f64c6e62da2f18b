"""Correlation metrics: Pearson and concordance correlation, per sample along `axis`, averaged."""
import torch

from torchkeras.api_export import keras_export
from torchkeras.backend.config import epsilon
from torchkeras.losses.tensor_utils import prepare
from torchkeras.metrics.reduction_metrics import MeanMetricWrapper


@keras_export("keras.metrics.pearson_correlation")
def pearson_correlation(y_true, y_pred, axis=-1):
    """Pearson correlation coefficient between `y_true` and `y_pred` along `axis`."""
    y_true, y_pred = prepare(y_true, y_pred)
    y_true = y_true - torch.mean(y_true, dim=axis, keepdim=True)
    y_pred = y_pred - torch.mean(y_pred, dim=axis, keepdim=True)
    y_true = y_true / torch.std(y_true, dim=axis, keepdim=True, unbiased=False)
    y_pred = y_pred / torch.std(y_pred, dim=axis, keepdim=True, unbiased=False)
    return torch.mean(y_true * y_pred, dim=axis)


@keras_export("keras.metrics.concordance_correlation")
def concordance_correlation(y_true, y_pred, axis=-1):
    """Concordance correlation coefficient between `y_true` and `y_pred` along `axis`."""
    y_true, y_pred = prepare(y_true, y_pred)
    true_mean = torch.mean(y_true, dim=axis, keepdim=True)
    pred_mean = torch.mean(y_pred, dim=axis, keepdim=True)
    true_var = torch.var(y_true - true_mean, dim=axis, keepdim=True, correction=0)
    pred_var = torch.var(y_pred - pred_mean, dim=axis, keepdim=True, correction=0)
    covar = (y_true - pred_mean) * (y_pred - pred_mean)
    norm = true_var + pred_var + torch.square(true_mean - pred_mean)
    return torch.mean(2 * covar / (norm + epsilon()), dim=axis)


@keras_export("keras.metrics.PearsonCorrelation")
class PearsonCorrelation(MeanMetricWrapper):
    """Mean Pearson correlation coefficient (computed per sample along `axis`)."""

    _direction = "up"

    def __init__(self, name="pearson_correlation", dtype=None, axis=-1):
        super().__init__(fn=pearson_correlation, name=name, dtype=dtype, axis=axis)
        self.axis = axis

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, "axis": self.axis}


@keras_export("keras.metrics.ConcordanceCorrelation")
class ConcordanceCorrelation(MeanMetricWrapper):
    """Mean concordance correlation coefficient (computed per sample along `axis`)."""

    _direction = "up"

    def __init__(self, name="concordance_correlation", dtype=None, axis=-1):
        super().__init__(fn=concordance_correlation, name=name, dtype=dtype, axis=axis)
        self.axis = axis

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, "axis": self.axis}
