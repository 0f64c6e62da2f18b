"""`R2Score`: the coefficient of determination, optionally adjusted for the number of regressors."""
import warnings

import torch

from torchkeras.api_export import keras_export
from torchkeras.losses.tensor_utils import convert
from torchkeras.losses.tensor_utils import squeeze_or_expand_to_same_rank
from torchkeras.metrics.metric import Metric

_AGGREGATIONS = (None, "uniform_average", "variance_weighted_average")


@keras_export("keras.metrics.R2Score")
class R2Score(Metric):
    """R² (coefficient of determination) over all samples seen, per output then aggregated.

    Args:
        class_aggregation: `"uniform_average"` (default), `"variance_weighted_average"`, or None (one score per
            output).
        num_regressors: Number of independent regressors, for the adjusted R² (0: plain R²).
    Inputs are 2-D: `(batch_size, num_outputs)`.
    """

    _direction = "up"

    def __init__(self, class_aggregation="uniform_average", num_regressors=0, name="r2_score", dtype=None):
        super().__init__(name=name, dtype=dtype)
        if class_aggregation not in _AGGREGATIONS:
            raise ValueError(
                f"Invalid value for argument `class_aggregation`. Expected one of {_AGGREGATIONS}. "
                f"Received: class_aggregation={class_aggregation}"
            )
        if num_regressors < 0:
            raise ValueError(
                "Invalid value for argument `num_regressors`. Expected a value >= 0. "
                f"Received: num_regressors={num_regressors}"
            )
        self.class_aggregation = class_aggregation
        self.num_regressors = num_regressors
        self.num_samples = self.add_variable(shape=(), initializer="zeros", name="num_samples")
        self._built = False

    def _build(self, y_true_shape, y_pred_shape):
        if len(y_pred_shape) != 2 or len(y_true_shape) != 2:
            raise ValueError(
                "R2Score expects 2D inputs with shape (batch_size, output_dim). Received input shapes: "
                f"y_pred.shape={tuple(y_pred_shape)} and y_true.shape={tuple(y_true_shape)}."
            )
        num_classes = y_pred_shape[-1]
        self.squared_sum = self.add_variable(shape=(num_classes,), initializer="zeros", name="squared_sum")
        self.sum = self.add_variable(shape=(num_classes,), initializer="zeros", name="sum")
        self.total_mse = self.add_variable(shape=(num_classes,), initializer="zeros", name="residual")
        self.count = self.add_variable(shape=(num_classes,), initializer="zeros", name="count")
        self._built = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        device = self.num_samples.device
        y_true = convert(y_true, self.dtype, device)
        y_pred = convert(y_pred, self.dtype, device)
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        if not self._built:
            self._build(y_true.shape, y_pred.shape)
        if sample_weight is None:
            weight = torch.ones((), dtype=y_true.dtype, device=device).expand(y_true.shape)
        else:
            weight = convert(sample_weight, self.dtype, device)
            if weight.dim() == 1:
                weight = weight.unsqueeze(1)
            weight = weight.expand(y_true.shape)
        weighted_y_true = y_true * weight
        self.sum.add_(torch.sum(weighted_y_true, dim=0))
        self.squared_sum.add_(torch.sum(y_true * weighted_y_true, dim=0))
        self.total_mse.add_(torch.sum(torch.square(y_true - y_pred) * weight, dim=0))
        self.count.add_(torch.sum(weight, dim=0))
        self.num_samples.add_(y_true.numel())

    def result(self):
        if not self._built:
            return torch.zeros((), device=self.num_samples.device)
        mean = self.sum / self.count
        total = self.squared_sum - self.sum * mean
        raw_scores = 1 - self.total_mse / total
        raw_scores = torch.where(torch.isinf(raw_scores), 0.0, raw_scores)
        if self.class_aggregation == "uniform_average":
            r2_score = torch.mean(raw_scores)
        elif self.class_aggregation == "variance_weighted_average":
            r2_score = torch.sum(total * raw_scores) / torch.sum(total)
        else:
            r2_score = raw_scores
        if self.num_regressors != 0:
            num_samples = float(self.num_samples)
            if self.num_regressors > num_samples - 1:
                warnings.warn("More independent predictors than datapoints in adjusted R2 score. Falling back to "
                              "standard R2 score.", stacklevel=2)
            elif self.num_regressors == num_samples - 1:
                warnings.warn("Division by zero in Adjusted R2 score. Falling back to standard R2 score.",
                              stacklevel=2)
            else:
                n, p = num_samples, float(self.num_regressors)
                r2_score = 1.0 - (1.0 - r2_score) * (n - 1.0) / (n - p - 1.0)
        return r2_score

    def get_config(self):
        config = super().get_config()
        config.update(class_aggregation=self.class_aggregation, num_regressors=self.num_regressors)
        return config
