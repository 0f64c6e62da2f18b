"""Accuracy metrics (functions of per-sample matches, and the metrics that average them)."""
import torch

from torchkeras import ops
from torchkeras.api_export import keras_export
from torchkeras.backend import dtypes
from torchkeras.backend.config import floatx
from torchkeras.losses import label_checks
from torchkeras.losses.tensor_utils import convert
from torchkeras.losses.tensor_utils import prepare
from torchkeras.losses.tensor_utils import squeeze_or_expand_to_same_rank
from torchkeras.metrics.reduction_metrics import MeanMetricWrapper
from torchkeras.ops.symbolic_function import symbolic_function


def _float(matches):
    return matches.to(dtypes.to_torch_dtype(floatx()))


def _in_top_k(targets, predictions, k):
    """Whether each target's score is at least the k-th largest score of its row (ties count as in)."""
    k = min(int(k), predictions.shape[-1])
    kth = torch.topk(predictions, k, dim=-1).values[..., -1]
    target_scores = torch.gather(predictions, -1, targets.long().unsqueeze(-1)).squeeze(-1)
    return target_scores >= kth


@keras_export("keras.metrics.accuracy", "keras.metrics.acc", "keras.metrics.ACC")
@symbolic_function
def accuracy(y_true, y_pred):
    """1.0 where `y_pred` equals `y_true` exactly, else 0.0."""
    y_true, y_pred = prepare(y_true, y_pred)
    return _float(y_true == y_pred)


@keras_export("keras.metrics.binary_accuracy")
@symbolic_function
def binary_accuracy(y_true, y_pred, threshold=0.5):
    """1.0 where `(y_pred > threshold)` equals the binary label, else 0.0."""
    y_pred = convert(y_pred)
    y_true = convert(y_true, device=y_pred.device)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    return _float(y_true == (y_pred > threshold).to(y_true.dtype))


@keras_export("keras.metrics.categorical_accuracy")
@symbolic_function
def categorical_accuracy(y_true, y_pred):
    """1.0 where the argmax of `y_pred` is the argmax of the one-hot `y_true`, else 0.0."""
    y_pred = convert(y_pred)
    y_true = ops.argmax(convert(y_true, device=y_pred.device), axis=-1)  # bool one-hot targets too (Keras 2)
    original_shape = None
    if y_true.dim() == y_pred.dim():
        original_shape = y_true.shape
        y_true = y_true.squeeze(-1)
    matches = _float(y_true == torch.argmax(y_pred, dim=-1))
    return matches.reshape(original_shape) if original_shape is not None else matches


@keras_export("keras.metrics.sparse_categorical_accuracy")
@symbolic_function
def sparse_categorical_accuracy(y_true, y_pred):
    """1.0 where the argmax of `y_pred` equals the integer label, else 0.0."""
    y_pred = convert(y_pred)
    y_true = convert(y_true, y_pred.dtype if y_pred.is_floating_point() else floatx(), y_pred.device)
    original_shape = None
    if y_true.dim() == y_pred.dim() and y_true.shape[-1] == 1:
        original_shape = y_true.shape
        y_true = y_true.squeeze(-1)
    matches = _float(y_true == torch.argmax(y_pred, dim=-1).to(y_true.dtype))
    if original_shape is not None:
        matches = matches.reshape(original_shape)
    if matches.dim() > 1 and matches.shape[-1] == 1:
        matches = matches.squeeze(-1)
    return matches


# Checked by the trainer before `fit`/`evaluate` (where a loss's `ignore_class` is known), not per batch: used
# alone, like Keras's, the metric counts a label out of range as a miss.
sparse_categorical_accuracy._keras_check_labels = label_checks.check_sparse_accuracy_labels


@keras_export("keras.metrics.top_k_categorical_accuracy")
@symbolic_function
def top_k_categorical_accuracy(y_true, y_pred, k=5):
    """1.0 where the one-hot target class is among the `k` highest scores of `y_pred`, else 0.0."""
    y_pred = convert(y_pred)
    y_true = ops.argmax(convert(y_true, device=y_pred.device), axis=-1)  # bool one-hot targets too (Keras 2)
    original_shape = y_true.shape
    if y_pred.dim() > 2:
        y_pred = y_pred.reshape(-1, y_pred.shape[-1])
    if y_true.dim() > 1:
        y_true = y_true.reshape(-1)
    matches = _float(_in_top_k(y_true, y_pred, k))
    return matches.reshape(original_shape) if len(original_shape) > 1 else matches


@keras_export("keras.metrics.sparse_top_k_categorical_accuracy")
@symbolic_function
def sparse_top_k_categorical_accuracy(y_true, y_pred, k=5, from_sorted_ids=False):
    """1.0 where the integer label is among the `k` highest scores of `y_pred` (or, with `from_sorted_ids`,
    among the first `k` ids of `y_pred`), else 0.0."""
    y_pred = convert(y_pred)
    y_true = convert(y_true, y_pred.dtype if from_sorted_ids else "int32", y_pred.device)
    original_shape = y_true.shape
    if y_pred.dim() > 2:
        y_pred = y_pred.reshape(-1, y_pred.shape[-1])
    if y_true.dim() > 1:
        y_true = y_true.reshape(-1)
    if from_sorted_ids:
        matches = torch.any(y_true.unsqueeze(1) == y_pred[:, :k], dim=1)
    else:
        matches = _in_top_k(y_true, y_pred, k)
    matches = _float(matches)
    return matches.reshape(original_shape) if len(original_shape) > 1 else matches


sparse_top_k_categorical_accuracy._keras_check_labels = label_checks.check_sparse_top_k_labels


@keras_export("keras.metrics.Accuracy")
class Accuracy(MeanMetricWrapper):
    """How often predictions equal labels exactly."""

    _direction = "up"

    def __init__(self, name="accuracy", dtype=None):
        super().__init__(fn=accuracy, name=name, dtype=dtype)

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}


@keras_export("keras.metrics.BinaryAccuracy")
class BinaryAccuracy(MeanMetricWrapper):
    """How often predictions match binary labels; a prediction above `threshold` (default 0.5) is positive."""

    _direction = "up"

    def __init__(self, name="binary_accuracy", dtype=None, threshold=0.5):
        super().__init__(fn=binary_accuracy, name=name, dtype=dtype, threshold=threshold)
        self.threshold = threshold

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, "threshold": self.threshold}


@keras_export("keras.metrics.CategoricalAccuracy")
class CategoricalAccuracy(MeanMetricWrapper):
    """How often the predicted class (argmax) matches the one-hot label."""

    _direction = "up"

    def __init__(self, name="categorical_accuracy", dtype=None):
        super().__init__(fn=categorical_accuracy, name=name, dtype=dtype)

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}


@keras_export("keras.metrics.SparseCategoricalAccuracy")
class SparseCategoricalAccuracy(MeanMetricWrapper):
    """How often the predicted class (argmax) matches the integer label."""

    _direction = "up"

    def __init__(self, name="sparse_categorical_accuracy", dtype=None):
        super().__init__(fn=sparse_categorical_accuracy, name=name, dtype=dtype)

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}


@keras_export("keras.metrics.TopKCategoricalAccuracy")
class TopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the one-hot target is among the top `k` predictions."""

    _direction = "up"

    def __init__(self, k=5, name="top_k_categorical_accuracy", dtype=None):
        super().__init__(fn=top_k_categorical_accuracy, name=name, dtype=dtype, k=k)
        self.k = k

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, "k": self.k}


@keras_export("keras.metrics.SparseTopKCategoricalAccuracy")
class SparseTopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the integer target is among the top `k` predictions."""

    _direction = "up"

    def __init__(self, k=5, name="sparse_top_k_categorical_accuracy", dtype=None, from_sorted_ids=False):
        super().__init__(fn=sparse_top_k_categorical_accuracy, name=name, dtype=dtype, k=k,
                         from_sorted_ids=from_sorted_ids)
        self.k = k
        self.from_sorted_ids = from_sorted_ids

    def get_config(self):
        config = {"name": self.name, "dtype": self.dtype, "k": self.k}
        if self.from_sorted_ids:
            config["from_sorted_ids"] = True
        return config
