"""Turning a per-sample loss map into the value a loss returns: masks, sample weights and reductions.

`sum_over_batch_size` (the default) and `mean` divide the weighted sum by the number of elements of the loss
map (not by the sum of the weights); `mean_with_sample_weight` divides by the sum of the weights; `sum` sums;
`none`/`None` returns the weighted map.
"""
import torch

from torchkeras.api_export import keras_export
from torchkeras.backend import dtypes
from torchkeras.losses.tensor_utils import convert
from torchkeras.losses.tensor_utils import divide_no_nan
from torchkeras.losses.tensor_utils import squeeze_or_expand_to_same_rank

_ALLOWED = ("sum_over_batch_size", "sum", None, "none", "mean", "mean_with_sample_weight")


@keras_export("keras.losses.Reduction")
class Reduction:
    """Keras 2's reduction names (`keras.losses.Reduction.SUM`, ...), kept so that Keras 2 scripts run."""

    AUTO = "auto"
    NONE = "none"
    SUM = "sum"
    SUM_OVER_BATCH_SIZE = "sum_over_batch_size"

    @classmethod
    def all(cls):
        return (cls.AUTO, cls.NONE, cls.SUM, cls.SUM_OVER_BATCH_SIZE)

    @classmethod
    def validate(cls, key):
        standardize_reduction(key)


def standardize_reduction(reduction):
    """Validate `reduction`. Keras 2's `"auto"` means `"sum_over_batch_size"` (what it did outside TF strategies)."""
    if reduction == "auto":
        return "sum_over_batch_size"
    if reduction not in _ALLOWED:
        allowed = "{" + ", ".join(repr(r) for r in _ALLOWED) + "}"
        raise ValueError(
            f"Invalid value for argument `reduction`. Expected one of {allowed}. Received: reduction={reduction}"
        )
    return reduction


def apply_mask(sample_weight, mask, dtype, reduction):
    """Fold a Keras mask into the sample weights.

    For `mean`/`sum_over_batch_size` the valid entries get the weight `total/valid`, so that dividing by the
    element count afterwards gives the mean over the valid entries only.
    """
    if mask is None:
        return sample_weight
    dtype = dtypes.to_torch_dtype(dtype)
    if reduction in ("mean", "sum_over_batch_size"):
        bool_mask = mask if mask.dtype == torch.bool else mask != 0
        valid = bool_mask.sum(dtype=dtype)
        mask_weight = divide_no_nan(float(bool_mask.numel()), valid)
        float_mask = torch.where(bool_mask, mask_weight, 0.0)
    else:
        float_mask = mask.to(dtype)
    if sample_weight is None:
        return float_mask
    sample_weight = convert(sample_weight, dtype, mask.device)
    float_mask, sample_weight = squeeze_or_expand_to_same_rank(float_mask, sample_weight)
    return sample_weight * float_mask


def reduce_values(values, sample_weight=None, reduction="sum_over_batch_size"):
    """Apply `reduction` to an already weighted loss map (a scalar or empty map is returned as is)."""
    if reduction is None or reduction == "none" or values.dim() == 0 or tuple(values.shape) == (0,):
        return values
    if reduction in ("sum_over_batch_size", "mean", "mean_with_sample_weight"):
        if reduction == "mean_with_sample_weight" and sample_weight is not None:
            return divide_no_nan(values.sum(), sample_weight.sum().to(values.dtype))
        if values.is_floating_point():
            return values.mean()  # the sum over the number of values (torch's mean is that sum, divided)
        return values.sum() / values.numel()
    return values.sum()


def reduce_weighted_values(values, sample_weight=None, mask=None, reduction="sum_over_batch_size", dtype=None):
    """Weight a per-sample loss map by `sample_weight` and `mask`, then reduce it."""
    reduction = standardize_reduction(reduction)
    values = convert(values, dtype)
    if sample_weight is not None:
        sample_weight = convert(sample_weight, values.dtype, values.device)
    if mask is not None:
        mask = convert(mask, device=values.device)
    sample_weight = apply_mask(sample_weight, mask, values.dtype, reduction)
    if sample_weight is not None:
        values, sample_weight = squeeze_or_expand_to_same_rank(values, sample_weight)
        values = values * sample_weight
    return reduce_values(values, sample_weight, reduction)
