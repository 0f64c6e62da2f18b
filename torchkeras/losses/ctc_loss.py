"""Connectionist Temporal Classification loss (function and class)."""
import torch
import torch.nn.functional as F

from torchkeras.api_export import keras_export
from torchkeras.losses.loss import Loss
from torchkeras.losses.tensor_utils import convert
from torchkeras.losses.wrapper import LossFunctionWrapper
from torchkeras.ops.symbolic_function import symbolic_function


@keras_export("keras.losses.ctc")
@symbolic_function
def ctc(y_true, y_pred):
    """CTC loss per sample.

    `y_true`: integer labels `(batch_size, max_length)`, padded with 0 (0 is also the blank class).
    `y_pred`: logits `(batch_size, timesteps, num_classes)`; every sequence uses all timesteps.
    """
    y_pred = convert(y_pred)
    y_true = convert(y_true, device=y_pred.device)
    if y_true.dim() != 2:
        raise ValueError(
            "Targets `y_true` are expected to be a tensor of shape `(batch_size, max_length)` in integer format. "
            f"Received: y_true.shape={tuple(y_true.shape)}"
        )
    if y_pred.dim() != 3:
        raise ValueError(
            "Logits `y_pred` are expected to be a tensor of shape `(batch_size, max_length, num_classes)`. "
            f"Received: y_pred.shape={tuple(y_pred.shape)}"
        )
    if not y_pred.is_floating_point() or y_pred.dtype in (torch.float16, torch.bfloat16):
        y_pred = y_pred.float()
    batch_size, timesteps = y_pred.shape[0], y_pred.shape[1]
    targets = y_true.long()
    target_lengths = torch.sum(targets != 0, dim=-1)
    input_lengths = torch.full((batch_size,), timesteps, dtype=torch.long, device=y_pred.device)
    log_probs = F.log_softmax(y_pred.transpose(0, 1), dim=-1)
    return F.ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=0, reduction="none")


@keras_export("keras.losses.CTC")
class CTC(LossFunctionWrapper):
    """CTC (Connectionist Temporal Classification) loss; labels are padded with 0, the blank class."""

    def __init__(self, reduction="sum_over_batch_size", name="ctc", dtype=None):
        super().__init__(ctc, name=name, reduction=reduction, dtype=dtype)

    def get_config(self):
        return Loss.get_config(self)
