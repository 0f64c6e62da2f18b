"""`AUC`: area under the ROC or PR curve, from confusion counts at a fixed set of thresholds."""
import numpy as np
import torch

from torchkeras.api_export import keras_export
from torchkeras.backend.config import epsilon
from torchkeras.losses.tensor_utils import convert
from torchkeras.losses.tensor_utils import divide_no_nan
from torchkeras.metrics import confusion_utils
from torchkeras.metrics.metric import Metric

_CURVES = {"roc": "ROC", "pr": "PR", "prgain": "PRGAIN"}
_SUMMATIONS = ("interpolation", "majoring", "minoring")


def _curve(value):
    value = getattr(value, "value", value)  # Keras's AUCCurve enum
    key = str(value).lower()
    if key not in _CURVES:
        raise ValueError(f'Invalid AUC curve value: "{value}". Expected values are ["PR", "ROC", "PRGAIN"]')
    return _CURVES[key]


def _summation(value):
    value = getattr(value, "value", value)
    key = str(value).lower()
    if key not in _SUMMATIONS:
        raise ValueError(
            f'Invalid AUC summation method value: "{value}". Expected values are ["interpolation", "majoring", '
            '"minoring"]'
        )
    return key


@keras_export("keras.metrics.AUC")
class AUC(Metric):
    """Approximate AUC (area under the curve) of the ROC or PR curve, by a Riemann sum over thresholds.

    Args:
        num_thresholds: Number of thresholds (default 200), evenly spaced in [0, 1] (plus -eps and 1+eps ends).
        curve: `"ROC"` (default), `"PR"` or `"PRGAIN"`.
        summation_method: `"interpolation"` (default; for PR, Davis & Goadrich's interpolation), `"minoring"` or
            `"majoring"`.
        name, dtype: As for every metric.
        thresholds: Explicit thresholds in [0, 1] (replaces `num_thresholds`).
        multi_label: Whether `y_pred` columns are separate labels (one curve each, averaged) rather than pooled.
        num_labels: Number of labels with `multi_label` (else read from the first batch).
        label_weights: Per-label weights for the average (or per-column weights when pooling).
        from_logits: Whether `y_pred` holds logits (a sigmoid is applied first).
    """

    _direction = "up"

    def __init__(self, num_thresholds=200, curve="ROC", summation_method="interpolation", name=None, dtype=None,
                 thresholds=None, multi_label=False, num_labels=None, label_weights=None, from_logits=False):
        self._init_from_thresholds = thresholds is not None
        if thresholds is not None:
            confusion_utils.assert_thresholds_range(list(thresholds))
            self.num_thresholds = len(thresholds) + 2
            thresholds = sorted(thresholds)
            self._thresholds_distributed_evenly = confusion_utils.is_evenly_distributed_thresholds(
                np.array([0.0] + thresholds + [1.0]))
        else:
            if num_thresholds <= 1:
                raise ValueError(
                    f"Argument `num_thresholds` must be an integer > 1. Received: num_thresholds={num_thresholds}"
                )
            self.num_thresholds = num_thresholds
            thresholds = [(i + 1) * 1.0 / (num_thresholds - 1) for i in range(num_thresholds - 2)]
            self._thresholds_distributed_evenly = True
        self._thresholds = np.array([0.0 - epsilon()] + thresholds + [1.0 + epsilon()])
        self.curve = _curve(curve)
        self.summation_method = _summation(summation_method)
        super().__init__(name=name, dtype=dtype)
        self.multi_label = multi_label
        self.num_labels = num_labels
        self.label_weights = None if label_weights is None else convert(label_weights, self.dtype)
        self._from_logits = from_logits
        self._thresholds_tensor = None
        self._built = False
        if multi_label:
            if num_labels:
                self._build([None, num_labels])
        else:
            if num_labels:
                raise ValueError("`num_labels` is needed only when `multi_label` is True.")
            self._build(None)

    @property
    def thresholds(self):
        """The thresholds used, including the `-epsilon` and `1 + epsilon` end points."""
        return list(self._thresholds)

    def _build(self, shape):
        if self.multi_label:
            if len(shape) != 2:
                raise ValueError(
                    f"`y_pred` must have rank 2 when `multi_label=True`. Found rank {len(shape)}. "
                    f"Full shape received for `y_pred`: {tuple(shape)}"
                )
            self._num_labels = shape[1]
            variable_shape = (self.num_thresholds, self._num_labels)
        else:
            variable_shape = (self.num_thresholds,)
        self._build_input_shape = shape
        self.true_positives = self.add_variable(shape=variable_shape, initializer="zeros", name="true_positives")
        self.false_positives = self.add_variable(shape=variable_shape, initializer="zeros", name="false_positives")
        self.true_negatives = self.add_variable(shape=variable_shape, initializer="zeros", name="true_negatives")
        self.false_negatives = self.add_variable(shape=variable_shape, initializer="zeros", name="false_negatives")
        self._built = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        if not self._built:
            self._build(tuple(np.shape(y_pred)) if not isinstance(y_pred, torch.Tensor) else tuple(y_pred.shape))
        if self._from_logits:
            y_pred = torch.sigmoid(convert(y_pred, self.true_positives.dtype, self.true_positives.device))
        tensor = self._thresholds_tensor
        if not self._thresholds_distributed_evenly and (tensor is None or tensor.device != self.true_positives.device):
            tensor = torch.tensor(self._thresholds, dtype=self.true_positives.dtype, device=self.true_positives.device)
            self._thresholds_tensor = tensor
        variables = {"tp": self.true_positives, "tn": self.true_negatives, "fp": self.false_positives,
                     "fn": self.false_negatives}
        confusion_utils.update_confusion_matrix_variables(
            variables, y_true, y_pred, self._thresholds, sample_weight=sample_weight, multi_label=self.multi_label,
            label_weights=None if self.multi_label else self.label_weights,
            thresholds_distributed_evenly=self._thresholds_distributed_evenly, thresholds_tensor=tensor)

    def _average_over_labels(self, by_label):
        if self.label_weights is None:
            return torch.mean(by_label)
        weights = self.label_weights.to(by_label.device)
        return divide_no_nan(torch.sum(by_label * weights), torch.sum(weights))

    def interpolate_pr_auc(self):
        """PR AUC with Davis & Goadrich's interpolation: precision varies along each segment between thresholds."""
        n = self.num_thresholds
        tp, fp, fn = self.true_positives, self.false_positives, self.false_negatives
        dtp = tp[: n - 1] - tp[1:]
        p = tp + fp
        dp = p[: n - 1] - p[1:]
        prec_slope = divide_no_nan(dtp, torch.clamp(dp, min=0))
        intercept = tp[1:] - prec_slope * p[1:]
        safe_p_ratio = torch.where((p[: n - 1] > 0) & (p[1:] > 0),
                                   divide_no_nan(p[: n - 1], torch.clamp(p[1:], min=0)), torch.ones_like(p[1:]))
        increments = divide_no_nan(prec_slope * (dtp + intercept * torch.log(safe_p_ratio)),
                                   torch.clamp(tp[1:] + fn[1:], min=0))
        if self.multi_label:
            return self._average_over_labels(torch.sum(increments, dim=0))
        return torch.sum(increments)

    def result(self):
        if not self._built:
            return torch.zeros(())
        if self.curve == "PR" and self.summation_method == "interpolation":
            return self.interpolate_pr_auc()
        tp, fp, tn, fn = self.true_positives, self.false_positives, self.true_negatives, self.false_negatives
        recall = divide_no_nan(tp, tp + fn)
        if self.curve == "ROC":
            x, y = divide_no_nan(fp, fp + tn), recall
        elif self.curve == "PR":
            x, y = recall, divide_no_nan(tp, tp + fp)
        else:  # PRGAIN
            scaling = divide_no_nan(tp + fn, tn + fp)
            recall_gain = 1.0 - scaling * divide_no_nan(fn, tp)
            precision_gain = 1.0 - scaling * divide_no_nan(fp, tp)
            recall_gain = torch.clamp(torch.where(tp == 0, 0.0, recall_gain), min=0.0)
            precision_gain = torch.where(tp == 0, 1.0, precision_gain)
            x, y = recall_gain, precision_gain
        n = self.num_thresholds
        if self.summation_method == "interpolation":
            heights = (y[: n - 1] + y[1:]) / 2.0
        elif self.summation_method == "minoring":
            heights = torch.minimum(y[: n - 1], y[1:])
        else:
            heights = torch.maximum(y[: n - 1], y[1:])
        riemann_terms = (x[: n - 1] - x[1:]) * heights
        if self.multi_label:
            return self._average_over_labels(torch.sum(riemann_terms, dim=0))
        return torch.sum(riemann_terms)

    def reset_state(self):
        if self._built:
            super().reset_state()

    def get_config(self):
        label_weights = None if self.label_weights is None else self.label_weights.detach().cpu().tolist()
        config = {
            "num_thresholds": self.num_thresholds,
            "curve": self.curve,
            "summation_method": self.summation_method,
            "multi_label": self.multi_label,
            "num_labels": self.num_labels,
            "label_weights": label_weights,
            "from_logits": self._from_logits,
        }
        if self._init_from_thresholds:
            config["thresholds"] = self.thresholds[1:-1]
        return {**super().get_config(), **config}
