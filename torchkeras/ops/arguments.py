"""How `keras.ops` functions take their tensor arguments."""
import torch

from torchkeras.backend import config
from torchkeras.ops.core import _as_tensor
from torchkeras.ops.core import to_torch_dtype


def as_tensor(x):
    """`x` itself if it is a tensor, else `x` converted like `keras.ops.convert_to_tensor`."""
    return x if isinstance(x, torch.Tensor) else _as_tensor(x)


def as_float(x):
    """Float input for float-only kernels: ints and bools are computed in floatx, as Keras does."""
    x = as_tensor(x)
    if x.is_floating_point() or x.is_complex():
        return x
    return x.to(to_torch_dtype(config.floatx()))


def cast(x, dtype):
    """`x` in `dtype` (itself when it already has it)."""
    dt = to_torch_dtype(dtype)
    return x if x.dtype == dt else x.to(dt)


_LOW_PRECISION = (torch.float16, torch.bfloat16)


def low_precision_in_float32(fn):
    """Run `fn` in float32 when its float inputs are float16/bfloat16 (torch has no kernel for them, e.g. in
    `linalg` and FFTs on CPU), and give float results back in the inputs' dtype."""
    import functools

    from torchkeras.utils import tree

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        flat = [x for x in tree.flatten((args, kwargs)) if isinstance(x, torch.Tensor) and x.is_floating_point()]
        low = {x.dtype for x in flat if x.dtype in _LOW_PRECISION}
        if not low or len({x.dtype for x in flat}) > 1:
            return fn(*args, **kwargs)
        back = low.pop()

        def up(x):
            return x.to(torch.float32) if isinstance(x, torch.Tensor) and x.dtype == back else x

        def down(x):
            return x.to(back) if isinstance(x, torch.Tensor) and x.dtype == torch.float32 else x

        args, kwargs = tree.map_structure(up, (args, kwargs))
        return tree.map_structure(down, fn(*args, **kwargs))

    return wrapper
