"""Shape inference: run a function on data-less tensors to learn its output shapes and dtypes.

Unknown dimensions (`None`) are filled with two different sizes in two runs; a dimension whose size
follows the filler is unknown in the output. The first try uses `meta` tensors, with the layer's own
parameters swapped for meta copies for the duration of the call: no compute, no memory, no start-up cost.
Code that meta tensors can't run (a device mix) is retried under torch's FakeTensorMode (which costs a few
seconds the first time in a process), and code that needs data (`.item()`, `nonzero`) with real
zero-filled tensors.
"""
import contextlib
import logging
import threading

import torch
from torch._subclasses.fake_tensor import FakeTensorMode, unset_fake_temporarily

from torchkeras.backend import dtypes
from torchkeras.backend.device import get_device
from torchkeras.backend.keras_tensor import KerasTensor
from torchkeras.utils import tree

_FILL = (83, 89)
_SMALL_FILL = (7, 11)  # real runs on small inputs: no set-up cost at all
_SMALL_ELEMENTS = 1 << 16
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


@contextlib.contextmanager
def _meta_parameters(module):
    """Swap the parameters and buffers of `module` (and its sub-modules) for meta tensors."""
    saved = []
    if module is not None:
        for m in module.modules():
            for store in (m._parameters, m._buffers):
                for name, p in list(store.items()):
                    if p is not None and p.device.type != "meta":
                        saved.append((store, name, p))
                        store[name] = torch.empty_like(p, device="meta")
    try:
        yield
    finally:
        for store, name, p in saved:
            store[name] = p


@contextlib.contextmanager
def _quiet_torch_logs():
    logger = logging.getLogger("torch._subclasses.fake_tensor")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(level)


def _run(fn, args, kwargs, fill, mode, module):
    device = torch.device("meta") if mode == "meta" else get_device()

    def make(shape, dtype):
        return torch.zeros(shape, dtype=dtype, device=device)

    def call():
        a, k = tree.map_structure(lambda x: _materialize(x, fill, make), (args, kwargs))
        with torch.no_grad():
            return tree.map_structure(_describe, fn(*a, **k))

    if mode == "meta":
        with _symbolic_scope(fill, True), _meta_parameters(module):
            return call()
    if mode == "fake":
        with FakeTensorMode(allow_non_fake_inputs=True), _symbolic_scope(fill, True), _quiet_torch_logs():
            return call()
    with _symbolic_scope(fill, False):
        return call()


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


def compute_output_spec(fn, *args, module=None, **kwargs):
    """KerasTensors describing `fn(*args, **kwargs)` where args hold KerasTensors.

    `module` is the torch module whose parameters `fn` reads (swapped for meta tensors in the first try);
    by default, the object `fn` is bound to.
    """
    if module is None and isinstance(getattr(fn, "__self__", None), torch.nn.Module):
        module = fn.__self__
    has_none = any(
        isinstance(x, KerasTensor) and any(d is None for d in x.shape) for x in tree.flatten((args, kwargs))
    )
    attempts = [("meta", _FILL), ("fake", _FILL), ("real", _REAL_FILL)]
    if _elements(args, kwargs, _SMALL_FILL[1]) <= _SMALL_ELEMENTS:
        # Small inputs: computing on real zeros is cheaper than any tracing machinery (meta kernels of
        # elementwise ops import torch._dynamo, which costs seconds on first use).
        attempts.insert(0, ("real", _SMALL_FILL))
    for i, (mode, fills) in enumerate(attempts):
        try:
            first = _run(fn, args, kwargs, fills[0], mode, module)
            second = _run(fn, args, kwargs, fills[1], mode, module) if has_none else first
            break
        except Exception as e:  # noqa: BLE001 - retried in the next mode, or re-raised
            last = i == len(attempts) - 1
            if last or (mode == "fake" and not _fake_unsupported(e)):
                raise

    def merge(a, b):
        if isinstance(a, _Spec):
            shape = tuple(da if da == db else None for da, db in zip(a.shape, b.shape))
            return KerasTensor(shape, dtype=a.dtype)
        return a

    return tree.map_structure(merge, first, second) if _same_structure(first, second) else first


def _elements(args, kwargs, fill):
    total = 0
    for x in tree.flatten((args, kwargs)):
        if isinstance(x, KerasTensor):
            n = 1
            for d in x.shape:
                n *= fill if d is None else d
            total += n
    return total


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
