"""Circle loss (Sun et al., 2020) for metric learning on L2-normalized embeddings (function and class)."""
import torch
import torch.nn.functional as F

from torchkeras.api_export import keras_export
from torchkeras.losses.loss import Loss
from torchkeras.losses.tensor_utils import convert
from torchkeras.losses.tensor_utils import set_mask
from torchkeras.losses.wrapper import LossFunctionWrapper
from torchkeras.ops.symbolic_function import symbolic_function


def _pos_neg_masks(query_labels, key_labels, remove_diagonal=True):
    if query_labels.dim() == 1:
        query_labels = query_labels.reshape(-1, 1)
    if key_labels.dim() == 1:
        key_labels = key_labels.reshape(-1, 1)
    positive = query_labels == key_labels.transpose(0, 1)
    negative = ~positive
    if remove_diagonal:
        eye = torch.eye(query_labels.numel(), key_labels.numel(), dtype=torch.bool, device=positive.device)
        positive = positive & ~eye
    return positive, negative


@keras_export("keras.losses.circle")
@symbolic_function
def circle(y_true, y_pred, ref_labels=None, ref_embeddings=None, remove_diagonal=True, gamma=80, margin=0.4):
    """Circle loss per sample.

    `y_true`: integer labels `(batch_size,)`; `y_pred`: L2-normalized embeddings `(batch_size, dim)`. Pairs are
    formed against `ref_embeddings`/`ref_labels` (default: the batch itself). Samples with no loss are masked.
    """
    y_pred = convert(y_pred)
    y_true = convert(y_true, device=y_pred.device).to(torch.int32)
    ref_embeddings = y_pred if ref_embeddings is None else convert(ref_embeddings, y_pred.dtype, y_pred.device)
    ref_labels = y_true if ref_labels is None else convert(ref_labels, device=y_pred.device).to(torch.int32)

    distances = torch.clamp(1 - torch.matmul(y_pred, ref_embeddings.transpose(0, 1)), min=0.0)
    positive, negative = _pos_neg_masks(y_true, ref_labels, remove_diagonal=remove_diagonal)
    pos_weights = torch.clamp((margin + distances) * positive.to(distances.dtype), min=0.0)
    neg_weights = torch.clamp((1 + margin - distances) * negative.to(distances.dtype), min=0.0)
    pos_wdists = -1 * gamma * pos_weights * (margin - distances)
    neg_wdists = gamma * neg_weights * ((1 - margin) - distances)
    p_loss = torch.logsumexp(torch.where(positive, pos_wdists, float("-inf")), dim=1)
    n_loss = torch.logsumexp(torch.where(negative, neg_wdists, float("-inf")), dim=1)
    loss = F.softplus(p_loss + n_loss)
    return set_mask(loss, loss > 0)


@keras_export("keras.losses.Circle")
class Circle(LossFunctionWrapper):
    """Circle loss: pulls same-label embeddings together and pushes others apart, with adaptive weights.

    Args: `gamma` (scale, default 80), `margin` (default 0.4), `remove_diagonal` (ignore self-pairs).
    """

    def __init__(self, gamma=80.0, margin=0.4, remove_diagonal=True, reduction="sum_over_batch_size",
                 name="circle", dtype=None):
        super().__init__(circle, name=name, reduction=reduction, dtype=dtype, gamma=gamma, margin=margin,
                         remove_diagonal=remove_diagonal)
        self.gamma = gamma
        self.margin = margin
        self.remove_diagonal = remove_diagonal

    def get_config(self):
        config = Loss.get_config(self)
        config.update(gamma=self.gamma, margin=self.margin, remove_diagonal=self.remove_diagonal)
        return config
