"""Confusion-matrix metrics: true/false positives/negatives counts, precision and recall."""
import numpy as np
import torch

from torchkeras.api_export import keras_export
from torchkeras.losses.tensor_utils import divide_no_nan
from torchkeras.metrics import confusion_utils
from torchkeras.metrics.metric import Metric


class ThresholdsMixin:
    """Shared plumbing: parse `thresholds`, and keep them as a device tensor for the comparison path."""

    def _init_thresholds(self, thresholds, default_threshold):
        self.thresholds = confusion_utils.parse_init_thresholds(thresholds, default_threshold=default_threshold)
        self._thresholds_distributed_evenly = confusion_utils.is_evenly_distributed_thresholds(self.thresholds)
        self._thresholds_tensor = None

    def _update(self, variables, y_true, y_pred, sample_weight, top_k=None, class_id=None):
        tensor = self._thresholds_tensor
        var = next(iter(variables.values()))
        if tensor is None or tensor.device != var.device:
            tensor = torch.tensor(np.asarray(self.thresholds, dtype=np.float64), dtype=var.dtype, device=var.device)
            self._thresholds_tensor = tensor
        confusion_utils.update_confusion_matrix_variables(
            variables, y_true, y_pred, thresholds=self.thresholds, top_k=top_k, class_id=class_id,
            sample_weight=sample_weight, thresholds_distributed_evenly=self._thresholds_distributed_evenly,
            thresholds_tensor=tensor)


class _ConfusionMatrixConditionCount(ThresholdsMixin, Metric):
    """Counts one confusion-matrix condition (e.g. true positives) at each threshold."""

    _condition = None

    def __init__(self, thresholds=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.init_thresholds = thresholds
        self._init_thresholds(thresholds, default_threshold=0.5)
        self.accumulator = self.add_variable(shape=(len(self.thresholds),), initializer="zeros", name="accumulator")

    def update_state(self, y_true, y_pred, sample_weight=None):
        self._update({self._condition: self.accumulator}, y_true, y_pred, sample_weight)

    def result(self):
        value = self.accumulator.detach()
        return value[0].clone() if len(self.thresholds) == 1 else value.clone()

    def get_config(self):
        config = super().get_config()
        config["thresholds"] = self.init_thresholds
        return config


@keras_export("keras.metrics.FalsePositives")
class FalsePositives(_ConfusionMatrixConditionCount):
    """The (weighted) number of false positives, at each of `thresholds` (default 0.5)."""

    _condition = "fp"


@keras_export("keras.metrics.FalseNegatives")
class FalseNegatives(_ConfusionMatrixConditionCount):
    """The (weighted) number of false negatives, at each of `thresholds` (default 0.5)."""

    _condition = "fn"


@keras_export("keras.metrics.TrueNegatives")
class TrueNegatives(_ConfusionMatrixConditionCount):
    """The (weighted) number of true negatives, at each of `thresholds` (default 0.5)."""

    _condition = "tn"


@keras_export("keras.metrics.TruePositives")
class TruePositives(_ConfusionMatrixConditionCount):
    """The (weighted) number of true positives, at each of `thresholds` (default 0.5)."""

    _condition = "tp"


class _PrecisionRecallBase(ThresholdsMixin, Metric):
    _direction = "up"
    _second = None  # "fp" for precision, "fn" for recall

    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.init_thresholds = thresholds
        self.top_k = top_k
        self.class_id = class_id
        default = 0.5 if top_k is None else confusion_utils.NEG_INF
        self._init_thresholds(thresholds, default_threshold=default)
        n = len(self.thresholds)
        self.true_positives = self.add_variable(shape=(n,), initializer="zeros", name="true_positives")
        second = "false_positives" if self._second == "fp" else "false_negatives"
        setattr(self, second, self.add_variable(shape=(n,), initializer="zeros", name=second))
        self._second_variable = getattr(self, second)

    def update_state(self, y_true, y_pred, sample_weight=None):
        self._update({"tp": self.true_positives, self._second: self._second_variable}, y_true, y_pred,
                     sample_weight, top_k=self.top_k, class_id=self.class_id)

    def result(self):
        result = divide_no_nan(self.true_positives, self.true_positives + self._second_variable)
        return result[0] if len(self.thresholds) == 1 else result

    def get_config(self):
        config = super().get_config()
        config.update(thresholds=self.init_thresholds, top_k=self.top_k, class_id=self.class_id)
        return config


@keras_export("keras.metrics.Precision")
class Precision(_PrecisionRecallBase):
    """Precision `tp / (tp + fp)`: a prediction above the threshold (default 0.5) is positive.

    Args: `thresholds` (a float or list; one result per threshold), `top_k` (only the top k predictions of each
    row count as positive), `class_id` (only this class's column counts).
    """

    _second = "fp"


@keras_export("keras.metrics.Recall")
class Recall(_PrecisionRecallBase):
    """Recall `tp / (tp + fn)`: a prediction above the threshold (default 0.5) is positive.

    Args: `thresholds` (a float or list; one result per threshold), `top_k` (only the top k predictions of each
    row count as positive), `class_id` (only this class's column counts).
    """

    _second = "fn"
