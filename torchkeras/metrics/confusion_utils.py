"""Accumulating confusion-matrix counts (true/false positives/negatives) at a list of thresholds.

A prediction counts as positive at threshold `t` when `y_pred > t`; any non-zero label is positive. Evenly
spaced thresholds (`i / (n - 1)`) use Keras's bucketing algorithm: each prediction lands in one bucket, and a
reverse cumulative sum gives every threshold's count in O(samples + thresholds). Other thresholds compare every
prediction with every threshold.
"""
import numpy as np
import torch

from torchkeras.backend.config import epsilon
from torchkeras.losses.tensor_utils import convert
from torchkeras.losses.tensor_utils import squeeze_or_expand_to_same_rank

NEG_INF = -1e10
KEYS = ("tp", "fp", "tn", "fn")


def assert_thresholds_range(thresholds):
    if thresholds is not None:
        invalid = [t for t in thresholds if t is None or t < 0 or t > 1]
        if invalid:
            raise ValueError(f"Threshold values must be in [0, 1]. Received: {invalid}")


def parse_init_thresholds(thresholds, default_threshold=0.5):
    """The thresholds as a list (validated to lie in [0, 1] when given)."""
    if thresholds is not None:
        assert_thresholds_range(_to_list(thresholds))
    return _to_list(default_threshold if thresholds is None else thresholds)


def _to_list(x):
    if isinstance(x, (list, tuple)):
        return list(x)
    if isinstance(x, np.ndarray):
        return x.tolist()
    return [x]


def is_evenly_distributed_thresholds(thresholds):
    """Whether `thresholds` are `i / (n - 1)` for `i` in `0..n-1` (at least 3 of them)."""
    n = len(thresholds)
    if n < 3:
        return False
    even = np.arange(n, dtype=np.float32) / (n - 1)
    return bool(np.allclose(thresholds, even, atol=epsilon()))


def filter_top_k(x, k):
    """Keep the top `k` values of the last axis; set the others to a large negative number."""
    _, top_idx = torch.topk(x, k, dim=-1)
    keep = torch.zeros_like(x).scatter_(-1, top_idx, 1.0)
    return x * keep + NEG_INF * (1 - keep)


def update_confusion_matrix_variables(variables, y_true, y_pred, thresholds, top_k=None, class_id=None,
                                      sample_weight=None, multi_label=False, label_weights=None,
                                      thresholds_distributed_evenly=False, thresholds_tensor=None):
    """Add this batch's counts to `variables`, a dict with some of the keys `"tp"`, `"fp"`, `"tn"`, `"fn"`.

    Each variable has shape `(num_thresholds,)`, or `(num_thresholds, num_labels)` with `multi_label`.
    `thresholds` is the list of thresholds; `thresholds_tensor` may hold them already on the device.
    """
    if multi_label and label_weights is not None:
        raise ValueError(
            "`label_weights` for multilabel data should be handled outside of "
            "`update_confusion_matrix_variables` when `multi_label` is True."
        )
    invalid = [key for key in variables if key not in KEYS]
    if invalid or not variables:
        raise ValueError(f'Invalid keys: "{invalid}". Valid variable key options are: "{list(KEYS)}"')
    first = next(iter(variables.values()))
    dtype, device = first.dtype, first.device
    y_true = convert(y_true, dtype, device)
    y_pred = convert(y_pred, dtype, device)
    y_pred, y_true = squeeze_or_expand_to_same_rank(y_pred, y_true)
    if sample_weight is not None:
        sample_weight = convert(sample_weight, dtype, device).unsqueeze(-1)
        _, sample_weight = squeeze_or_expand_to_same_rank(y_true, sample_weight, expand_rank_1=False)
    if top_k is not None:
        y_pred = filter_top_k(y_pred, top_k)
    if class_id is not None:
        if y_pred.dim() == 1:
            raise ValueError(
                "When class_id is provided, y_pred must be a 2D array with shape (num_samples, num_classes), "
                f"found shape: {tuple(y_pred.shape)}"
            )
        y_true = y_true[..., class_id, None]
        y_pred = y_pred[..., class_id, None]
    if label_weights is not None:
        label_weights = convert(label_weights, dtype, device)
    if thresholds_distributed_evenly:
        with_epsilon = thresholds[0] < 0.0 or thresholds[-1] > 1.0
        return _update_bucketed(variables, y_true, y_pred, len(thresholds), multi_label, sample_weight,
                                label_weights, with_epsilon)
    if thresholds_tensor is None:
        thresholds_tensor = torch.tensor(np.asarray(thresholds, dtype=np.float64), dtype=dtype, device=device)
    return _update_by_comparison(variables, y_true, y_pred, thresholds_tensor, multi_label, sample_weight,
                                 label_weights)


def _combined_weights(y_pred, sample_weight, label_weights, multi_label):
    weights = None
    if sample_weight is not None:
        weights = sample_weight.expand(y_pred.shape)
    if label_weights is not None:
        lw = label_weights.unsqueeze(0).expand(y_pred.shape)
        weights = lw if weights is None else weights * lw
    if weights is not None and not multi_label:
        weights = weights.reshape(-1)
    return weights


def _update_bucketed(variables, y_true, y_pred, num_thresholds, multi_label, sample_weight, label_weights,
                     with_epsilon):
    weights = _combined_weights(y_pred, sample_weight, label_weights, multi_label)
    y_pred = torch.clamp(y_pred, 0.0, 1.0)
    y_true = (y_true != 0).to(y_pred.dtype)
    if not multi_label:
        y_true = y_true.reshape(-1)
        y_pred = y_pred.reshape(-1)
    true_labels = y_true if weights is None else y_true * weights
    false_labels = (1.0 - y_true) if weights is None else (1.0 - y_true) * weights
    buckets = torch.ceil(y_pred * (num_thresholds - 1)) - 1
    if with_epsilon:
        buckets = torch.relu(buckets)
    buckets = buckets.long()
    # Predictions outside every bucket (e.g. 0 with thresholds starting at 0) are dropped into a spare slot.
    buckets = torch.where((buckets < 0) | (buckets >= num_thresholds), num_thresholds, buckets)
    if multi_label:
        num_labels = y_pred.shape[-1]
        columns = torch.arange(num_labels, device=y_pred.device)
        flat = (buckets * num_labels + columns).reshape(-1)
        shape = (num_thresholds + 1, num_labels)
    else:
        flat = buckets
        shape = (num_thresholds + 1,)

    def bucket_sums(data):
        sums = torch.zeros(shape, dtype=data.dtype, device=data.device)
        sums.view(-1).index_add_(0, flat, data.reshape(-1))
        # Count at threshold i = sum of the buckets >= i: a reverse cumulative sum.
        return torch.flip(torch.cumsum(torch.flip(sums[:num_thresholds], (0,)), dim=0), (0,))

    need_tp = "tp" in variables or "fn" in variables
    need_fp = "fp" in variables or "tn" in variables
    tp = bucket_sums(true_labels) if need_tp else None
    fp = bucket_sums(false_labels) if need_fp else None
    if "tp" in variables:
        variables["tp"].add_(tp)
    if "fp" in variables:
        variables["fp"].add_(fp)
    if "tn" in variables:
        variables["tn"].add_(torch.sum(false_labels, dim=0) - fp)
    if "fn" in variables:
        variables["fn"].add_(torch.sum(true_labels, dim=0) - tp)


def _update_by_comparison(variables, y_true, y_pred, thresholds, multi_label, sample_weight, label_weights):
    num_thresholds = thresholds.shape[0]
    weights = _combined_weights(y_pred, sample_weight, None if multi_label else label_weights, True)
    if multi_label:
        preds = y_pred.unsqueeze(0)
        labels = (y_true != 0).unsqueeze(0)
        thresh = thresholds.reshape(num_thresholds, *([1] * y_pred.dim()))
        if weights is not None:
            weights = weights.unsqueeze(0)
    else:
        preds = y_pred.reshape(1, -1)
        labels = (y_true != 0).reshape(1, -1)
        thresh = thresholds.reshape(num_thresholds, 1)
        if weights is not None:
            weights = weights.reshape(1, -1)
    pred_is_pos = preds > thresh

    def count(label, pred, var):
        hit = label & pred
        if weights is None:
            var.add_(torch.sum(hit.to(var.dtype), dim=1))
        else:
            var.add_(torch.sum(torch.where(hit, weights.to(var.dtype), 0.0), dim=1))

    if "tp" in variables:
        count(labels, pred_is_pos, variables["tp"])
    if "fn" in variables or "tn" in variables:
        pred_is_neg = ~pred_is_pos
    if "fn" in variables:
        count(labels, pred_is_neg, variables["fn"])
    if "fp" in variables or "tn" in variables:
        label_is_neg = ~labels
    if "fp" in variables:
        count(label_is_neg, pred_is_pos, variables["fp"])
    if "tn" in variables:
        count(label_is_neg, pred_is_neg, variables["tn"])
