"""The `Loss.__call__` pipeline: rank alignment, masks, sample weights and every reduction."""
import numpy as np
import pytest
import torch

from torchkeras.losses import Loss
from torchkeras.losses import LossFunctionWrapper
from torchkeras.losses import MeanAbsoluteError
from torchkeras.losses import MeanSquaredError
from torchkeras.losses import Reduction
from torchkeras.losses.reduction import reduce_weighted_values
from torchkeras.losses.tensor_utils import divide_no_nan
from torchkeras.losses.tensor_utils import squeeze_or_expand_to_same_rank


def _data(shape, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=shape).astype("float32"), rng.normal(size=shape).astype("float32")


def test_default_reduction_is_mean_over_all_elements(device):
    y, p = _data((5, 3))
    loss = MeanSquaredError()(torch.tensor(y, device=device), torch.tensor(p, device=device))
    assert loss.device.type == device and loss.shape == ()
    np.testing.assert_allclose(loss.cpu().numpy(), np.mean((y - p) ** 2), rtol=1e-6)


@pytest.mark.parametrize("reduction", ["sum_over_batch_size", "mean", "sum", "mean_with_sample_weight", "none", None])
def test_reductions_with_sample_weight(reduction):
    y, p = _data((6, 2))
    w = np.arange(6, dtype="float32")
    per_sample = np.mean((y - p) ** 2, axis=-1)
    expected = {
        "sum_over_batch_size": np.sum(per_sample * w) / 6,
        "mean": np.sum(per_sample * w) / 6,
        "sum": np.sum(per_sample * w),
        "mean_with_sample_weight": np.sum(per_sample * w) / np.sum(w),
        "none": per_sample * w,
        None: per_sample * w,
    }[reduction]
    got = MeanSquaredError(reduction=reduction)(y, p, sample_weight=w)
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-6)


def test_mean_with_sample_weight_without_weights_is_plain_mean():
    y, p = _data((4, 3))
    got = MeanAbsoluteError(reduction="mean_with_sample_weight")(y, p)
    np.testing.assert_allclose(got.numpy(), np.mean(np.abs(y - p)), rtol=1e-6)


def test_zero_weights_divide_to_zero_not_nan():
    y, p = _data((3, 2))
    got = MeanSquaredError(reduction="mean_with_sample_weight")(y, p, sample_weight=np.zeros(3, "float32"))
    assert got.item() == 0.0


def test_temporal_outputs_reduce_over_last_axis_only():
    y, p = _data((2, 4, 3))
    per_step = MeanSquaredError(reduction="none")(y, p)
    assert tuple(per_step.shape) == (2, 4)
    w = np.array([[1.0, 2.0, 0.0, 1.0], [0.5, 0.5, 0.5, 0.5]], dtype="float32")
    got = MeanSquaredError()(y, p, sample_weight=w)
    np.testing.assert_allclose(got.numpy(), np.sum(np.mean((y - p) ** 2, -1) * w) / 8, rtol=1e-6)


def test_per_sample_weight_on_temporal_loss_needs_a_column():
    y, p = _data((2, 4, 3))
    got = MeanSquaredError()(y, p, sample_weight=np.array([[1.0], [3.0]], dtype="float32"))
    expected = np.sum(np.mean((y - p) ** 2, -1) * np.array([[1.0], [3.0]])) / 8
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-6)
    with pytest.raises(RuntimeError):  # (N,) against an (N, T) loss map cannot broadcast, as in Keras
        MeanSquaredError()(np.zeros((2, 3, 3), "float32"), np.zeros((2, 3, 3), "float32"),
                           sample_weight=np.ones(2, "float32"))


def test_rank_alignment_of_flat_labels_against_column_predictions():
    y = np.array([1.0, 2.0, 3.0, 4.0], dtype="float32")
    p = y.reshape(4, 1)
    assert MeanSquaredError()(y, p).item() == 0.0  # not the (4, 4) broadcast torch would give
    assert MeanSquaredError()(p, y).item() == 0.0


def test_squeeze_or_expand_to_same_rank():
    a, b = squeeze_or_expand_to_same_rank(torch.zeros(4), torch.zeros(4, 1))
    assert a.shape == (4, 1) and b.shape == (4, 1)
    a, b = squeeze_or_expand_to_same_rank(torch.zeros(4), torch.zeros(4, 1), expand_rank_1=False)
    assert a.shape == (4,) and b.shape == (4,)
    a, b = squeeze_or_expand_to_same_rank(torch.zeros(2, 3, 1), torch.zeros(2, 3))
    assert a.shape == (2, 3) and b.shape == (2, 3)
    a, b = squeeze_or_expand_to_same_rank(torch.zeros(2, 3), torch.zeros(2, 3, 4))
    assert a.shape == (2, 3) and b.shape == (2, 3, 4)


def test_mask_gives_mean_over_valid_entries(device):
    y, p = _data((2, 4, 3))
    mask = np.array([[1, 1, 0, 0], [1, 1, 1, 0]], dtype=bool)
    pred = torch.tensor(p, device=device)
    pred._keras_mask = torch.tensor(mask, device=device)
    got = MeanSquaredError()(torch.tensor(y, device=device), pred)
    per_step = np.mean((y - p) ** 2, -1)
    np.testing.assert_allclose(got.cpu().numpy(), per_step[mask].mean(), rtol=1e-6)
    summed = MeanSquaredError(reduction="sum")(y, pred)
    np.testing.assert_allclose(summed.cpu().numpy(), per_step[mask].sum(), rtol=1e-6)


def test_mask_combines_with_sample_weight():
    y, p = _data((2, 3, 2))
    mask = np.array([[1, 0, 1], [1, 1, 1]], dtype=bool)
    w = np.array([[2.0, 1.0, 0.5], [1.0, 1.0, 3.0]], dtype="float32")
    pred = torch.tensor(p)
    pred._keras_mask = torch.tensor(mask)
    per_step = np.mean((y - p) ** 2, -1)
    got = MeanSquaredError()(y, pred, sample_weight=w)
    # Valid entries weigh total/valid = 6/5, so the mean is over the valid entries.
    np.testing.assert_allclose(got.numpy(), np.sum(per_step * w * mask) / 5, rtol=1e-6)
    got = MeanSquaredError(reduction="mean_with_sample_weight")(y, pred, sample_weight=w)
    np.testing.assert_allclose(got.numpy(), np.sum(per_step * w * mask) / np.sum(w * mask), rtol=1e-6)


def test_all_masked_gives_zero():
    pred = torch.ones(2, 3, 1)
    pred._keras_mask = torch.zeros(2, 3, dtype=torch.bool)
    assert MeanSquaredError()(torch.zeros(2, 3, 1), pred).item() == 0.0


def test_invalid_reduction_raises_keras_error():
    with pytest.raises(ValueError, match="Invalid value for argument `reduction`. Expected one of"):
        MeanSquaredError(reduction="batch")


def test_keras2_auto_reduction_means_sum_over_batch_size():
    loss = MeanSquaredError(reduction="auto")
    assert loss.reduction == "sum_over_batch_size"
    assert Reduction.AUTO == "auto" and Reduction.SUM == "sum" and Reduction.NONE == "none"
    config = {"reduction": "auto", "name": "mean_squared_error"}  # a Keras 2 file
    assert MeanSquaredError.from_config(config).reduction == "sum_over_batch_size"


def test_scalar_and_empty_loss_maps_are_returned_as_is():
    assert reduce_weighted_values(torch.tensor(2.5)).item() == 2.5
    empty = reduce_weighted_values(torch.zeros(0))
    assert tuple(empty.shape) == (0,)


def test_divide_no_nan():
    out = divide_no_nan(torch.tensor([1.0, 2.0]), torch.tensor([0.0, 4.0]))
    np.testing.assert_array_equal(out.numpy(), [0.0, 0.5])
    assert divide_no_nan(torch.tensor(3.0), 0).item() == 0.0


def test_inputs_are_cast_to_the_loss_dtype():
    y = np.array([[1, 2], [3, 4]], dtype="int64")
    p = np.array([[1.5, 2.0], [3.0, 3.0]], dtype="float64")
    loss = MeanSquaredError()(y, p)
    assert loss.dtype == torch.float32
    np.testing.assert_allclose(loss.numpy(), np.mean((y - p) ** 2), rtol=1e-6)
    assert MeanSquaredError(dtype="float64")(y, p).dtype == torch.float64


def test_custom_loss_subclass():
    class Scaled(Loss):
        def __init__(self, scale=2.0, **kwargs):
            super().__init__(**kwargs)
            self.scale = scale

        def call(self, y_true, y_pred):
            return self.scale * torch.mean(torch.abs(y_true - y_pred), dim=-1)

    y, p = _data((4, 3))
    loss = Scaled()
    assert loss.name == "scaled"
    np.testing.assert_allclose(loss(y, p).numpy(), 2 * np.mean(np.abs(y - p)), rtol=1e-6)
    assert Loss().name == "loss"
    with pytest.raises(NotImplementedError, match="must implement `call"):
        Loss()(y, p)


def test_keras2_plain_function_loss_through_wrapper():
    def my_loss(y_true, y_pred):  # a Keras 2 custom loss: a plain function
        return torch.mean(torch.square(y_true - y_pred), dim=-1) * 0.5

    y, p = _data((4, 3))
    wrapper = LossFunctionWrapper(my_loss, name="my_loss")
    np.testing.assert_allclose(wrapper(y, p).numpy(), 0.5 * np.mean((y - p) ** 2), rtol=1e-6)
    assert wrapper.name == "my_loss"


def test_nested_structures():
    y1, p1 = _data((3, 2), 1)
    y2, p2 = _data((3, 2), 2)
    wrapper = LossFunctionWrapper(lambda t, p: torch.mean(torch.square(t[0] - p[0]) + torch.abs(t[1] - p[1]), -1))
    got = wrapper([y1, y2], [p1, p2])
    np.testing.assert_allclose(got.numpy(), np.mean((y1 - p1) ** 2 + np.abs(y2 - p2)), rtol=1e-6)


def test_gradients_flow_to_predictions():
    y, p = _data((4, 3))
    pred = torch.tensor(p, requires_grad=True)
    MeanSquaredError()(y, pred).backward()
    np.testing.assert_allclose(pred.grad.numpy(), 2 * (p - y) / 12, rtol=1e-5)


def test_python_lists_are_arrays_not_structures():
    assert MeanSquaredError()([1.0, 2.0], torch.tensor([1.0, 3.0])).item() == 0.5
    assert MeanSquaredError()([[1.0], [2.0]], [1.0, 2.5]).item() == 0.125
