"""Intersection-over-Union metrics: `IoU`, `MeanIoU`, `BinaryIoU`, `OneHotIoU`, `OneHotMeanIoU`.

All accumulate a `(num_classes, num_classes)` confusion matrix (rows: true class, columns: predicted class).
"""
import warnings

import torch

from torchkeras.api_export import keras_export
from torchkeras.backend.config import epsilon
from torchkeras.losses.tensor_utils import convert
from torchkeras.metrics.metric import Metric


def confusion_matrix(labels, predictions, num_classes, weights=None, dtype=torch.int32):
    """`(num_classes, num_classes)` counts of (label, prediction) pairs, optionally weighted."""
    flat = labels.long() * num_classes + predictions.long()
    values = torch.ones_like(flat, dtype=dtype) if weights is None else weights.to(dtype)
    matrix = torch.zeros(num_classes * num_classes, dtype=dtype, device=flat.device)
    matrix.index_add_(0, flat.reshape(-1), values.reshape(-1))
    return matrix.reshape(num_classes, num_classes)


class _IoUBase(Metric):
    """Accumulates the confusion matrix; subclasses compute IoU from it."""

    _direction = "up"

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None, sparse_y_true=True,
                 sparse_y_pred=True, axis=-1):
        super().__init__(name=name, dtype=dtype or "int32")
        self.num_classes = num_classes
        self.ignore_class = ignore_class
        self.sparse_y_true = sparse_y_true
        self.sparse_y_pred = sparse_y_pred
        self.axis = axis
        self.total_cm = self.add_variable(shape=(num_classes, num_classes), initializer="zeros", dtype=self.dtype,
                                          name="total_confusion_matrix")

    def update_state(self, y_true, y_pred, sample_weight=None):
        device = self.total_cm.device
        y_true = convert(y_true, device=device)
        y_pred = convert(y_pred, device=device)
        if not self.sparse_y_true:
            y_true = torch.argmax(y_true, dim=self.axis)
        if not self.sparse_y_pred:
            y_pred = torch.argmax(y_pred, dim=self.axis)
        cm_dtype = self.total_cm.dtype
        y_true = y_true.to(cm_dtype).reshape(-1)
        y_pred = y_pred.to(cm_dtype).reshape(-1)
        if sample_weight is None:
            weight = torch.ones((), dtype=cm_dtype, device=device)
        else:
            if getattr(sample_weight, "dtype", None) is not None and "float" in str(sample_weight.dtype) and \
                    not cm_dtype.is_floating_point:
                warnings.warn(
                    "You are passing weight as `float`, but dtype is `int`. This may result in an incorrect weight "
                    "due to type casting Consider using integer weights.",
                    stacklevel=2,
                )
            weight = convert(sample_weight, cm_dtype, device)
            if weight.dim() > 1:
                weight = weight.reshape(-1)
        weight = weight.expand(y_true.shape)
        in_bounds = (y_true >= 0) & (y_true < self.num_classes) & (y_pred >= 0) & (y_pred < self.num_classes)
        if self.ignore_class is not None:
            in_bounds = in_bounds & (y_true != self.ignore_class)
        y_true = torch.where(in_bounds, y_true, 0)
        y_pred = torch.where(in_bounds, y_pred, 0)
        weight = torch.where(in_bounds, weight, 0)
        self.total_cm.add_(confusion_matrix(y_true, y_pred, self.num_classes, weight, cm_dtype))

    def reset_state(self):
        with torch.no_grad():
            self.total_cm.zero_()


@keras_export("keras.metrics.IoU")
class IoU(_IoUBase):
    """Intersection-over-Union `tp / (tp + fp + fn)`, averaged over `target_class_ids`.

    Args:
        num_classes: Number of classes.
        target_class_ids: The classes whose IoU is averaged.
        ignore_class: A label to leave out (e.g. a void class).
        sparse_y_true, sparse_y_pred: Whether labels/predictions are class ids (else one score per class along
            `axis`, reduced with argmax).
    """

    def __init__(self, num_classes, target_class_ids, name=None, dtype=None, ignore_class=None, sparse_y_true=True,
                 sparse_y_pred=True, axis=-1):
        super().__init__(name=name, num_classes=num_classes, ignore_class=ignore_class, sparse_y_true=sparse_y_true,
                         sparse_y_pred=sparse_y_pred, axis=axis, dtype=dtype)
        if max(target_class_ids) >= num_classes:
            raise ValueError(
                f"Target class id {max(target_class_ids)} is out of range, which is [0, {num_classes})."
            )
        self.target_class_ids = list(target_class_ids)
        self._target_ids = None

    def result(self):
        cm = self.total_cm.detach().to(torch.float32)
        sum_over_row = torch.sum(cm, dim=0)
        sum_over_col = torch.sum(cm, dim=1)
        true_positives = torch.diagonal(cm)
        denominator = sum_over_row + sum_over_col - true_positives
        if self._target_ids is None or self._target_ids.device != cm.device:
            self._target_ids = torch.tensor(self.target_class_ids, dtype=torch.long, device=cm.device)
        true_positives = true_positives[self._target_ids]
        denominator = denominator[self._target_ids]
        valid = denominator > 1e-9
        num_valid = torch.sum(valid.to(torch.float32))
        iou = torch.where(valid, true_positives / (denominator + epsilon()), 0.0)
        return torch.sum(iou, dim=self.axis) / (num_valid + epsilon())

    def get_config(self):
        config = super().get_config()
        config.update(num_classes=self.num_classes, target_class_ids=self.target_class_ids,
                      ignore_class=self.ignore_class, sparse_y_true=self.sparse_y_true,
                      sparse_y_pred=self.sparse_y_pred, axis=self.axis)
        return config


@keras_export("keras.metrics.BinaryIoU")
class BinaryIoU(IoU):
    """IoU for binary tasks: a prediction `>= threshold` is class 1. `target_class_ids` defaults to (0, 1)."""

    def __init__(self, target_class_ids=(0, 1), threshold=0.5, name=None, dtype=None):
        super().__init__(num_classes=2, target_class_ids=target_class_ids, name=name, dtype=dtype)
        self.threshold = threshold

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = convert(y_pred, "float32", self.total_cm.device)
        return super().update_state(y_true, (y_pred >= self.threshold).to(self.total_cm.dtype), sample_weight)

    def get_config(self):
        return {"target_class_ids": self.target_class_ids, "threshold": self.threshold, "name": self.name,
                "dtype": self.dtype}


@keras_export("keras.metrics.MeanIoU")
class MeanIoU(IoU):
    """Mean Intersection-over-Union over all `num_classes` classes."""

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None, sparse_y_true=True, sparse_y_pred=True,
                 axis=-1):
        super().__init__(name=name, num_classes=num_classes, target_class_ids=list(range(num_classes)), axis=axis,
                         dtype=dtype, ignore_class=ignore_class, sparse_y_true=sparse_y_true,
                         sparse_y_pred=sparse_y_pred)

    def get_config(self):
        return {"num_classes": self.num_classes, "name": self.name, "dtype": self.dtype,
                "ignore_class": self.ignore_class, "sparse_y_true": self.sparse_y_true,
                "sparse_y_pred": self.sparse_y_pred, "axis": self.axis}


@keras_export("keras.metrics.OneHotIoU")
class OneHotIoU(IoU):
    """IoU over `target_class_ids` for one-hot labels (and scores per class, unless `sparse_y_pred`)."""

    def __init__(self, num_classes, target_class_ids, name=None, dtype=None, ignore_class=None, sparse_y_pred=False,
                 axis=-1):
        super().__init__(num_classes=num_classes, target_class_ids=target_class_ids, name=name, dtype=dtype,
                         ignore_class=ignore_class, sparse_y_true=False, sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self):
        return {"num_classes": self.num_classes, "target_class_ids": self.target_class_ids, "name": self.name,
                "dtype": self.dtype, "ignore_class": self.ignore_class, "sparse_y_pred": self.sparse_y_pred,
                "axis": self.axis}


@keras_export("keras.metrics.OneHotMeanIoU")
class OneHotMeanIoU(MeanIoU):
    """Mean IoU over all classes for one-hot labels (and scores per class, unless `sparse_y_pred`)."""

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None, sparse_y_pred=False, axis=-1):
        super().__init__(num_classes=num_classes, axis=axis, name=name, dtype=dtype, ignore_class=ignore_class,
                         sparse_y_true=False, sparse_y_pred=sparse_y_pred)

    def get_config(self):
        return {"num_classes": self.num_classes, "name": self.name, "dtype": self.dtype,
                "ignore_class": self.ignore_class, "sparse_y_pred": self.sparse_y_pred, "axis": self.axis}
