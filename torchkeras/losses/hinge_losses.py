"""Hinge losses: hinge, squared hinge and categorical hinge (functions and classes)."""
import torch

from torchkeras.api_export import keras_export
from torchkeras.losses.loss import Loss
from torchkeras.losses.tensor_utils import prepare
from torchkeras.losses.wrapper import LossFunctionWrapper
from torchkeras.ops.symbolic_function import symbolic_function


def convert_binary_labels_to_hinge(y_true):
    """Map 0/1 labels to -1/1 when every label in the batch is 0 or 1; leave other labels unchanged."""
    is_binary = torch.all((y_true == 0) | (y_true == 1))
    return torch.where(is_binary, 2.0 * y_true - 1.0, y_true)


@keras_export("keras.losses.hinge", "keras.metrics.hinge")
@symbolic_function
def hinge(y_true, y_pred):
    """Hinge loss per sample: `mean(maximum(1 - y_true * y_pred, 0), axis=-1)`, labels -1/1 (0/1 converted)."""
    y_true, y_pred = prepare(y_true, y_pred, align=False)
    y_true = convert_binary_labels_to_hinge(y_true)
    return torch.mean(torch.clamp(1.0 - y_true * y_pred, min=0.0), dim=-1)


@keras_export("keras.losses.squared_hinge", "keras.metrics.squared_hinge")
@symbolic_function
def squared_hinge(y_true, y_pred):
    """Squared hinge loss per sample: `mean(square(maximum(1 - y_true * y_pred, 0)), axis=-1)`."""
    y_true, y_pred = prepare(y_true, y_pred, align=False)
    y_true = convert_binary_labels_to_hinge(y_true)
    return torch.mean(torch.square(torch.clamp(1.0 - y_true * y_pred, min=0.0)), dim=-1)


@keras_export("keras.losses.categorical_hinge", "keras.metrics.categorical_hinge")
@symbolic_function
def categorical_hinge(y_true, y_pred):
    """Categorical hinge per sample: `maximum(max((1 - y_true) * y_pred) - sum(y_true * y_pred) + 1, 0)`."""
    y_true, y_pred = prepare(y_true, y_pred, align=False)
    pos = torch.sum(y_true * y_pred, dim=-1)
    neg = torch.amax((1.0 - y_true) * y_pred, dim=-1)
    return torch.clamp(neg - pos + 1.0, min=0.0)


@keras_export("keras.losses.Hinge")
class Hinge(LossFunctionWrapper):
    """Hinge loss between labels (-1/1; 0/1 are converted) and predictions."""

    def __init__(self, reduction="sum_over_batch_size", name="hinge", dtype=None):
        super().__init__(hinge, name=name, reduction=reduction, dtype=dtype)

    def get_config(self):
        return Loss.get_config(self)


@keras_export("keras.losses.SquaredHinge")
class SquaredHinge(LossFunctionWrapper):
    """Squared hinge loss between labels (-1/1; 0/1 are converted) and predictions."""

    def __init__(self, reduction="sum_over_batch_size", name="squared_hinge", dtype=None):
        super().__init__(squared_hinge, name=name, reduction=reduction, dtype=dtype)

    def get_config(self):
        return Loss.get_config(self)


@keras_export("keras.losses.CategoricalHinge")
class CategoricalHinge(LossFunctionWrapper):
    """Categorical hinge loss between one-hot labels and predictions."""

    def __init__(self, reduction="sum_over_batch_size", name="categorical_hinge", dtype=None):
        super().__init__(categorical_hinge, name=name, reduction=reduction, dtype=dtype)

    def get_config(self):
        return Loss.get_config(self)
