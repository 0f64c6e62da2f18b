"""Torch helpers shared by losses and metrics: input conversion, rank alignment, masks, safe division."""
import numpy as np
import torch

from torchkeras.backend import dtypes
from torchkeras.backend.config import epsilon
from torchkeras.backend.config import floatx
from torchkeras.backend.device import get_device


def convert(x, dtype=None, device=None):
    """`x` as a torch tensor of `dtype` (Keras name or torch dtype; None keeps it).

    A tensor stays on its device unless `device` is given; anything else (NumPy arrays, lists, numbers) goes to
    `device`, or to the default device. Python floats become `floatx()`, like in Keras.
    """
    tdtype = dtypes.to_torch_dtype(dtype) if dtype is not None else None
    if isinstance(x, torch.Tensor):
        if device is not None and x.device != device:
            x = x.to(device)
        if tdtype is not None and x.dtype != tdtype:
            x = x.to(tdtype)
        return x
    if device is None:
        device = get_device()
    if isinstance(x, (bool, int, float)) and not isinstance(x, np.generic):
        if tdtype is None:
            tdtype = (torch.bool if isinstance(x, bool) else
                      torch.int64 if isinstance(x, int) else dtypes.to_torch_dtype(floatx()))
        return torch.tensor(x, dtype=tdtype, device=device)
    from_python = isinstance(x, (list, tuple))
    arr = np.asarray(x)
    if arr.dtype == object or arr.dtype.kind in "USV":
        raise ValueError(
            f"Expected numeric values (a tensor, a NumPy array or a list of numbers). Received: {x!r} with "
            f"dtype {arr.dtype}. Convert the data to numbers first."
        )
    if arr.dtype == np.uint32:
        arr = arr.astype(np.int64)
    if tdtype is None and from_python and arr.dtype == np.float64:
        tdtype = dtypes.to_torch_dtype(floatx())
    t = torch.as_tensor(arr, device=device)
    if tdtype is not None and t.dtype != tdtype:
        t = t.to(tdtype)
    return t


def prepare(y_true, y_pred, align=True):
    """Both inputs as tensors of `y_pred`'s float dtype on its device, ranks aligned when `align`."""
    y_pred = convert(y_pred)
    if not y_pred.is_floating_point():
        y_pred = y_pred.to(dtypes.to_torch_dtype(floatx()))
    y_true = convert(y_true, y_pred.dtype, y_pred.device)
    if align:
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        if y_true.shape != y_pred.shape:
            try:
                torch.broadcast_shapes(y_true.shape, y_pred.shape)
            except RuntimeError:
                raise ValueError(
                    "`y_true` and `y_pred` must have compatible shapes. Received: "
                    f"y_true.shape={tuple(y_true.shape)}, y_pred.shape={tuple(y_pred.shape)}. Check that the labels "
                    "match the model's output (e.g. the number of units of the last layer)."
                ) from None
    return y_true, y_pred


def is_structure(x):
    """Whether `x` is a structure of tensors (dict, or list/tuple holding tensors or arrays), as opposed to one
    array given as (nested) lists of numbers."""
    if isinstance(x, dict):
        return True
    if isinstance(x, (list, tuple)):
        return any(isinstance(e, (torch.Tensor, np.ndarray, dict)) or is_structure(e) for e in x)
    return False


def first_device(structure):
    """The device of the first tensor in a (possibly nested) structure, else None."""
    if isinstance(structure, torch.Tensor):
        return structure.device
    if isinstance(structure, dict):
        structure = list(structure.values())
    if isinstance(structure, (list, tuple)):
        for item in structure:
            found = first_device(item)
            if found is not None:
                return found
    return None


def squeeze_or_expand_to_same_rank(x1, x2, expand_rank_1=True):
    """Align ranks that differ by one: squeeze a trailing dim of 1, or expand a rank-1 tensor instead.

    `(N,)` against `(N, 1)` becomes `(N, 1)` against `(N, 1)` (with `expand_rank_1=False` it becomes `(N,)`
    against `(N,)`); `(N, T, 1)` against `(N, T)` becomes `(N, T)` against `(N, T)`.
    """
    r1, r2 = x1.dim(), x2.dim()
    if r1 == r2:
        return x1, x2
    if r1 == r2 + 1 and x1.shape[-1] == 1:
        if r2 == 1 and expand_rank_1:
            x2 = x2.unsqueeze(-1)
        else:
            x1 = x1.squeeze(-1)
    elif r2 == r1 + 1 and x2.shape[-1] == 1:
        if r1 == 1 and expand_rank_1:
            x1 = x1.unsqueeze(-1)
        else:
            x2 = x2.squeeze(-1)
    return x1, x2


def divide_no_nan(x1, x2):
    """`x1 / x2`, with 0 wherever `x2` is 0. Python numbers stay on the host (no device transfer)."""
    if not isinstance(x2, torch.Tensor):
        if x2 == 0:
            return torch.zeros_like(x1) if isinstance(x1, torch.Tensor) else 0.0
        return x1 / x2
    if not isinstance(x1, torch.Tensor):
        x1 = torch.full_like(x2, x1)
    zero = x2 == 0
    return torch.where(zero, 0.0, x1 / torch.where(zero, 1.0, x2))


def has_data(x):
    """False for tensors without values (fake tensors of shape inference, meta tensors)."""
    if not isinstance(x, torch.Tensor):
        return True
    if x.device.type == "meta":
        return False
    from torch._subclasses.fake_tensor import is_fake

    return not is_fake(x)


def get_mask(x):
    """The Keras mask carried by `x` (`x._keras_mask`), or None."""
    return getattr(x, "_keras_mask", None)


def set_mask(x, mask):
    """Attach a Keras mask to the tensor `x`; returns `x`."""
    x._keras_mask = mask
    return x


def l2_normalize(x, axis=-1):
    """`x / max(||x||, epsilon)` along `axis`, computed as `x * min(rsqrt(sum(x**2)), 1/epsilon)` like Keras."""
    if x.dim() == 0:
        x = x.unsqueeze(0)
    inv_norm = torch.rsqrt(torch.sum(x * x, dim=axis, keepdim=True))
    return x * torch.clamp(inv_norm, max=1.0 / epsilon())


def normalize_axis(axis, ndim):
    """A non-negative axis for a tensor of rank `ndim`; an axis out of range is an error."""
    if not -ndim <= axis < ndim:
        raise ValueError(f"Axis {axis} is out of bounds for a tensor of rank {ndim}.")
    return axis % ndim
