"""Checks of integer class labels (sparse categorical losses and metrics), made once, not per batch.

A loss runs its check on the first batch it sees (one device sync); the trainer runs the checks of the compiled
losses and metrics over all the labels of in-memory data before any step (on the host, where the data is), or
over the first batch of other data. Each function takes
`(y_true, y_pred, **the loss's or metric's kwargs)`: only `y_pred`'s shape is read, so a `meta` tensor of the
predictions' shape is enough.
"""
import numpy as np
import torch


def _label_text(value):
    value = float(value)
    return str(int(value)) if value.is_integer() else str(value)


def check_class_labels(y_true, num_classes, ignore_class=None, output_shape=None):
    """Raise a clear error unless every label is a whole number in `[0, num_classes)` (or `ignore_class`).

    `num_classes=None` checks only that the labels are whole numbers. One sync (`.any()`) when all is well.
    """
    if not isinstance(y_true, torch.Tensor):
        return _check_host_labels(np.asarray(y_true), num_classes, ignore_class, output_shape)
    if y_true.device.type == "cpu" and not y_true.requires_grad and y_true.dtype != torch.bfloat16:
        return _check_host_labels(y_true.numpy(), num_classes, ignore_class, output_shape)
    labels = y_true
    if labels.dtype == torch.bool or labels.numel() == 0:
        return
    if not (labels.is_floating_point() or labels.dtype in (torch.int8, torch.int16, torch.int32, torch.int64,
                                                          torch.uint8)):
        raise TypeError(
            f"Sparse categorical labels must be integers, but received labels of dtype {labels.dtype}. "
            "Encode them as integer class indices first."
        )
    valid = torch.ones_like(labels, dtype=torch.bool)
    fractional = None
    if labels.is_floating_point():
        fractional = labels != torch.floor(labels)  # also true for NaN
        valid &= ~fractional
    if num_classes is not None:
        valid &= (labels >= 0) & (labels < num_classes)
    if ignore_class is not None:
        valid |= labels == ignore_class
    if bool(valid.all()):
        return
    # The error path: read the first offending label back (a sync here is fine).
    bad_label = labels[~valid].reshape(-1)[0].item()
    fractional_label = fractional is not None and bool(fractional[~valid].reshape(-1)[0])
    raise _error(bad_label, fractional_label, str(labels.dtype).replace("torch.", ""), num_classes, output_shape)


def _check_host_labels(labels, num_classes, ignore_class, output_shape):
    """The same check on a NumPy array (no device involved, and cheaper than torch for small arrays)."""
    kind = labels.dtype.kind
    if kind == "b" or labels.size == 0:
        return
    if kind not in "iuf":
        raise TypeError(
            f"Sparse categorical labels must be integers, but received labels of dtype {labels.dtype}. "
            "Encode them as integer class indices first."
        )
    if ignore_class is None:  # the common case, in two reductions (NaN fails both comparisons)
        low, high = labels.min(), labels.max()
        if (num_classes is None or (low >= 0 and high < num_classes)) and (
                kind != "f" or bool((np.floor(labels) == labels).all())):
            return
    valid = np.ones(labels.shape, dtype=bool)
    fractional = None
    if kind == "f":
        fractional = labels != np.floor(labels)
        valid &= ~fractional
    if num_classes is not None:
        valid &= (labels >= 0) & (labels < num_classes)
    if ignore_class is not None:
        valid |= labels == ignore_class
    if valid.all():
        return
    bad = ~valid
    bad_label = labels[bad].reshape(-1)[0].item()
    fractional_label = fractional is not None and bool(fractional[bad].reshape(-1)[0])
    raise _error(bad_label, fractional_label, str(labels.dtype), num_classes, output_shape)


def _error(bad_label, fractional_label, dtype, num_classes, output_shape):
    classes = f"[0, {num_classes})" if num_classes is not None else "non-negative integers"
    if fractional_label:
        return ValueError(
            f"Sparse categorical labels must be whole numbers in {classes}, but received the label "
            f"{_label_text(bad_label)} (labels of dtype {dtype}). Labels are class indices: round or encode them "
            "as integers, or use one-hot labels with `categorical_crossentropy`."
        )
    shape = f" (y_pred.shape={tuple(output_shape)})" if output_shape is not None else ""
    return IndexError(
        f"Target {_label_text(bad_label)} is out of bounds. Sparse categorical labels must be integers in "
        f"{classes} because `y_pred` has {num_classes} classes{shape}, but received the label "
        f"{_label_text(bad_label)}. Check the number of units of the output layer, or use one-hot labels with "
        "`categorical_crossentropy`."
    )


def _num_classes(y_pred, axis=-1):
    if not hasattr(y_pred, "shape") or len(y_pred.shape) == 0:
        return None
    n = y_pred.shape[axis]
    return None if n is None else int(n)


def check_sparse_categorical_labels(y_true, y_pred, ignore_class=None, axis=-1, **kwargs):
    """The check of `sparse_categorical_crossentropy`."""
    del kwargs
    if not hasattr(y_pred, "shape") or len(y_pred.shape) == 0:
        return
    check_class_labels(y_true, _num_classes(y_pred, axis), ignore_class=ignore_class,
                       output_shape=tuple(y_pred.shape))


def check_sparse_accuracy_labels(y_true, y_pred, ignore_class=None, **kwargs):
    """The check of `sparse_categorical_accuracy` (predictions of one sample per row: rank 2 or more).
    `ignore_class`: the label the loss of the same output ignores."""
    del kwargs
    if not hasattr(y_pred, "shape") or len(y_pred.shape) < 2:
        return
    check_class_labels(y_true, _num_classes(y_pred), ignore_class=ignore_class, output_shape=tuple(y_pred.shape))


def check_sparse_top_k_labels(y_true, y_pred, k=5, from_sorted_ids=False, **kwargs):
    """The check of `sparse_top_k_categorical_accuracy` (with `from_sorted_ids`, `y_pred` holds ids, not one
    score per class, so only whole numbers are checked). It has no label to ignore: it cannot score one."""
    del k, kwargs
    if not hasattr(y_pred, "shape") or len(y_pred.shape) < 2:
        return
    num_classes = None if from_sorted_ids else _num_classes(y_pred)
    check_class_labels(y_true, num_classes, output_shape=tuple(y_pred.shape))


def label_check_of(obj):
    """`(check, kwargs)` for a loss or metric whose function checks its labels, else None.

    A function's `_keras_check_inputs` runs on the first batch its loss or metric sees, and in the trainer;
    `_keras_check_labels` (metrics that, like Keras's, count bad labels as misses when used alone) only in the
    trainer."""
    fn = getattr(obj, "fn", None)
    kwargs = getattr(obj, "_fn_kwargs", None)
    if fn is None:
        fn = getattr(obj, "_fn", None)
    check = getattr(fn, "_keras_check_inputs", None) or getattr(fn, "_keras_check_labels", None)
    if check is None:
        return None
    return check, dict(kwargs or {})
