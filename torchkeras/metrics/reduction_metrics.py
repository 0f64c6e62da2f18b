"""Reduction metrics: `Sum`, `Mean`, and `MeanMetricWrapper` (the mean of a function's per-sample values)."""
import torch

from torchkeras.api_export import keras_export
from torchkeras.backend import dtypes
from torchkeras.losses.function_configs import deserialize_function
from torchkeras.losses.function_configs import wrapper_arguments
from torchkeras.losses.function_configs import wrapper_config
from torchkeras.losses.identifiers import ALL_OBJECTS as LOSS_OBJECTS
from torchkeras.losses.reduction import apply_mask
from torchkeras.losses.tensor_utils import convert
from torchkeras.losses.tensor_utils import get_mask
from torchkeras.losses.tensor_utils import has_data
from torchkeras.losses.tensor_utils import squeeze_or_expand_to_same_rank
from torchkeras.metrics.metric import Metric


def reduce_to_samplewise_values(values, sample_weight, reduce_fn, dtype, device=None):
    """Weight `values` and reduce them to one value per sample (and the weights to one per sample).

    Values of higher rank than the weights are first reduced over their extra axes; then both are reduced over
    every non-batch axis with `reduce_fn` (`torch.mean` for `Mean`, `torch.sum` for `Sum`).
    """
    mask = get_mask(values)
    values = convert(values, dtype, device)
    if sample_weight is not None:
        sample_weight = convert(sample_weight, dtype, values.device)
        if mask is not None:
            sample_weight = apply_mask(sample_weight, convert(mask, device=values.device), dtype, reduction="sum")
        values, sample_weight = squeeze_or_expand_to_same_rank(values, sample_weight)
        weight_ndim, values_ndim = sample_weight.dim(), values.dim()
        if values_ndim > weight_ndim:
            values = reduce_fn(values, dim=tuple(range(weight_ndim, values_ndim)))
        values = values * sample_weight.expand(values.shape)
        if weight_ndim > 1:
            sample_weight = reduce_fn(sample_weight.expand(values.shape), dim=tuple(range(1, weight_ndim)))
    if values.dim() > 1:
        values = reduce_fn(values, dim=tuple(range(1, values.dim())))
    return values, sample_weight


@keras_export("keras.metrics.Sum")
class Sum(Metric):
    """The (weighted) sum of the given values."""

    def __init__(self, name="sum", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_variable(shape=(), initializer="zeros", dtype=self.dtype, name="total")

    def update_state(self, values, sample_weight=None):
        values, _ = reduce_to_samplewise_values(values, sample_weight, torch.sum, self.dtype, self.total.device)
        self.total.add_(torch.sum(values))

    def result(self):
        return self.total.detach().clone()


@keras_export("keras.metrics.Mean")
class Mean(Metric):
    """The (weighted) mean of the given values: `total / count`.

    Values of rank > 1 are first averaged to one value per sample; `count` grows by the batch size (or by the
    sum of the sample weights).
    """

    def __init__(self, name="mean", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_variable(shape=(), initializer="zeros", dtype=self.dtype, name="total")
        self.count = self.add_variable(shape=(), initializer="zeros", dtype=self.dtype, name="count")

    def update_state(self, values, sample_weight=None):
        total = self.total
        if isinstance(values, torch.Tensor) and values.dim() == 0 and isinstance(sample_weight, (int, float)) \
                and values.device == total.device and getattr(values, "_keras_mask", None) is None:
            # A scalar weighted by a number (the loss tracker: the batch loss weighted by the batch size).
            total.add_(values.to(total.dtype), alpha=sample_weight)
            self.count.add_(sample_weight)
            return
        values, sample_weight = reduce_to_samplewise_values(values, sample_weight, torch.mean, self.dtype,
                                                            total.device)
        total.add_(torch.sum(values))
        if sample_weight is not None:
            self.count.add_(torch.sum(sample_weight))
        else:
            self.count.add_(values.shape[0] if values.dim() >= 1 else 1)

    def result(self):
        # `total / count`, 0 when nothing was seen (Keras's divide_no_nan): the count is never a positive number
        # below the smallest normal number of its dtype, so clamping it only replaces 0 by a tiny divisor of a zero total.
        return self.total / self.count.clamp_min(torch.finfo(self.count.dtype).tiny)


@keras_export("keras.metrics.MeanMetricWrapper")
class MeanMetricWrapper(Mean):
    """The mean of `fn(y_true, y_pred, **kwargs)` over all samples seen (e.g. accuracy, mean absolute error).

    Args:
        fn: The function to wrap, returning one value per sample (or per position).
        name: Name of the metric.
        dtype: The dtype of the metric's computations.
        **kwargs: Passed to `fn`.
    """

    def __init__(self, fn, name=None, dtype=None, **kwargs):
        super().__init__(name=name, dtype=dtype)
        if isinstance(fn, str):
            fn = deserialize_function(fn, builtin_metric_function)
        self._fn = fn
        self._fn_kwargs = kwargs
        self._inputs_checked = False
        if any(fn is obj or type(fn) is obj for obj in LOSS_OBJECTS):
            self._direction = "down"  # the mean of a loss: lower is better

    def update_state(self, y_true, y_pred, sample_weight=None):
        mask = get_mask(y_pred)
        if not self._inputs_checked and has_data(y_pred):
            check = getattr(self._fn, "_keras_check_inputs", None)
            if check is not None:
                check(y_true, y_pred, **self._fn_kwargs)
            self._inputs_checked = True
        values = self._fn(y_true, y_pred, **self._fn_kwargs)
        if mask is not None:
            mask = convert(mask, device=values.device)
            sample_weight = apply_mask(sample_weight, mask, dtypes.to_torch_dtype(self.dtype), reduction="sum")
        return super().update_state(values, sample_weight=sample_weight)

    def get_config(self):
        return wrapper_config(super().get_config(), self._fn, self._fn_kwargs)

    @classmethod
    def from_config(cls, config):
        return cls(**wrapper_arguments(config, builtin_metric_function))


def builtin_metric_function(name):
    """A metric or loss function by name (Keras 2 files store e.g. `"fn": "sparse_categorical_accuracy"`)."""
    from torchkeras import metrics

    fn = getattr(metrics, name, None) if isinstance(name, str) else None
    return fn if callable(fn) and not isinstance(fn, type) else None
