"""Small helpers used by optimizers: Python scalars, gradients like their variable, initial slot values, and
running an update outside a graph that `torch.compile` is tracing."""
import math

import numpy as np
import torch

from torchkeras.backend import dtypes


def to_python(value):
    if isinstance(value, torch.Tensor):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.item()
    return value


def to_tensor_like(value, variable):
    """`value` as a tensor with the dtype and device of `variable`."""
    if isinstance(value, torch.Tensor):
        return value.to(device=variable.device, dtype=variable.dtype)
    return torch.as_tensor(np.asarray(value), device=variable.device).to(variable.dtype)


def initial_value(initializer, shape, dtype, device):
    """The initial value of an optimizer variable: `"zeros"`, `"ones"`, a number, or an initializer."""
    if isinstance(initializer, str):
        key = initializer.lower()
        if key in ("zeros", "zero"):
            return torch.zeros(shape, dtype=dtype, device=device)
        if key in ("ones", "one"):
            return torch.ones(shape, dtype=dtype, device=device)
    if isinstance(initializer, (int, float)) and not isinstance(initializer, bool):
        return torch.full(shape, float(initializer), dtype=dtype, device=device)
    if isinstance(initializer, str) or isinstance(initializer, dict):
        from torchkeras import initializers

        initializer = initializers.get(initializer)
    if callable(initializer):
        value = initializer(shape, dtype=dtypes.standardize_dtype(dtype))
        if isinstance(value, torch.Tensor):
            return value.detach().to(device=device, dtype=dtype)
        return torch.as_tensor(np.asarray(value), device=device).to(dtype)
    raise ValueError(
        "Expected an initializer for the optimizer variable: 'zeros', 'ones', a number or an initializer "
        f"object. Received: initializer={initializer}"
    )


def run_eagerly(fn, *args):
    """Run `fn(*args)` outside the graph `torch.compile` is tracing.

    An optimizer update is host-driven Python (step counters, learning rates, identity lookups of the
    variables): traced, it would be specialized on every changing scalar or fail on the variables' identity.
    Only called while compiling, when `torch._dynamo` is already imported.
    """
    import torch._dynamo

    return torch._dynamo.disable(fn)(*args)


# --- update math that takes the step and the learning rate as Python numbers (eager) or as tensors (traced
# into a compiled train step, where a changing Python number would recompile the graph every step) ---------
def sqrt(value):
    return value.sqrt() if isinstance(value, torch.Tensor) else math.sqrt(value)


def foreach_add_scaled_(targets, tensors, scale):
    """`targets[i] += scale * tensors[i]`."""
    if isinstance(scale, torch.Tensor):
        torch._foreach_add_(targets, torch._foreach_mul(tensors, scale))
    else:
        torch._foreach_add_(targets, tensors, alpha=scale)


def foreach_addcdiv_(targets, numerators, denominators, scale):
    """`targets[i] += scale * numerators[i] / denominators[i]`."""
    if isinstance(scale, torch.Tensor):
        quotients = torch._foreach_div(numerators, denominators)
        torch._foreach_mul_(quotients, scale)
        torch._foreach_add_(targets, quotients)
    else:
        torch._foreach_addcdiv_(targets, numerators, denominators, value=scale)
