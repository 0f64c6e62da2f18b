"""`keras.utils.to_categorical` and `keras.utils.normalize`: NumPy in, NumPy out; tensors in, tensors out."""
import numpy as np
import torch

from torchkeras.api_export import keras_export


@keras_export("keras.utils.normalize")
def normalize(x, axis=-1, order=2):
    """Normalize `x` to unit `order`-norm along `axis`.

    NumPy arrays: divides by `np.linalg.norm(x, order, axis)`, leaving all-zero slices at 0 (a 1-D array
    comes back with a leading axis, shape `(1, n)`, as in Keras). Tensors (and other inputs): the `order=2`
    case is `x * min(1/sqrt(sum(x**2)), 1/epsilon)`, other orders `x / max(norm, epsilon)`.
    """
    if isinstance(x, np.ndarray):
        norm = np.atleast_1d(np.linalg.norm(x, order, axis))
        norm[norm == 0] = 1
        return x / np.expand_dims(norm, -1 if axis is None else axis)
    return _normalize_tensor(x, axis=axis, order=order)


def _normalize_tensor(x, axis=-1, order=2, epsilon=None):
    from torchkeras.backend.config import epsilon as default_epsilon

    if not isinstance(order, int) or isinstance(order, bool) or order < 1:
        raise ValueError(f"Argument `order` must be an int >= 1. Received: order={order}")
    if not isinstance(x, torch.Tensor):
        from torchkeras.activations.dispatch import to_tensor

        x = to_tensor(x)
    if x.dim() == 0:
        x = x.unsqueeze(0)
    if epsilon is None:
        epsilon = default_epsilon()
    if order == 2:
        inv_norm = torch.rsqrt(torch.sum(torch.square(x), dim=axis, keepdim=True))
        return x * torch.clamp(inv_norm, max=1.0 / epsilon)
    norm = torch.linalg.vector_norm(x, ord=order, dim=axis, keepdim=True)
    return x / torch.clamp(norm, min=epsilon)


@keras_export("keras.utils.to_categorical")
def to_categorical(x, num_classes=None):
    """One-hot encode integer class labels: `(..., )` or `(..., 1)` -> `(..., num_classes)`.

    NumPy/list input gives a float64 NumPy array (negative labels index from the end, as NumPy does).
    Tensor input gives an int64 tensor on the same device (negative labels give all-zero rows).
    `num_classes` defaults to `max(x) + 1`.
    """
    if isinstance(x, torch.Tensor):
        labels = x.long()
        if labels.dim() > 1 and labels.shape[-1] == 1:
            labels = labels.squeeze(-1)
        if num_classes is None:
            num_classes = int(labels.max()) + 1 if labels.numel() else 0
        one_hot = torch.nn.functional.one_hot(torch.clamp(labels, min=0), int(num_classes))
        return torch.where(labels.unsqueeze(-1) >= 0, one_hot, torch.zeros_like(one_hot))
    labels = np.array(x, dtype="int64")
    shape = labels.shape
    if len(shape) > 1 and shape[-1] == 1:
        shape = shape[:-1]
    labels = labels.reshape(-1)
    if not num_classes:
        num_classes = int(np.max(labels)) + 1
    out = np.zeros((labels.shape[0], num_classes))
    out[np.arange(labels.shape[0]), labels] = 1
    return out.reshape(shape + (num_classes,))
