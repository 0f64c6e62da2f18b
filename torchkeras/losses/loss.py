"""`keras.losses.Loss`: the base class of every loss."""
import torch

from torchkeras import dtype_policies
from torchkeras.api_export import keras_export
from torchkeras.backend import naming
from torchkeras.backend.config import floatx
from torchkeras.losses.reduction import reduce_weighted_values
from torchkeras.losses.reduction import standardize_reduction
from torchkeras.losses.tensor_utils import convert
from torchkeras.losses.tensor_utils import first_device
from torchkeras.losses.tensor_utils import get_mask
from torchkeras.losses.tensor_utils import is_structure
from torchkeras.utils import tree


@keras_export("keras.losses.Loss", "keras.Loss")
class Loss:
    """Loss base class: subclass it and implement `call(y_true, y_pred)`, returning per-sample loss values.

    Args:
        name: Optional name for the loss instance.
        reduction: `"sum_over_batch_size"` (default), `"sum"`, `"mean"`, `"mean_with_sample_weight"`, `"none"` or
            `None`.
        dtype: The dtype of the loss's computations (default `keras.backend.floatx()`).

    `loss(y_true, y_pred, sample_weight=None)` casts both inputs to `dtype`, calls `call`, folds in the Keras
    mask of `y_pred` (if any) and `sample_weight`, and applies the reduction.
    """

    def __init__(self, name=None, reduction="sum_over_batch_size", dtype=None):
        self.name = name or naming.auto_name(naming.to_snake_case(type(self).__name__))
        self.reduction = standardize_reduction(reduction)
        self._dtype_policy = dtype_policies.get(dtype or floatx())
        self._dtype = self._dtype_policy.compute_dtype

    @property
    def dtype(self):
        return self._dtype

    def __call__(self, y_true, y_pred, sample_weight=None):
        in_mask = get_mask(y_pred)
        dtype = self._dtype
        if not is_structure(y_pred) and not is_structure(y_true):
            y_pred = convert(y_pred, dtype)
            y_true = convert(y_true, dtype, y_pred.device)
        else:
            device = first_device(y_pred) or first_device(y_true)
            y_pred = tree.map_structure(lambda x: convert(x, dtype, device), y_pred)
            y_true = tree.map_structure(lambda x: convert(x, dtype, device), y_true)
        losses = self.call(y_true, y_pred)
        out_mask = get_mask(losses)
        if in_mask is not None and out_mask is not None:
            mask = _as_bool(in_mask) & _as_bool(out_mask)
        else:
            mask = in_mask if in_mask is not None else out_mask
        return reduce_weighted_values(losses, sample_weight=sample_weight, mask=mask, reduction=self.reduction,
                                      dtype=dtype)

    def call(self, y_true, y_pred):
        raise NotImplementedError(
            f"Loss subclass {type(self).__name__} must implement `call(y_true, y_pred)`, returning the loss "
            "values per sample."
        )

    def get_config(self):
        return {"name": self.name, "reduction": self.reduction}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def _obj_type(self):
        return "Loss"


def _as_bool(mask):
    mask = convert(mask)
    return mask if mask.dtype == torch.bool else mask != 0
