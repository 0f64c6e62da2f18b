"""Shape inference: run a function on stand-in tensors to learn its output shapes and dtypes.

Unknown dimensions (`None`) are filled with two different sizes in two runs; a dimension whose size follows
the filler is unknown in the output. The stand-ins are tried in turn until one works, so inference succeeds
whenever the function itself works on data of the declared shape:

- small inputs (up to 65,536 elements): real zero-filled tensors first (no set-up cost at all);
- `meta` tensors (no compute, no memory), with the module's parameters swapped for meta twins; a real tensor
  that meets a meta one (a constant from `ops.arange`, a weight built on the fly) takes part as a meta twin;
- large inputs: torch's FakeTensorMode, which runs some code meta tensors can't;
- real tensors of the declared shape, zeros then ones, unknown dimensions set to small sizes.

Weights are never created on `meta` or as fake tensors: building and `add_weight` run in `escape_fake()`,
on the Keras device. When every try fails, the error of the first real run is the function's own and is
raised.
"""
import contextlib
import logging
import threading

import torch
from torch.overrides import TorchFunctionMode
from torch.utils import _pytree as pytree

from torchkeras.backend import dtypes
from torchkeras.backend.device import get_device
from torchkeras.backend.keras_tensor import KerasTensor
from torchkeras.utils import tree

# Sizes standing for unknown dimensions: the first two that no input declares are used.
_META_FILLS = (83, 89, 97, 101, 103, 107, 109, 113, 127, 131)
_REAL_FILLS = (7, 11, 13, 17, 19, 23, 29, 31, 37, 41)
_SMALL_ELEMENTS = 1 << 16
_state = threading.local()


def in_symbolic_scope():
    return getattr(_state, "depth", 0) > 0


def unknown_dims(shape):
    """Inside a shape-inference run, turn the filler sizes standing for unknown dims back into None.

    In meta and fake runs (large fillers) every dimension equal to the filler is unknown; in real runs
    (small fillers, which other dimensions may equal by chance) only the batch dimension is.
    """
    fill = getattr(_state, "fill", None)
    if not fill or shape is None:
        return shape
    size, every_axis = fill[-1]
    if size is None:
        return shape
    if every_axis:
        return tuple(None if d == size else d for d in shape)
    return tuple(None if (i == 0 and d == size) else d for i, d in enumerate(shape))


@contextlib.contextmanager
def _symbolic_scope(fill=None, every_axis=True):
    _state.depth = getattr(_state, "depth", 0) + 1
    stack = getattr(_state, "fill", None)
    if stack is None:
        stack = _state.fill = []
    stack.append((fill, every_axis))
    try:
        yield
    finally:
        _state.depth -= 1
        stack.pop()


@contextlib.contextmanager
def escape_fake(device=None):
    """Create real tensors inside a shape-inference run (weights, seed states): not fake, not meta.

    `device` (default: the Keras device) is where they go; a meta device is replaced by the Keras device.
    """
    if not in_symbolic_scope():
        yield
        return
    from torch._subclasses.fake_tensor import unset_fake_temporarily

    from torchkeras.backend.device import device_scope

    device = real_device(device)
    _state.escaped = getattr(_state, "escaped", 0) + 1
    try:
        with unset_fake_temporarily(), device_scope(device):
            yield
    finally:
        _state.escaped -= 1


def real_device(device=None):
    """`device` unless it is `meta` (or None): then the Keras device."""
    if device is None or torch.device(device).type == "meta":
        return get_device()
    return torch.device(device)


# --- meta runs ------------------------------------------------------------------------------------------

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


_MOVES = {torch.Tensor.to, torch.Tensor.cpu, torch.Tensor.cuda}


def _is_real(t):
    return isinstance(t, torch.Tensor) and not t.is_meta


class _MetaMixing(TorchFunctionMode):
    """In a meta run, let real tensors meet meta ones: they take part as meta twins (free: no data)."""

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        if getattr(_state, "escaped", 0):
            return func(*args, **kwargs)
        if func in _MOVES and args and isinstance(args[0], torch.Tensor) and args[0].is_meta:
            # `x.to(device)` / `x.cpu()` keep a meta tensor on meta; only a dtype change applies.
            dtype = next((a for a in list(args[1:]) + list(kwargs.values()) if isinstance(a, torch.dtype)), None)
            other = next((a for a in args[1:] if isinstance(a, torch.Tensor)), None)
            dtype = dtype or (other.dtype if other is not None else None)
            return args[0] if dtype is None or dtype == args[0].dtype else func(args[0], dtype)
        flat, spec = pytree.tree_flatten((args, kwargs))
        if any(isinstance(t, torch.Tensor) and t.is_meta for t in flat) and any(_is_real(t) for t in flat):
            flat = [t.to("meta") if _is_real(t) else t for t in flat]
            args, kwargs = pytree.tree_unflatten(flat, spec)
        return func(*args, **kwargs)


@contextlib.contextmanager
def _quiet_torch_logs():
    logger = logging.getLogger("torch._subclasses.fake_tensor")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(level)


# --- the runs -------------------------------------------------------------------------------------------

def _materialize(x, fill, make):
    if isinstance(x, KerasTensor):
        shape = tuple(fill if d is None else d for d in x.shape)
        return make(shape, dtypes.to_torch_dtype(x.dtype))
    return x


def _run(fn, args, kwargs, fill, mode, module, value=0):
    if mode == "meta":
        device = torch.device("meta")
    else:
        device = get_device()

    def make(shape, dtype):
        return torch.full(shape, value, dtype=dtype, device=device) if value else \
            torch.zeros(shape, dtype=dtype, device=device)

    def call():
        a, k = tree.map_structure(lambda x: _materialize(x, fill, make), (args, kwargs))
        with torch.no_grad():
            return tree.map_structure(_describe, fn(*a, **k))

    if mode == "meta":
        with _symbolic_scope(fill, True), _meta_parameters(module), _MetaMixing():
            return call()
    if mode == "fake":
        from torch._subclasses.fake_tensor import FakeTensorMode

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


def _pick_fills(candidates, declared):
    free = [c for c in candidates if c not in declared]
    return free[0], free[1]


def _plan(args, kwargs):
    """The runs to try, in order: (mode, (fill, fill), value of real stand-ins)."""
    flat = [x for x in tree.flatten((args, kwargs)) if isinstance(x, KerasTensor)]
    declared = {d for x in flat for d in x.shape if d is not None}
    meta_fills = _pick_fills(_META_FILLS, declared)
    real_fills = _pick_fills(_REAL_FILLS, declared)
    real = [("real", real_fills, 0), ("real", real_fills, 1)]
    if _elements(flat, real_fills[1]) <= _SMALL_ELEMENTS:
        # Small inputs: computing on real tensors is cheaper than any tracing machinery (meta kernels of
        # elementwise ops import torch._dynamo, which costs seconds on first use).
        return real + [("meta", meta_fills, 0)]
    return [("meta", meta_fills, 0), ("fake", meta_fills, 0)] + real


def compute_output_spec(fn, *args, module=None, **kwargs):
    """KerasTensors describing `fn(*args, **kwargs)` where args hold KerasTensors.

    `module` is the torch module whose parameters `fn` reads (swapped for meta tensors in meta runs);
    by default, the object `fn` is bound to.
    """
    if module is None and isinstance(getattr(fn, "__self__", None), torch.nn.Module):
        module = fn.__self__
    has_none = any(
        isinstance(x, KerasTensor) and any(d is None for d in x.shape) for x in tree.flatten((args, kwargs))
    )
    own_error = None
    for mode, fills, value in _plan(args, kwargs):
        try:
            first = _run(fn, args, kwargs, fills[0], mode, module, value)
            second = _run(fn, args, kwargs, fills[1], mode, module, value) if has_none else first
            break
        except Exception as e:  # noqa: BLE001 - the next stand-in may work; the real run's error is kept
            if mode == "real" and own_error is None:
                own_error = e
            elif own_error is None:
                last = e
    else:
        raise own_error if own_error is not None else last

    def merge(a, b):
        if isinstance(a, _Spec):
            shape = tuple(da if da == db else None for da, db in zip(a.shape, b.shape))
            return KerasTensor(shape, dtype=a.dtype)
        return a

    return tree.map_structure(merge, first, second) if _same_structure(first, second) else \
        tree.map_structure(lambda s: KerasTensor(s.shape, s.dtype) if isinstance(s, _Spec) else s, first)


def _elements(flat, fill):
    total = 0
    for x in flat:
        n = 1
        for d in x.shape:
            n *= fill if d is None else d
        total += n
    return total


def _same_structure(a, b):
    try:
        fa, fb = tree.flatten(a), tree.flatten(b)
    except Exception:  # noqa: BLE001
        return False
    return len(fa) == len(fb) and all(
        isinstance(x, _Spec) == isinstance(y, _Spec) and (not isinstance(x, _Spec) or len(x.shape) == len(y.shape))
        for x, y in zip(fa, fb))


# --- errors, as Keras reports them ----------------------------------------------------------------------

def _with_message(error, message):
    try:
        new = error.__class__(message)
    except Exception:  # noqa: BLE001 - an exception class without a one-message constructor
        new = RuntimeError(message)
    for attr in ("_keras_call_info_injected",):
        if hasattr(error, attr):
            setattr(new, attr, getattr(error, attr))
    return new.with_traceback(error.__traceback__)


def inference_error(op, error):
    """Keras's error for a `call` whose output spec could not be inferred (the cause's class and message)."""
    if getattr(error, "_keras_call_info_injected", False):
        return error
    cls = type(op).__name__
    return _with_message(error, (
        f"Could not automatically infer the output shape / dtype of '{op.name}' (of type {cls}). Either the "
        f"`{cls}.call()` method is incorrect, or you need to implement the `{cls}.compute_output_spec() / "
        f"compute_output_shape()` method. Error encountered:\n\n{error}"
    ))


def _format_value(value):
    if isinstance(value, torch.Tensor):
        return f"torch.Tensor(shape={value.shape}, dtype={dtypes.standardize_dtype(value.dtype)})"
    return repr(value)


def call_error(op, error, args, kwargs):
    """`error` with the layer's (or op's) name and arguments added, as Keras adds them; once per error."""
    from torchkeras.config import flags

    if getattr(error, "_keras_call_info_injected", False) or not flags.is_traceback_filtering_enabled():
        return error
    name = f"{type(op).__name__}.call()"
    message = error.args[0] if error.args else ""
    arguments = tree.map_structure(_format_value, tuple(args))
    # Keras binds its `symbolic_call(*args, **kwargs)`: no keyword arguments show as `inspect._empty`.
    kw = tree.map_structure(_format_value, dict(kwargs)) if kwargs else "<class 'inspect._empty'>"
    new = _with_message(error, (
        f"Exception encountered when calling {name}.\n\n\x1b[1m{message}\x1b[0m\n\n"
        f"Arguments received by {name}:\n  \u2022 args={arguments}\n  \u2022 kwargs={kw}"
    ))
    new._keras_call_info_injected = True
    return new
