"""Rectifier activations: relu (with its Keras options), relu6, leaky_relu, elu, selu, celu, threshold."""
import torch
import torch.nn.functional as F

from torchkeras.activations.dispatch import call_non_tensor
from torchkeras.api_export import keras_export


@keras_export("keras.activations.relu")
def relu(x, negative_slope=0.0, max_value=None, threshold=0.0, *, alpha=None):
    """Rectified linear unit: `max(x, 0)` by default.

    `negative_slope` scales the values below `threshold`, `max_value` caps the output, and values at or below
    `threshold` (when it is not 0) are damped to 0. `alpha` is Keras 2's name for `negative_slope`.
    """
    if alpha is not None:
        negative_slope = alpha
    if not isinstance(x, torch.Tensor):
        return call_non_tensor(relu, x, negative_slope=negative_slope, max_value=max_value, threshold=threshold)
    if negative_slope == 0 and max_value is None and threshold == 0:
        return torch.relu(x)
    if negative_slope != 0 and max_value is None and threshold == 0:
        return F.leaky_relu(x, negative_slope)
    if negative_slope != 0:
        below = F.relu(threshold - x) if threshold != 0 else F.relu(-x)
    clip = max_value is not None
    if threshold != 0:
        out = torch.where(x > threshold, x, torch.zeros((), dtype=x.dtype, device=x.device))
    elif max_value == 6:
        out = F.relu6(x)
        clip = False
    else:
        out = F.relu(x)
    if clip:
        out = torch.clamp(out, 0.0, max_value)
    if negative_slope != 0:
        out = out - negative_slope * below
    return out



def inplace_relu(max_value):
    """`relu(x, max_value=max_value)` computed in place of `x` (the same operations as `relu`, so the same
    numbers): the graph plan's inference runs use it where `x` has no other reader."""
    if max_value is None:
        return torch.relu_
    if max_value == 6:
        return lambda x: F.hardtanh_(x, 0.0, 6.0)
    return lambda x: torch.relu_(x).clamp_(0.0, max_value)


@keras_export("keras.activations.relu6")
def relu6(x):
    """ReLU capped at 6: `min(max(x, 0), 6)`."""
    if not isinstance(x, torch.Tensor):
        return call_non_tensor(relu6, x)
    return F.relu6(x)


@keras_export("keras.activations.leaky_relu")
def leaky_relu(x, negative_slope=0.2, *, alpha=None):
    """Leaky ReLU: `x` if `x >= 0`, else `negative_slope * x` (default slope 0.2; Keras 2 called it `alpha`)."""
    if alpha is not None:
        negative_slope = alpha
    if not isinstance(x, torch.Tensor):
        return call_non_tensor(leaky_relu, x, negative_slope=negative_slope)
    return F.leaky_relu(x, negative_slope)


@keras_export("keras.activations.elu")
def elu(x, alpha=1.0):
    """Exponential linear unit: `x` if `x > 0`, else `alpha * (exp(x) - 1)`."""
    if not isinstance(x, torch.Tensor):
        return call_non_tensor(elu, x, alpha=alpha)
    return F.elu(x, alpha)


@keras_export("keras.activations.selu")
def selu(x):
    """Scaled ELU: `1.0507009873554805 * elu(x, alpha=1.6732632423543772)`."""
    if not isinstance(x, torch.Tensor):
        return call_non_tensor(selu, x)
    return F.selu(x)


@keras_export("keras.activations.celu")
def celu(x, alpha=1.0):
    """Continuously differentiable ELU: `x` if `x >= 0`, else `alpha * (exp(x / alpha) - 1)`."""
    if not isinstance(x, torch.Tensor):
        return call_non_tensor(celu, x, alpha=alpha)
    return F.celu(x, alpha)


@keras_export("keras.activations.threshold")
def threshold(x, threshold, default_value):
    """`x` where `x > threshold`, else `default_value`."""
    if not isinstance(x, torch.Tensor):
        return call_non_tensor(_threshold, x, threshold=threshold, default_value=default_value)
    return F.threshold(x, threshold, default_value)


_threshold = threshold
