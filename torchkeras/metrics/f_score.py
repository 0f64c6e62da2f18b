"""`FBetaScore` and `F1Score`: the F-beta score (harmonic mean of precision and recall), per class or averaged."""
import torch

from torchkeras.api_export import keras_export
from torchkeras.backend.config import epsilon
from torchkeras.losses.tensor_utils import convert
from torchkeras.metrics.metric import Metric


@keras_export("keras.metrics.FBetaScore")
class FBetaScore(Metric):
    """F-beta score: `(1 + beta**2) * precision * recall / (beta**2 * precision + recall)`.

    Args:
        average: None (one score per class), `"micro"` (global counts), `"macro"` (mean of the class scores) or
            `"weighted"` (class scores weighted by their support).
        beta: Weight of recall (a float > 0).
        threshold: Predictions above it are positive (a float in (0, 1]); None: the row's maximum is positive.
    Inputs are 2-D: `(batch_size, num_classes)`.
    """

    _direction = "up"

    def __init__(self, average=None, beta=1.0, threshold=None, name="fbeta_score", dtype=None):
        super().__init__(name=name, dtype=dtype)
        if average not in (None, "micro", "macro", "weighted"):
            raise ValueError(
                "Invalid `average` argument value. Expected one of: {None, 'micro', 'macro', 'weighted'}. "
                f"Received: average={average}"
            )
        if not isinstance(beta, float):
            raise ValueError(
                f"Invalid `beta` argument value. It should be a Python float. Received: beta={beta} of type "
                f"'{type(beta)}'"
            )
        if beta <= 0.0:
            raise ValueError(f"Invalid `beta` argument value. It should be > 0. Received: beta={beta}")
        if threshold is not None:
            if not isinstance(threshold, float):
                raise ValueError(
                    "Invalid `threshold` argument value. It should be a Python float. "
                    f"Received: threshold={threshold} of type '{type(threshold)}'"
                )
            if threshold > 1.0 or threshold <= 0.0:
                raise ValueError(
                    "Invalid `threshold` argument value. It should verify 0 < threshold <= 1. "
                    f"Received: threshold={threshold}"
                )
        self.average = average
        self.beta = beta
        self.threshold = threshold
        self.axis = None if average == "micro" else 0
        self._built = False

    def _build(self, y_true_shape, y_pred_shape):
        if len(y_pred_shape) != 2 or len(y_true_shape) != 2:
            raise ValueError(
                "FBetaScore expects 2D inputs with shape (batch_size, output_dim). Received input shapes: "
                f"y_pred.shape={tuple(y_pred_shape)} and y_true.shape={tuple(y_true_shape)}."
            )
        shape = () if self.average == "micro" else (y_pred_shape[-1],)
        self.true_positives = self.add_variable(shape=shape, initializer="zeros", dtype=self.dtype,
                                                name="true_positives")
        self.false_positives = self.add_variable(shape=shape, initializer="zeros", dtype=self.dtype,
                                                 name="false_positives")
        self.false_negatives = self.add_variable(shape=shape, initializer="zeros", dtype=self.dtype,
                                                 name="false_negatives")
        self.intermediate_weights = self.add_variable(shape=shape, initializer="zeros", dtype=self.dtype,
                                                      name="intermediate_weights")
        self._built = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true = convert(y_true, self.dtype)
        y_pred = convert(y_pred, self.dtype)
        if not self._built:
            self._build(y_true.shape, y_pred.shape)
        device = self.true_positives.device
        y_true, y_pred = y_true.to(device), y_pred.to(device)
        if self.threshold is None:
            row_max = torch.amax(y_pred, dim=-1, keepdim=True)
            y_pred = (y_pred >= row_max) & (torch.abs(y_pred) > 1e-9)
        else:
            y_pred = y_pred > self.threshold
        y_pred = y_pred.to(y_true.dtype)
        weight = None if sample_weight is None else convert(sample_weight, self.dtype, device).unsqueeze(1)

        def weighted_sum(value):
            if weight is not None:
                value = value * weight
            return torch.sum(value) if self.axis is None else torch.sum(value, dim=self.axis)

        self.true_positives.add_(weighted_sum(y_pred * y_true))
        self.false_positives.add_(weighted_sum(y_pred * (1 - y_true)))
        self.false_negatives.add_(weighted_sum((1 - y_pred) * y_true))
        self.intermediate_weights.add_(weighted_sum(y_true))

    def result(self):
        if not self._built:
            return torch.zeros(())
        eps = epsilon()
        tp = self.true_positives
        precision = tp / (tp + self.false_positives + eps)
        recall = tp / (tp + self.false_negatives + eps)
        beta2 = self.beta**2
        score = precision * recall / (beta2 * precision + recall + eps) * (1 + beta2)
        if self.average == "weighted":
            weights = self.intermediate_weights / (torch.sum(self.intermediate_weights) + eps)
            score = torch.sum(score * weights)
        elif self.average is not None:
            score = torch.mean(score)
        return score

    def get_config(self):
        config = super().get_config()
        config.update(average=self.average, beta=self.beta, threshold=self.threshold)
        return config


@keras_export("keras.metrics.F1Score")
class F1Score(FBetaScore):
    """F1 score: the harmonic mean of precision and recall (`FBetaScore` with `beta=1`)."""

    def __init__(self, average=None, threshold=None, name="f1_score", dtype=None):
        super().__init__(average=average, beta=1.0, threshold=threshold, name=name, dtype=dtype)

    def get_config(self):
        config = super().get_config()
        del config["beta"]
        return config
