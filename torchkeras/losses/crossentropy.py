"""Cross-entropy losses: binary, categorical, sparse categorical and their focal variants.

Probabilities are clipped to `[epsilon, 1 - epsilon]` (epsilon = 1e-7) exactly like Keras's torch backend, so
`binary_crossentropy(1, 0)` is `-log(1e-7) = 16.118`, never torch's 100. Categorical probabilities are first
renormalized to sum to one.
"""
import warnings

import torch
import torch.nn.functional as F

from torchkeras.api_export import keras_export
from torchkeras.backend import dtypes
from torchkeras.backend.config import epsilon
from torchkeras.backend.config import floatx
from torchkeras.losses import label_checks
from torchkeras.losses.loss import Loss
from torchkeras.losses.tensor_utils import convert
from torchkeras.losses.tensor_utils import normalize_axis
from torchkeras.losses.tensor_utils import prepare
from torchkeras.losses.tensor_utils import set_mask
from torchkeras.losses.wrapper import LossFunctionWrapper
from torchkeras.ops.symbolic_function import symbolic_function

# Torch silently skips targets equal to `ignore_index` (-100 by default); Keras labels have no such value.
_NO_IGNORE_INDEX = -(2**63)


# --- element-wise kernels (what `keras.ops.*_crossentropy` compute) -------------------------------------------


def binary_crossentropy_values(target, output, from_logits=False):
    """Element-wise binary cross-entropy of same-shaped `target` and `output`."""
    if target.shape != output.shape:
        raise ValueError(
            "Arguments `target` and `output` must have the same shape. "
            f"Received: target.shape={target.shape}, output.shape={output.shape}"
        )
    if from_logits:
        return F.binary_cross_entropy_with_logits(output, target, reduction="none")
    eps = epsilon()
    output = torch.clamp(output, eps, 1.0 - eps)
    return (target - 1.0) * torch.log1p(-output) - target * torch.log(output)


def categorical_crossentropy_values(target, output, from_logits=False, axis=-1):
    """Cross-entropy of one-hot (or soft) `target` against `output`, reduced over `axis`."""
    if target.shape != output.shape:
        hint = ""
        if target.dim() < output.dim() or (target.dim() == output.dim() and target.shape[-1] == 1):
            hint = (". If the labels are integer class indices, use `sparse_categorical_crossentropy` instead, "
                    "or one-hot encode them with `keras.utils.to_categorical`.")
        raise ValueError(
            "Arguments `target` and `output` must have the same shape. "
            f"Received: target.shape={target.shape}, output.shape={output.shape}{hint}"
        )
    if target.dim() < 1:
        raise ValueError(
            "Arguments `target` and `output` must be at least rank 1. "
            f"Received: target.shape={target.shape}, output.shape={output.shape}"
        )
    if from_logits:
        log_prob = F.log_softmax(output, dim=axis)
    else:
        output = output / torch.sum(output, dim=axis, keepdim=True)
        eps = epsilon()
        log_prob = torch.log(torch.clamp(output, eps, 1.0 - eps))
    return -torch.sum(target * log_prob, dim=axis)


def sparse_categorical_crossentropy_values(target, output, from_logits=False, axis=-1):
    """Cross-entropy of integer class `target` against `output` (classes along `axis`)."""
    target = target.long() if target.dtype != torch.int64 else target
    if target.dim() == output.dim() and target.shape[axis] == 1:
        target = target.squeeze(axis)
    if output.dim() < 1:
        raise ValueError(f"Argument `output` must be at least rank 1. Received: output.shape={output.shape}")
    expected = list(output.shape)
    del expected[axis]
    if list(target.shape) != expected:
        raise ValueError(
            "Arguments `target` and `output` must have the same shape up until the last dimension: "
            f"target.shape={target.shape}, output.shape={output.shape}"
        )
    squeeze = output.dim() == 1
    if squeeze:
        output, target = output.unsqueeze(0), target.unsqueeze(0)
    else:
        class_axis = axis % output.dim()
        if class_axis != 1:
            output = output.movedim(class_axis, 1)
    try:
        if from_logits:
            result = F.cross_entropy(output, target, reduction="none", ignore_index=_NO_IGNORE_INDEX)
        else:
            output = output / torch.sum(output, dim=1, keepdim=True)
            eps = epsilon()
            log_prob = torch.log(torch.clamp(output, eps, 1.0 - eps))
            result = F.nll_loss(log_prob, target, reduction="none", ignore_index=_NO_IGNORE_INDEX)
    except IndexError:
        raise _label_error(target, output.shape[1], output.shape) from None
    return result.squeeze(0) if squeeze else result


def _label_error(target, num_classes, output_shape):
    bad = target[(target < 0) | (target >= num_classes)]  # only on the error path: a sync is fine here
    label = int(bad.reshape(-1)[0].item()) if bad.numel() else "?"
    return IndexError(
        f"Target {label} is out of bounds. Sparse categorical labels must be integers in [0, {num_classes}) "
        f"because `y_pred` has {num_classes} classes (y_pred.shape={tuple(output_shape)}), but received the "
        f"label {label}. Check the number of units of the output layer, or use one-hot labels with "
        "`categorical_crossentropy`."
    )


# --- loss functions (per-sample values) -----------------------------------------------------------------------


def _check_axis(axis):
    if isinstance(axis, bool):
        raise ValueError(f"`axis` must be of type `int`. Received: axis={axis} of type {type(axis)}")


def _warn_single_class(name, y_pred):
    if y_pred.dim() > 0 and y_pred.shape[-1] == 1:
        warnings.warn(
            f"In loss {name}, expected y_pred.shape to be (batch_size, num_classes) with num_classes > 1. "
            f"Received: y_pred.shape={y_pred.shape}. Consider using 'binary_crossentropy' if you only have 2 "
            "classes.",
            SyntaxWarning,
            stacklevel=3,
        )


@keras_export("keras.losses.binary_crossentropy", "keras.metrics.binary_crossentropy", "keras.losses.bce",
              "keras.losses.BCE", "keras.metrics.bce", "keras.metrics.BCE")
@symbolic_function
def binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """Binary cross-entropy per sample (mean over `axis`); labels are smoothed toward 0.5 by `label_smoothing`."""
    y_true, y_pred = prepare(y_true, y_pred, align=False)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    return torch.mean(binary_crossentropy_values(y_true, y_pred, from_logits=from_logits), dim=axis)


@keras_export("keras.losses.categorical_crossentropy", "keras.metrics.categorical_crossentropy")
@symbolic_function
def categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """Categorical cross-entropy per sample, for one-hot labels; labels are smoothed toward `1/num_classes`."""
    _check_axis(axis)
    y_true, y_pred = prepare(y_true, y_pred, align=False)
    _warn_single_class("categorical_crossentropy", y_pred)
    if label_smoothing:
        num_classes = y_true.shape[-1]
        y_true = y_true * (1.0 - label_smoothing) + label_smoothing / num_classes
    return categorical_crossentropy_values(y_true, y_pred, from_logits=from_logits, axis=axis)


@keras_export("keras.losses.sparse_categorical_crossentropy", "keras.metrics.sparse_categorical_crossentropy")
@symbolic_function
def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, ignore_class=None, axis=-1):
    """Cross-entropy per sample for integer labels. Labels equal to `ignore_class` get 0 loss and are masked out."""
    y_pred = convert(y_pred)
    if not y_pred.is_floating_point():
        y_pred = y_pred.to(dtypes.to_torch_dtype(floatx()))
    y_true = convert(y_true, device=y_pred.device)  # labels keep their integer dtype when they have one
    if y_true.dim() == y_pred.dim() and y_true.shape[axis] == 1:
        y_true = y_true.squeeze(axis)
    valid_mask = None
    if ignore_class is not None:
        class_axis = normalize_axis(axis, y_pred.dim())
        res_shape = tuple(d for i, d in enumerate(y_pred.shape) if i != class_axis)
        valid_mask = y_true != ignore_class
        y_true = torch.where(valid_mask, y_true, 0)
        # Ignored positions get a uniform row (masked out below), which keeps their gradient finite.
        y_pred = torch.where(valid_mask.unsqueeze(axis), y_pred, 1.0)
    res = sparse_categorical_crossentropy_values(y_true, y_pred, from_logits=from_logits, axis=axis)
    if valid_mask is not None:
        valid_mask = valid_mask.reshape(res_shape)
        res = set_mask(torch.where(valid_mask, res, 0.0), valid_mask)
    return res


def _check_sparse_labels(y_true, y_pred, from_logits=False, ignore_class=None, axis=-1):
    """Raise a clear error for labels outside `[0, num_classes)` or not whole numbers (one device sync; run on
    the first batch, and by the trainer over in-memory labels)."""
    del from_logits
    label_checks.check_sparse_categorical_labels(y_true, y_pred, ignore_class=ignore_class, axis=axis)


sparse_categorical_crossentropy._keras_check_inputs = _check_sparse_labels


@keras_export("keras.losses.binary_focal_crossentropy", "keras.metrics.binary_focal_crossentropy")
@symbolic_function
def binary_focal_crossentropy(y_true, y_pred, apply_class_balancing=False, alpha=0.25, gamma=2.0,
                              from_logits=False, label_smoothing=0.0, axis=-1):
    """Binary focal cross-entropy per sample: `bce * (1 - p_t)**gamma` (times `alpha_t` with class balancing)."""
    y_true, y_pred = prepare(y_true, y_pred, align=False)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    if from_logits:
        y_pred = torch.sigmoid(y_pred)
    bce = binary_crossentropy_values(y_true, y_pred, from_logits=False)
    p_t = y_true * y_pred + (1 - y_true) * (1 - y_pred)
    focal_bce = torch.pow(1.0 - p_t, gamma) * bce
    if apply_class_balancing:
        focal_bce = (y_true * alpha + (1 - y_true) * (1 - alpha)) * focal_bce
    return torch.mean(focal_bce, dim=axis)


@keras_export("keras.losses.categorical_focal_crossentropy", "keras.metrics.categorical_focal_crossentropy")
@symbolic_function
def categorical_focal_crossentropy(y_true, y_pred, alpha=0.25, gamma=2.0, from_logits=False, label_smoothing=0.0,
                                   axis=-1):
    """Categorical focal cross-entropy per sample: `sum(alpha * (1 - p)**gamma * -y * log(p))`."""
    _check_axis(axis)
    y_true, y_pred = prepare(y_true, y_pred, align=False)
    _warn_single_class("categorical_focal_crossentropy", y_pred)
    if label_smoothing:
        num_classes = y_true.shape[-1]
        y_true = y_true * (1.0 - label_smoothing) + label_smoothing / num_classes
    if from_logits:
        y_pred = torch.softmax(y_pred, dim=axis)
    output = y_pred / torch.sum(y_pred, dim=axis, keepdim=True)
    eps = epsilon()
    output = torch.clamp(output, eps, 1.0 - eps)
    cce = -y_true * torch.log(output)
    focal = torch.pow(1.0 - output, gamma) * alpha * cce
    return torch.sum(focal, dim=axis)


# --- classes --------------------------------------------------------------------------------------------------


@keras_export("keras.losses.BinaryCrossentropy")
class BinaryCrossentropy(LossFunctionWrapper):
    """Cross-entropy between true labels (0 or 1) and predicted probabilities (or logits with `from_logits`)."""

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1, reduction="sum_over_batch_size",
                 name="binary_crossentropy", dtype=None):
        super().__init__(binary_crossentropy, name=name, reduction=reduction, dtype=dtype, from_logits=from_logits,
                         label_smoothing=label_smoothing, axis=axis)
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self.axis = axis

    def get_config(self):
        config = Loss.get_config(self)
        config.update(from_logits=self.from_logits, label_smoothing=self.label_smoothing, axis=self.axis)
        return config


@keras_export("keras.losses.BinaryFocalCrossentropy")
class BinaryFocalCrossentropy(LossFunctionWrapper):
    """Binary focal cross-entropy: down-weights easy examples by `(1 - p_t)**gamma`."""

    def __init__(self, apply_class_balancing=False, alpha=0.25, gamma=2.0, from_logits=False, label_smoothing=0.0,
                 axis=-1, reduction="sum_over_batch_size", name="binary_focal_crossentropy", dtype=None):
        super().__init__(binary_focal_crossentropy, name=name, reduction=reduction, dtype=dtype,
                         apply_class_balancing=apply_class_balancing, alpha=alpha, gamma=gamma,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self.axis = axis
        self.apply_class_balancing = apply_class_balancing
        self.alpha = alpha
        self.gamma = gamma

    def get_config(self):
        config = Loss.get_config(self)
        config.update(from_logits=self.from_logits, label_smoothing=self.label_smoothing, axis=self.axis,
                      apply_class_balancing=self.apply_class_balancing, alpha=self.alpha, gamma=self.gamma)
        return config


@keras_export("keras.losses.CategoricalCrossentropy")
class CategoricalCrossentropy(LossFunctionWrapper):
    """Cross-entropy for one-hot labels against predicted class probabilities (or logits with `from_logits`)."""

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1, reduction="sum_over_batch_size",
                 name="categorical_crossentropy", dtype=None):
        super().__init__(categorical_crossentropy, name=name, reduction=reduction, dtype=dtype,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self.axis = axis

    def get_config(self):
        config = Loss.get_config(self)
        config.update(from_logits=self.from_logits, label_smoothing=self.label_smoothing, axis=self.axis)
        return config


@keras_export("keras.losses.CategoricalFocalCrossentropy")
class CategoricalFocalCrossentropy(LossFunctionWrapper):
    """Categorical focal cross-entropy: down-weights well-classified examples by `(1 - p)**gamma`."""

    def __init__(self, alpha=0.25, gamma=2.0, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="categorical_focal_crossentropy", dtype=None):
        super().__init__(categorical_focal_crossentropy, name=name, reduction=reduction, dtype=dtype, alpha=alpha,
                         gamma=gamma, from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self.axis = axis
        self.alpha = alpha
        self.gamma = gamma

    def get_config(self):
        config = Loss.get_config(self)
        config.update(from_logits=self.from_logits, label_smoothing=self.label_smoothing, axis=self.axis,
                      alpha=self.alpha, gamma=self.gamma)
        return config


@keras_export("keras.losses.SparseCategoricalCrossentropy")
class SparseCategoricalCrossentropy(LossFunctionWrapper):
    """Cross-entropy for integer labels against predicted class probabilities (or logits with `from_logits`).

    `ignore_class`: a label value whose positions get no loss and do not count in the mean (e.g. padding).
    """

    def __init__(self, from_logits=False, ignore_class=None, reduction="sum_over_batch_size", axis=-1,
                 name="sparse_categorical_crossentropy", dtype=None):
        super().__init__(sparse_categorical_crossentropy, name=name, reduction=reduction, dtype=dtype,
                         from_logits=from_logits, ignore_class=ignore_class, axis=axis)
        self.from_logits = from_logits
        self.ignore_class = ignore_class
        self.axis = axis

    def get_config(self):
        config = Loss.get_config(self)
        config.update(from_logits=self.from_logits, ignore_class=self.ignore_class, axis=self.axis)
        return config
