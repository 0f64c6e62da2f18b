"""Metrics read off a curve at a constraint: sensitivity at specificity, precision at recall, and the reverse.

Each keeps true/false positives/negatives at `num_thresholds` evenly spaced thresholds and returns the best
value of one quantity among the thresholds where the other meets the constraint.
"""
import torch

from torchkeras.api_export import keras_export
from torchkeras.losses.tensor_utils import divide_no_nan
from torchkeras.metrics.confusion import ThresholdsMixin
from torchkeras.metrics.metric import Metric


class SensitivitySpecificityBase(ThresholdsMixin, Metric):
    """Abstract base: the confusion counts over evenly spaced thresholds, and the constrained maximum."""

    _direction = "up"

    def __init__(self, value, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        if num_thresholds <= 0:
            raise ValueError(
                f"Argument `num_thresholds` must be an integer > 0. Received: num_thresholds={num_thresholds}"
            )
        self.value = value
        self.class_id = class_id
        if num_thresholds == 1:
            self._init_thresholds([0.5], default_threshold=0.5)
            self._thresholds_distributed_evenly = False
        else:
            inner = [(i + 1) * 1.0 / (num_thresholds - 1) for i in range(num_thresholds - 2)]
            self._init_thresholds([0.0] + inner + [1.0], default_threshold=0.5)
            self._thresholds_distributed_evenly = True
        n = len(self.thresholds)
        self.true_positives = self.add_variable(shape=(n,), initializer="zeros", name="true_positives")
        self.false_positives = self.add_variable(shape=(n,), initializer="zeros", name="false_positives")
        self.true_negatives = self.add_variable(shape=(n,), initializer="zeros", name="true_negatives")
        self.false_negatives = self.add_variable(shape=(n,), initializer="zeros", name="false_negatives")

    def update_state(self, y_true, y_pred, sample_weight=None):
        variables = {"tp": self.true_positives, "tn": self.true_negatives, "fp": self.false_positives,
                     "fn": self.false_negatives}
        self._update(variables, y_true, y_pred, sample_weight, class_id=self.class_id)

    def _find_max_under_constraint(self, constrained, dependent):
        feasible = constrained >= self.value
        return torch.clamp(torch.amax(torch.where(feasible, dependent, 0.0)), min=0.0)

    def _sensitivities(self):
        return divide_no_nan(self.true_positives, self.true_positives + self.false_negatives)

    def _specificities(self):
        return divide_no_nan(self.true_negatives, self.true_negatives + self.false_positives)

    def _precisions(self):
        return divide_no_nan(self.true_positives, self.true_positives + self.false_positives)

    def get_config(self):
        config = super().get_config()
        config["class_id"] = self.class_id
        return config


def _check_range(name, value):
    if value < 0 or value > 1:
        raise ValueError(f"Argument `{name}` must be in the range [0, 1]. Received: {name}={value}")


@keras_export("keras.metrics.SensitivityAtSpecificity")
class SensitivityAtSpecificity(SensitivitySpecificityBase):
    """The best sensitivity (recall) among thresholds whose specificity is >= `specificity`."""

    def __init__(self, specificity, num_thresholds=200, class_id=None, name=None, dtype=None):
        _check_range("specificity", specificity)
        self.specificity = specificity
        self.num_thresholds = num_thresholds
        super().__init__(specificity, num_thresholds=num_thresholds, class_id=class_id, name=name, dtype=dtype)

    def result(self):
        return self._find_max_under_constraint(self._specificities(), self._sensitivities())

    def get_config(self):
        config = super().get_config()
        config.update(num_thresholds=self.num_thresholds, specificity=self.specificity)
        return config


@keras_export("keras.metrics.SpecificityAtSensitivity")
class SpecificityAtSensitivity(SensitivitySpecificityBase):
    """The best specificity among thresholds whose sensitivity (recall) is >= `sensitivity`."""

    def __init__(self, sensitivity, num_thresholds=200, class_id=None, name=None, dtype=None):
        _check_range("sensitivity", sensitivity)
        self.sensitivity = sensitivity
        self.num_thresholds = num_thresholds
        super().__init__(sensitivity, num_thresholds=num_thresholds, class_id=class_id, name=name, dtype=dtype)

    def result(self):
        return self._find_max_under_constraint(self._sensitivities(), self._specificities())

    def get_config(self):
        config = super().get_config()
        config.update(num_thresholds=self.num_thresholds, sensitivity=self.sensitivity)
        return config


@keras_export("keras.metrics.PrecisionAtRecall")
class PrecisionAtRecall(SensitivitySpecificityBase):
    """The best precision among thresholds whose recall is >= `recall`."""

    def __init__(self, recall, num_thresholds=200, class_id=None, name=None, dtype=None):
        _check_range("recall", recall)
        self.recall = recall
        self.num_thresholds = num_thresholds
        super().__init__(value=recall, num_thresholds=num_thresholds, class_id=class_id, name=name, dtype=dtype)

    def result(self):
        return self._find_max_under_constraint(self._sensitivities(), self._precisions())

    def get_config(self):
        config = super().get_config()
        config.update(num_thresholds=self.num_thresholds, recall=self.recall)
        return config


@keras_export("keras.metrics.RecallAtPrecision")
class RecallAtPrecision(SensitivitySpecificityBase):
    """The best recall among thresholds whose precision is >= `precision`."""

    def __init__(self, precision, num_thresholds=200, class_id=None, name=None, dtype=None):
        _check_range("precision", precision)
        self.precision = precision
        self.num_thresholds = num_thresholds
        super().__init__(value=precision, num_thresholds=num_thresholds, class_id=class_id, name=name, dtype=dtype)

    def result(self):
        return self._find_max_under_constraint(self._precisions(), self._sensitivities())

    def get_config(self):
        config = super().get_config()
        config.update(num_thresholds=self.num_thresholds, precision=self.precision)
        return config
