"""`TorchLossWrapper`: a torch loss module (`torch.nn.CrossEntropyLoss()`, ...) used as a Keras loss.

Torch losses are called `loss(input, target)`, Keras losses `loss(y_true, y_pred)`: the wrapper swaps them.
Targets are adapted the way Keras data usually comes: class indices become `long` (and a trailing dim of 1 is
dropped) for the class-index losses, and integer labels become floats shaped like the predictions for the
others. Without sample weights (or a Keras mask) the torch loss reduces itself, so the value is exactly the
torch one; with them, it runs with `reduction="none"` and Keras's weighting and reduction apply.
"""
import torch

from torchkeras.backend import naming
from torchkeras.losses.loss import Loss
from torchkeras.losses.reduction import reduce_weighted_values
from torchkeras.losses.tensor_utils import get_mask
from torchkeras.losses.tensor_utils import squeeze_or_expand_to_same_rank

# Losses whose target holds class indices (or class probabilities shaped like the input).
_CLASS_INDEX_LOSSES = (torch.nn.CrossEntropyLoss, torch.nn.NLLLoss, torch.nn.MultiMarginLoss)
_TORCH_TO_KERAS_REDUCTION = {"mean": "sum_over_batch_size", "sum": "sum", "none": "none"}


def is_torch_loss(obj):
    """True for torch loss modules (instances of `torch.nn.modules.loss._Loss`)."""
    return isinstance(obj, torch.nn.modules.loss._Loss)


class TorchLossWrapper(Loss):
    """Wrap a torch loss module so that Keras calls it as `loss(y_true, y_pred, sample_weight=None)`.

    Args:
        loss: a `torch.nn.modules.loss._Loss` instance, e.g. `torch.nn.CrossEntropyLoss()`.
        name: the loss's name (default: the snake-cased class name, e.g. `"cross_entropy_loss"`).
    """

    def __init__(self, loss, name=None):
        if not is_torch_loss(loss):
            raise TypeError(
                "`TorchLossWrapper` expects a torch loss module such as `torch.nn.CrossEntropyLoss()`. "
                f"Received: loss={loss!r} (of type {type(loss).__name__})"
            )
        torch_reduction = getattr(loss, "reduction", "mean")
        super().__init__(name=name or naming.to_snake_case(type(loss).__name__),
                         reduction=_TORCH_TO_KERAS_REDUCTION.get(torch_reduction, "sum_over_batch_size"))
        self.loss = loss

    def __call__(self, y_true, y_pred, sample_weight=None):
        if not isinstance(y_pred, torch.Tensor):
            y_pred = torch.as_tensor(y_pred)
        target = self._target(y_true, y_pred)
        mask = get_mask(y_pred)
        if sample_weight is None and mask is None:
            return self.loss(y_pred, target)
        own_reduction = self.loss.reduction
        self.loss.reduction = "none"
        try:
            values = self.loss(y_pred, target)
        finally:
            self.loss.reduction = own_reduction
        if mask is not None and mask.dim() > values.dim():
            mask = mask.reshape(values.shape) if mask.numel() == values.numel() else None
        return reduce_weighted_values(values, sample_weight=sample_weight, mask=mask, reduction=self.reduction,
                                      dtype=values.dtype)

    def call(self, y_true, y_pred):
        """Per-sample losses: the torch loss with `reduction="none"`."""
        own_reduction = self.loss.reduction
        self.loss.reduction = "none"
        try:
            return self.loss(y_pred, self._target(y_true, y_pred))
        finally:
            self.loss.reduction = own_reduction

    def _target(self, y_true, y_pred):
        if not isinstance(y_true, torch.Tensor):
            y_true = torch.as_tensor(y_true)
        if y_true.device != y_pred.device:
            y_true = y_true.to(y_pred.device, non_blocking=True)
        if isinstance(self.loss, _CLASS_INDEX_LOSSES):
            if y_true.is_floating_point() and y_true.shape == y_pred.shape:
                return y_true.to(y_pred.dtype)  # class probabilities
            if y_true.dim() == y_pred.dim() and y_true.dim() > 1 and y_true.shape[-1] == 1:
                y_true = y_true.squeeze(-1)
            return y_true.long()
        if not y_true.is_floating_point():
            y_true = y_true.to(y_pred.dtype)
        y_true, _ = squeeze_or_expand_to_same_rank(y_true, y_pred)
        return y_true

    def get_config(self):
        return {"name": self.name, "loss_class": f"{type(self.loss).__module__}.{type(self.loss).__qualname__}"}

    @classmethod
    def from_config(cls, config):
        raise ValueError(
            "A torch loss module cannot be rebuilt from a Keras config: pass it again to `compile(loss=...)`."
        )
