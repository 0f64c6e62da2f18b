"""Smooth and sigmoid-shaped activations: sigmoid, tanh, gelu, silu, mish, softplus, softsign, ..."""
import torch
import torch.nn.functional as F

from torchkeras.activations.dispatch import call_non_tensor
from torchkeras.api_export import keras_export


@keras_export("keras.activations.sigmoid")
def sigmoid(x):
    """Sigmoid: `1 / (1 + exp(-x))`."""
    if not isinstance(x, torch.Tensor):
        return call_non_tensor(sigmoid, x)
    return torch.sigmoid(x)


@keras_export("keras.activations.hard_sigmoid")
def hard_sigmoid(x):
    """Hard sigmoid (Keras 3 formula): `relu6(x + 3) / 6`, i.e. 0 below -3, 1 above 3, `x/6 + 0.5` between."""
    if not isinstance(x, torch.Tensor):
        return call_non_tensor(hard_sigmoid, x)
    return F.hardsigmoid(x)


@keras_export("keras.activations.log_sigmoid")
def log_sigmoid(x):
    """Logarithm of the sigmoid: `log(1 / (1 + exp(-x)))`, computed stably."""
    if not isinstance(x, torch.Tensor):
        return call_non_tensor(log_sigmoid, x)
    return F.logsigmoid(x)


@keras_export("keras.activations.sparse_sigmoid")
def sparse_sigmoid(x):
    """Sparse sigmoid: 0 for `x <= -1`, 1 for `x >= 1`, `(x + 1) / 2` between."""
    if not isinstance(x, torch.Tensor):
        return call_non_tensor(sparse_sigmoid, x)
    return torch.clamp(0.5 * (x + 1), 0.0, 1.0)


@keras_export("keras.activations.silu", "keras.activations.swish")
def silu(x):
    """Swish (SiLU): `x * sigmoid(x)`."""
    if not isinstance(x, torch.Tensor):
        return call_non_tensor(silu, x)
    return F.silu(x)


@keras_export("keras.activations.hard_silu", "keras.activations.hard_swish")
def hard_silu(x):
    """Hard SiLU (hard swish): `x * hard_sigmoid(x)`."""
    if not isinstance(x, torch.Tensor):
        return call_non_tensor(hard_silu, x)
    return F.hardswish(x)


@keras_export("keras.activations.gelu")
def gelu(x, approximate=False):
    """Gaussian error linear unit: `0.5 * x * (1 + erf(x / sqrt(2)))`; the tanh form when `approximate=True`."""
    if not isinstance(x, torch.Tensor):
        return call_non_tensor(gelu, x, approximate=approximate)
    return F.gelu(x, approximate="tanh" if approximate else "none")


@keras_export("keras.activations.mish")
def mish(x):
    """Mish: `x * tanh(softplus(x))`."""
    if not isinstance(x, torch.Tensor):
        return call_non_tensor(mish, x)
    return F.mish(x)


@keras_export("keras.activations.softplus")
def softplus(x):
    """Softplus: `log(exp(x) + 1)`."""
    if not isinstance(x, torch.Tensor):
        return call_non_tensor(softplus, x)
    return F.softplus(x)


@keras_export("keras.activations.sparse_plus")
def sparse_plus(x):
    """SparsePlus: 0 for `x <= -1`, `(x + 1)**2 / 4` for `-1 < x < 1`, `x` for `x >= 1`."""
    if not isinstance(x, torch.Tensor):
        return call_non_tensor(sparse_plus, x)
    middle = 0.25 * torch.square(x + 1)
    return torch.where(x <= -1, torch.zeros((), dtype=x.dtype, device=x.device), torch.where(x < 1, middle, x))


@keras_export("keras.activations.softsign")
def softsign(x):
    """Softsign: `x / (abs(x) + 1)`."""
    if not isinstance(x, torch.Tensor):
        return call_non_tensor(softsign, x)
    return F.softsign(x)


@keras_export("keras.activations.squareplus")
def squareplus(x, b=4):
    """Squareplus: `(x + sqrt(x**2 + b)) / 2`; `b` controls the smoothness (default 4)."""
    if not isinstance(x, torch.Tensor):
        return call_non_tensor(squareplus, x, b=b)
    return (x + torch.sqrt(torch.square(x) + b)) / 2


@keras_export("keras.activations.tanh")
def tanh(x):
    """Hyperbolic tangent."""
    if not isinstance(x, torch.Tensor):
        return call_non_tensor(tanh, x)
    return torch.tanh(x)


@keras_export("keras.activations.exponential")
def exponential(x):
    """Exponential: `exp(x)`."""
    if not isinstance(x, torch.Tensor):
        return call_non_tensor(exponential, x)
    return torch.exp(x)


@keras_export("keras.activations.linear")
def linear(x):
    """Linear (identity) activation: returns the input unmodified."""
    return x

