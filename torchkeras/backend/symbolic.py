"""Shape inference: run a function on fake tensors to learn its output shapes and dtypes.

Unknown dimensions (`None`) are filled with two different sizes in two fake runs; a dimension whose size
follows the filler is unknown in the output. Fake tensors (torch's FakeTensorMode) carry shapes, dtypes
and devices but no data, so this costs no compute and no memory. Code that needs data (`.item()`,
`nonzero`) falls back to real zero-filled tensors.
"""
import contextlib
import threading

import torch
from torch._subclasses.fake_tensor import FakeTensorMode, unset_fake_temporarily

from torchkeras.backend import dtypes
from torchkeras.backend.device import get_device
from torchkeras.backend.keras_tensor import KerasTensor
from torchkeras.utils import tree

_FILL = (83, 89)
_REAL_FILL = (2, 3)
_state = threading.local()


def in_symbolic_scope():
    return getattr(_state, "depth", 0) > 0


def unknown_dims(shape):
    """Inside a shape-inference run, turn the filler sizes standing for unknown dims back into None."""
    fill = getattr(_state, "fill", None)
    if not fill or shape is None:
        return shape
    size, fake = fill[-1]
    if fake:
        return tuple(None if d == size else d for d in shape)
    return tuple(None if (i == 0 and d == size) else d for i, d in enumerate(shape))


@contextlib.contextmanager
def _symbolic_scope(fill=None, fake=True):
    _state.depth = getattr(_state, "depth", 0) + 1
    stack = getattr(_state, "fill", None)
    if stack is None:
        stack = _state.fill = []
    stack.append((fill, fake))
    try:
        yield
    finally:
        _state.depth -= 1
        stack.pop()


def escape_fake():
    """Context manager: create real tensors even inside a fake run (used for weight creation)."""
    return unset_fake_temporarily()


def _materialize(x, fill, make):
    if isinstance(x, KerasTensor):
        shape = tuple(fill if d is None else d for d in x.shape)
        t = make(shape, dtypes.to_torch_dtype(x.dtype))
        return t
    return x


def _run(fn, args, kwargs, fill, fake):
    device = get_device()

    def make(shape, dtype):
        if dtype == torch.bool:
            return torch.zeros(shape, dtype=dtype, device=device)
        return torch.zeros(shape, dtype=dtype, device=device)

    if fake:
        mode = FakeTensorMode(allow_non_fake_inputs=True)
        with mode, _symbolic_scope(fill, True):
            a, k = tree.map_structure(lambda x: _materialize(x, fill, make), (args, kwargs))
            with torch.no_grad():
                out = fn(*a, **k)
            return tree.map_structure(_describe, out)
    with _symbolic_scope(fill, False), torch.no_grad():
        a, k = tree.map_structure(lambda x: _materialize(x, fill, make), (args, kwargs))
        out = fn(*a, **k)
        return tree.map_structure(_describe, out)


class _Spec:
    __slots__ = ("shape", "dtype")

    def __init__(self, shape, dtype):
        self.shape = shape
        self.dtype = dtype


def _describe(t):
    if isinstance(t, torch.Tensor):
        return _Spec(tuple(t.shape), dtypes.standardize_dtype(t.dtype))
    if isinstance(t, KerasTensor):
        return _Spec(t.shape, t.dtype)
    return t


def compute_output_spec(fn, *args, **kwargs):
    """KerasTensors describing `fn(*args, **kwargs)` where args hold KerasTensors."""
    has_none = any(
        isinstance(x, KerasTensor) and any(d is None for d in x.shape) for x in tree.flatten((args, kwargs))
    )
    last_error = None
    for fake, fills in ((True, _FILL), (False, _REAL_FILL)):
        try:
            first = _run(fn, args, kwargs, fills[0], fake)
            second = _run(fn, args, kwargs, fills[1], fake) if has_none else first
            break
        except Exception as e:  # noqa: BLE001 - retried with real tensors, then re-raised
            last_error = e
            if not fake or not _fake_unsupported(e):
                raise
    else:  # pragma: no cover
        raise last_error

    def merge(a, b):
        if isinstance(a, _Spec):
            shape = tuple(da if da == db else None for da, db in zip(a.shape, b.shape))
            return KerasTensor(shape, dtype=a.dtype)
        return a

    return tree.map_structure(merge, first, second) if _same_structure(first, second) else first


def _same_structure(a, b):
    try:
        return len(tree.flatten(a)) == len(tree.flatten(b))
    except Exception:  # noqa: BLE001
        return False


def _fake_unsupported(e):
    """Errors that mean "this needs real data", worth a retry on real tensors."""
    names = {
        "DynamicOutputShapeException",
        "DataDependentOutputException",
        "UnsupportedOperatorException",
        "UnsupportedFakeTensorException",
        "GuardOnDataDependentSymNode",
    }
    if type(e).__name__ in names:
        return True
    msg = str(e)
    return "FakeTensor" in msg or "fake" in msg.lower() or "numpy" in msg.lower() or "data-dependent" in msg
