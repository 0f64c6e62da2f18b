"""Probabilistic losses: KL divergence, Poisson, and the categorical generalized cross-entropy (functions and
classes)."""
import torch
import torch.nn.functional as F

from torchkeras.api_export import keras_export
from torchkeras.backend.config import epsilon
from torchkeras.losses.loss import Loss
from torchkeras.losses.tensor_utils import convert
from torchkeras.losses.tensor_utils import prepare
from torchkeras.losses.wrapper import LossFunctionWrapper
from torchkeras.ops.symbolic_function import symbolic_function


@keras_export("keras.losses.kl_divergence", "keras.metrics.kl_divergence", "keras.losses.kld", "keras.losses.KLD",
              "keras.losses.kullback_leibler_divergence", "keras.metrics.kld", "keras.metrics.KLD",
              "keras.metrics.kullback_leibler_divergence")
@symbolic_function
def kl_divergence(y_true, y_pred):
    """Kullback-Leibler divergence per sample: `sum(y_true * log(y_true / y_pred), axis=-1)`, both clipped to
    `[epsilon, 1]`."""
    y_true, y_pred = prepare(y_true, y_pred, align=False)
    eps = epsilon()
    y_true = torch.clamp(y_true, eps, 1.0)
    y_pred = torch.clamp(y_pred, eps, 1.0)
    return torch.sum(y_true * torch.log(y_true / y_pred), dim=-1)


@keras_export("keras.losses.poisson", "keras.metrics.poisson")
@symbolic_function
def poisson(y_true, y_pred):
    """Poisson loss per sample: `mean(y_pred - y_true * log(y_pred + epsilon), axis=-1)`."""
    y_true, y_pred = prepare(y_true, y_pred, align=False)
    return torch.mean(y_pred - y_true * torch.log(y_pred + epsilon()), dim=-1)


@keras_export("keras.losses.categorical_generalized_cross_entropy")
@symbolic_function
def categorical_generalized_cross_entropy(y_true, y_pred, q):
    """Generalized cross-entropy (Zhang & Sabuncu, 2018) per sample for integer labels: `(1 - p**q) / q`, where
    `p` is the predicted probability of the true class."""
    y_pred = convert(y_pred)
    labels = convert(y_true, device=y_pred.device).long()
    if labels.dim() == y_pred.dim() and labels.shape[-1] == 1:
        labels = labels.squeeze(-1)
    num_classes = y_pred.shape[-1]
    # A negative label has no true class (p = 0), like Keras's one_hot.
    one_hot = F.one_hot(torch.clamp(labels, min=0), num_classes).to(y_pred.dtype) * (labels >= 0).unsqueeze(-1)
    p = torch.sum(y_pred * one_hot, dim=-1)
    return (1 - torch.pow(p, q)) / q


@keras_export("keras.losses.KLDivergence")
class KLDivergence(LossFunctionWrapper):
    """Kullback-Leibler divergence between label and prediction distributions."""

    def __init__(self, reduction="sum_over_batch_size", name="kl_divergence", dtype=None):
        super().__init__(kl_divergence, name=name, reduction=reduction, dtype=dtype)

    def get_config(self):
        return Loss.get_config(self)


@keras_export("keras.losses.Poisson")
class Poisson(LossFunctionWrapper):
    """Poisson loss: `y_pred - y_true * log(y_pred)`."""

    def __init__(self, reduction="sum_over_batch_size", name="poisson", dtype=None):
        super().__init__(poisson, name=name, reduction=reduction, dtype=dtype)

    def get_config(self):
        return Loss.get_config(self)


@keras_export("keras.losses.CategoricalGeneralizedCrossEntropy")
class CategoricalGeneralizedCrossEntropy(LossFunctionWrapper):
    """Generalized cross-entropy, robust to noisy labels: `q -> 0` is cross-entropy, `q = 1` is MAE.

    Labels are integer class indices; `q` must be in (0, 1).
    """

    def __init__(self, q=0.5, reduction="sum_over_batch_size", name="categorical_generalized_cross_entropy",
                 dtype=None):
        if not 0 < q < 1:
            raise ValueError(f"q must be in the interval (0, 1). Received: q={q}")
        super().__init__(categorical_generalized_cross_entropy, name=name, reduction=reduction, dtype=dtype, q=q)
        self.q = q

    def get_config(self):
        config = Loss.get_config(self)
        config["q"] = self.q
        return config
