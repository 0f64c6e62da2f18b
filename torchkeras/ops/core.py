"""`keras.ops` core: tensor conversion, dtypes, slicing and scattering, control flow, custom gradients.

Also home of the helpers the other op modules share: Keras's dtype names for torch dtypes and Keras's type
promotion rules (`result_type`).
"""
import builtins
import functools
import inspect

import numpy as np
import torch

from torchkeras.api_export import keras_export
from torchkeras.backend import config
from torchkeras.backend import dtypes as dtypes_lib
from torchkeras.backend import symbolic
from torchkeras.backend.device import get_device
from torchkeras.backend.keras_tensor import KerasTensor
from torchkeras.ops.operation import keras_op
from torchkeras.utils import tree

_CORE = "keras.src.ops.core"

# --------------------------------------------------------------------------------------------------------
# dtypes
# --------------------------------------------------------------------------------------------------------
# Torch has no arithmetic for uint16/uint32, so (like Keras's torch backend) they are held in the next wider
# signed type.
_TORCH_STORAGE = {"uint16": torch.int32, "uint32": torch.int64}


def standardize_dtype(dtype):
    """Keras's name for `dtype`; Python `int` is `'int32'` and `float` is floatx, as in Keras."""
    if dtype is int:
        return "int32"
    if dtype is float:
        return config.floatx()
    if dtype is bool:
        return "bool"
    if dtype is complex:
        return "complex64"
    return dtypes_lib.standardize_dtype(dtype)


_STR_CACHE = {}


def to_torch_dtype(dtype):
    """The torch dtype that holds Keras dtype `dtype` (None means floatx)."""
    if isinstance(dtype, torch.dtype):
        return dtype
    if isinstance(dtype, str):
        cached = _STR_CACHE.get(dtype)
        if cached is not None:
            return cached
        if dtype in _TORCH_STORAGE or dtype in dtypes_lib._TORCH:
            _STR_CACHE[dtype] = _TORCH_STORAGE.get(dtype) or dtypes_lib._TORCH[dtype]
            return _STR_CACHE[dtype]
    name = standardize_dtype(dtype)
    if name == "string":
        raise ValueError("Tensors of dtype 'string' are not supported by torch. Received: dtype='string'")
    return _TORCH_STORAGE.get(name) or dtypes_lib.to_torch_dtype(name)


def dtype_name(x):
    """Keras's dtype name of a tensor (or anything with a `dtype`)."""
    return standardize_dtype(x.dtype)


def result_type(*dtypes):
    """The dtype Keras's promotion rules give to an operation on inputs of these dtypes.

    `keras.backend.result_type` (see `torchkeras.backend.dtypes.result_type`), cached for the ops' hot paths.
    """
    if not dtypes:
        return config.floatx()
    if torch.compiler.is_compiling():
        return dtypes_lib.result_type(*dtypes)
    try:
        return _result_type_cached(dtypes, config.floatx())
    except TypeError:  # unhashable dtype-like argument
        return dtypes_lib.result_type(*dtypes)


@functools.lru_cache(maxsize=2048)
def _result_type_cached(dtypes, floatx):
    return dtypes_lib.result_type(*dtypes)


# --------------------------------------------------------------------------------------------------------
# Conversion
# --------------------------------------------------------------------------------------------------------
def _scalar_dtype(x):
    if isinstance(x, (bool, np.bool_)):
        return torch.bool
    if isinstance(x, int):
        return torch.int64 if x < -(2**31) or x >= 2**31 else torch.int32
    if isinstance(x, float):
        return to_torch_dtype(config.floatx())
    if isinstance(x, complex):
        return torch.complex64
    raise TypeError(x)


def _as_tensor(x, dtype=None, device=None):
    """Like `convert_to_tensor` but on `device` (default: the Keras device) for non-tensors."""
    if isinstance(x, torch.Tensor):
        if dtype is not None:
            dt = to_torch_dtype(dtype)
            if x.dtype != dt:
                x = x.to(dt)
        return x
    if isinstance(x, KerasTensor):
        raise ValueError(
            "A KerasTensor is symbolic: it's a placeholder for a shape and a dtype. It doesn't have any actual "
            "numerical value. Call this op through `keras.ops` inside a functional model instead."
        )
    if device is None:
        device = get_device()
    if isinstance(x, (bool, int, float, complex)) and not isinstance(x, np.generic):
        dt = to_torch_dtype(dtype) if dtype is not None else _scalar_dtype(x)
        return torch.tensor(x, dtype=dt, device=device)
    if isinstance(x, (list, tuple)):
        if x and builtins.any(isinstance(e, torch.Tensor) for e in x):
            return torch.stack([_as_tensor(e, dtype=dtype, device=device) for e in x])
        flat = tree.flatten(x)
        if dtype is None:
            if flat:
                dtype = result_type(*[getattr(e, "dtype", type(e)) for e in flat])
            else:
                dtype = config.floatx()
        return torch.as_tensor(np.asarray(x), dtype=to_torch_dtype(dtype), device=device)
    if isinstance(x, np.generic) and isinstance(x, (float, np.bool_)) and dtype is None:
        # np.float64 scalars are Python floats: floatx, like a Python float.
        return _as_tensor(x.item(), device=device)
    if hasattr(x, "__array__") or isinstance(x, np.generic):
        arr = np.asarray(x)
        if arr.dtype == object:
            raise ValueError(f"Could not convert {type(x).__name__} of dtype=object to a tensor.")
        if dtype is None:
            if arr.dtype == np.float64:
                dtype = config.floatx()
            elif arr.dtype == np.uint16:
                dtype = "int32"
            elif arr.dtype == np.uint32:
                dtype = "int64"
            elif arr.dtype.kind in ("U", "S"):
                raise ValueError("Tensors of dtype 'string' are not supported by torch.")
            else:
                dtype = arr.dtype
        dt = to_torch_dtype(dtype)
        if not arr.flags.writeable or not arr.flags.c_contiguous and not arr.flags.f_contiguous:
            arr = np.array(arr)
        return torch.as_tensor(arr, device=device).to(dt)
    raise ValueError(
        f"Could not convert object of type {type(x).__name__} to a tensor. Expected a tensor, a NumPy array, "
        f"a Python number or a (nested) list of numbers. Received: x={x!r}"
    )


@keras_export("keras.ops.convert_to_tensor", "keras.ops.core.convert_to_tensor")
@keras_op("ConvertToTensor", module=_CORE)
def convert_to_tensor(x, dtype=None, sparse=None, ragged=None):
    """Convert a NumPy array, Python value or tensor to a torch tensor.

    Non-tensors are placed on the Keras device (`keras.backend.get_device()`); a tensor keeps its device.
    Python floats and float64 NumPy arrays become floatx (unless `dtype` is given), Python ints int32.
    """
    if sparse:
        raise ValueError("`sparse=True` is not supported with the torch backend.")
    if ragged:
        raise ValueError("`ragged=True` is not supported with the torch backend.")
    return _as_tensor(x, dtype=dtype)


def tensor_like(x, like):
    """`x` as a tensor on the device of tensor `like` (Python scalars keep Keras's dtypes)."""
    if isinstance(x, torch.Tensor):
        return x
    return _as_tensor(x, device=like.device if isinstance(like, torch.Tensor) else None)


def tensors(*xs):
    """Convert every argument; non-tensors go to the device of the first tensor argument."""
    ref = next((x for x in xs if isinstance(x, torch.Tensor)), None)
    device = ref.device if ref is not None else None
    return [x if isinstance(x, torch.Tensor) else _as_tensor(x, device=device) for x in xs]


@keras_export("keras.ops.convert_to_numpy", "keras.ops.core.convert_to_numpy")
def convert_to_numpy(x):
    """Convert a tensor (or a list of them) to a NumPy array."""
    if isinstance(x, KerasTensor):
        raise ValueError(
            "A KerasTensor is symbolic: it's a placeholder for a shape and a dtype. It doesn't have any actual "
            "numerical value. You cannot convert it to a NumPy array."
        )

    def one(v):
        if isinstance(v, torch.Tensor):
            v = v.detach()
            if v.dtype == torch.bfloat16:
                v = v.to(torch.float32)
            return v.cpu().numpy()
        return np.asarray(v)

    if isinstance(x, (list, tuple)):
        return np.array([one(v) for v in x])
    return one(x)


@keras_export("keras.ops.is_tensor", "keras.ops.core.is_tensor")
def is_tensor(x):
    """Whether `x` is a backend (torch) tensor. KerasTensors are not."""
    return isinstance(x, torch.Tensor)


@keras_export("keras.ops.shape", "keras.ops.core.shape")
def shape(x):
    """The shape of `x` as a tuple of ints (`None` for unknown dimensions of symbolic tensors)."""
    if isinstance(x, KerasTensor):
        return x.shape
    if isinstance(x, torch.Tensor):
        return tuple(x.shape)  # plain ints eagerly; symbolic sizes stay symbolic under torch.compile
    return tuple(np.shape(x))


@keras_export("keras.ops.dtype", "keras.ops.core.dtype")
def dtype(x):
    """The dtype of `x` as a Keras string such as `'float32'`."""
    if isinstance(x, (torch.Tensor, KerasTensor)) or hasattr(x, "dtype"):
        return standardize_dtype(x.dtype)
    return standardize_dtype(_as_tensor(x).dtype)


@keras_export("keras.ops.cast", "keras.ops.core.cast")
@keras_op("Cast", module=_CORE)
def cast(x, dtype):
    """Cast `x` to `dtype`."""
    x = _as_tensor(x) if not isinstance(x, torch.Tensor) else x
    dt = to_torch_dtype(dtype)
    return x if x.dtype == dt else x.to(dt)


@keras_export("keras.ops.saturate_cast", "keras.ops.core.saturate_cast")
@keras_op("SaturateCast", module=_CORE)
def saturate_cast(x, dtype):
    """Cast `x` to `dtype`, clipping values to the range of `dtype` first (no wrap-around)."""
    x = _as_tensor(x) if not isinstance(x, torch.Tensor) else x
    dt = to_torch_dtype(dtype)
    if dt == torch.bool:
        # The range of bool is [0, 1]: negative values saturate to False.
        return torch.clamp(x.to(torch.float64) if x.is_floating_point() else x.to(torch.int64), 0, 1).to(dt)
    if x.dtype == torch.bool:
        return x.to(dt)
    out_info = torch.finfo(dt) if dt.is_floating_point else torch.iinfo(dt)
    in_info = torch.finfo(x.dtype) if x.is_floating_point() else torch.iinfo(x.dtype)
    if x.is_floating_point():
        lo = builtins.max(float(out_info.min), float(in_info.min))
        hi = builtins.min(float(out_info.max), float(in_info.max))
        if dt.is_floating_point:
            return torch.clamp(x, lo, hi).to(dt)
        # Clip in float64; the top of a wide int range is not exact there, so step below it.
        if hi > out_info.max:
            hi = float(np.nextafter(hi, -np.inf))
        return torch.clamp(x.to(torch.float64), lo, hi).to(dt)
    lo_i = builtins.max(int(np.ceil(float(out_info.min))) if dt.is_floating_point else int(out_info.min),
                        int(in_info.min))
    hi_i = builtins.min(int(np.floor(float(out_info.max))) if dt.is_floating_point else int(out_info.max),
                        int(in_info.max))
    return torch.clamp(x, lo_i, hi_i).to(dt)


@keras_export("keras.ops.stop_gradient", "keras.ops.core.stop_gradient")
@keras_op("StopGradient", module=_CORE)
def stop_gradient(variable):
    """The value of `variable` with no gradient flowing back through it."""
    return _as_tensor(variable).detach()


# --------------------------------------------------------------------------------------------------------
# Slicing and scattering
# --------------------------------------------------------------------------------------------------------
def _int_list(v, what):
    if isinstance(v, torch.Tensor):
        return [int(e) for e in v.reshape(-1).tolist()]
    if isinstance(v, np.ndarray):
        return [int(e) for e in v.reshape(-1)]
    try:
        return [int(e) for e in v]
    except TypeError:
        raise ValueError(f"`{what}` must be a list of integers. Received: {what}={v!r}") from None


def _is_static_ints(v):
    return isinstance(v, (list, tuple)) and builtins.all(
        isinstance(e, (int, np.integer, torch.SymInt)) for e in v
    )


@keras_export("keras.ops.slice", "keras.ops.core.slice")
@keras_op("Slice", module=_CORE)
def slice(inputs, start_indices, shape):
    """The block of `inputs` of size `shape` starting at `start_indices` (one entry per axis)."""
    inputs = _as_tensor(inputs)
    sizes = _int_list(shape, "shape")
    if len(sizes) != inputs.dim():
        raise ValueError(
            "`shape` must have one entry per axis of `inputs`. "
            f"Received: inputs.shape={tuple(inputs.shape)}, shape={sizes}"
        )
    if _is_static_ints(start_indices):
        index = tuple(builtins.slice(int(s), int(s) + n) for s, n in zip(start_indices, sizes))
        return inputs[index]
    # Start indices held in a tensor: gather with index arithmetic on the device (no host sync).
    starts = tensor_like(start_indices, inputs).to(torch.int64).reshape(-1)
    out = inputs
    for axis, n in enumerate(sizes):
        start = torch.clamp(starts[axis], 0, builtins.max(inputs.shape[axis] - n, 0))
        idx = start + torch.arange(n, device=inputs.device)
        out = torch.index_select(out, axis, idx)
    return out


@keras_export("keras.ops.slice_update", "keras.ops.core.slice_update")
@keras_op("SliceUpdate", module=_CORE)
def slice_update(inputs, start_indices, updates):
    """A copy of `inputs` with the block starting at `start_indices` replaced by `updates`."""
    inputs, updates = tensors(inputs, updates)
    updates = updates.to(inputs.dtype)
    if updates.dim() != inputs.dim():
        raise ValueError(
            "`updates` must have the same rank as `inputs`. "
            f"Received: inputs.shape={tuple(inputs.shape)}, updates.shape={tuple(updates.shape)}"
        )
    out = inputs.clone()
    if _is_static_ints(start_indices):
        index = tuple(builtins.slice(int(s), int(s) + n) for s, n in zip(start_indices, updates.shape))
        out[index] = updates
        return out
    starts = tensor_like(start_indices, inputs).to(torch.int64).reshape(-1)
    grids = []
    for axis, n in enumerate(updates.shape):
        start = torch.clamp(starts[axis], 0, builtins.max(inputs.shape[axis] - n, 0))
        grids.append(start + torch.arange(n, device=inputs.device))
    mesh = torch.meshgrid(*grids, indexing="ij") if grids else ()
    out.index_put_(tuple(m.reshape(-1) for m in mesh), updates.reshape(-1))
    return out


@keras_export("keras.ops.scatter", "keras.ops.core.scatter")
@keras_op("Scatter", module=_CORE)
def scatter(indices, values, shape):
    """A zero tensor of `shape` with `values` added at `indices` (duplicates are summed)."""
    indices, values = tensors(indices, values)
    shape = tuple(_int_list(shape, "shape"))
    k = indices.shape[-1]
    out = torch.zeros(shape, dtype=values.dtype, device=values.device)
    idx = indices.reshape(-1, k).to(torch.int64)
    vals = values.reshape((-1,) + shape[k:])
    out.index_put_(tuple(idx.unbind(-1)), vals, accumulate=True)
    return out


@keras_export("keras.ops.scatter_update", "keras.ops.core.scatter_update")
@keras_op("ScatterUpdate", module=_CORE)
def scatter_update(inputs, indices, updates, reduction=None):
    """A copy of `inputs` where the entries at `indices` (shape `(N, k)`) are set to `updates`.

    `reduction` combines instead of replacing: `"add"`, `"max"`, `"min"` or `"mul"`.
    """
    inputs, indices, updates = tensors(inputs, indices, updates)
    updates = updates.to(inputs.dtype)
    idx = indices.to(torch.int64)
    k = idx.shape[-1]
    idx = idx.reshape(-1, k)
    rest = tuple(inputs.shape[k:])
    updates = updates.reshape((idx.shape[0],) + rest)
    out = inputs.clone()
    if reduction is None:
        out[tuple(idx.unbind(-1))] = updates
        return out
    if reduction == "add":
        out.index_put_(tuple(idx.unbind(-1)), updates, accumulate=True)
        return out
    modes = {"max": "amax", "min": "amin", "mul": "prod"}
    if reduction not in modes:
        raise ValueError(
            f"Unsupported reduction: {reduction}. Expected one of None, 'add', 'max', 'min', 'mul'."
        )
    # Linear index over the first k axes, then one vectorised scatter_reduce.
    strides = torch.tensor(
        [int(np.prod(inputs.shape[i + 1:k])) for i in range(k)], dtype=torch.int64, device=idx.device
    )
    linear = (idx * strides).sum(-1)
    flat = out.reshape((-1,) + rest)
    index = linear.reshape((-1,) + (1,) * len(rest)).expand_as(updates)
    flat = flat.scatter_reduce(0, index, updates, reduce=modes[reduction], include_self=True)
    return flat.reshape(inputs.shape)


@keras_export("keras.ops.unstack", "keras.ops.core.unstack")
@keras_op("Unstack", module=_CORE)
def unstack(x, num=None, axis=0):
    """Split `x` along `axis` into a list of tensors of one rank less."""
    x = _as_tensor(x)
    if num is not None and x.shape[axis] != num:
        raise ValueError(
            f"Cannot unstack axis {axis} of size {x.shape[axis]} into num={num} tensors."
        )
    return list(torch.unbind(x, dim=axis))


# --------------------------------------------------------------------------------------------------------
# Control flow (eager: plain Python loops and branches on tensors)
# --------------------------------------------------------------------------------------------------------
def _check_same_specs(a, b, what):
    fa, fb = tree.flatten(a), tree.flatten(b)
    if len(fa) != len(fb):
        raise ValueError(f"`{what}` branches must return the same structure. Received: {a} and {b}")
    for x, y in zip(fa, fb):
        if isinstance(x, (torch.Tensor, KerasTensor)) and isinstance(y, (torch.Tensor, KerasTensor)):
            if tuple(x.shape) != tuple(y.shape) or standardize_dtype(x.dtype) != standardize_dtype(y.dtype):
                raise ValueError(
                    f"`{what}` branches must return tensors with the same shapes and dtypes. Received: "
                    f"{tuple(x.shape)} {standardize_dtype(x.dtype)} and {tuple(y.shape)} "
                    f"{standardize_dtype(y.dtype)}"
                )


@keras_export("keras.ops.cond", "keras.ops.core.cond")
@keras_op("Cond", module=_CORE)
def cond(pred, true_fn, false_fn):
    """`true_fn()` if `pred` is true, else `false_fn()`."""
    if symbolic.in_symbolic_scope():
        t, f = true_fn(), false_fn()
        _check_same_specs(t, f, "cond")
        return t
    return true_fn() if bool(pred) else false_fn()


@keras_export("keras.ops.switch", "keras.ops.core.switch")
@keras_op("Switch", module=_CORE)
def switch(index, branches, *operands):
    """Call `branches[index](*operands)`; `index` is clamped into range."""
    if symbolic.in_symbolic_scope():
        outs = [b(*operands) for b in branches]
        for o in outs[1:]:
            _check_same_specs(outs[0], o, "switch")
        return outs[0]
    i = builtins.min(builtins.max(int(index), 0), len(branches) - 1)
    return branches[i](*operands)


@keras_export("keras.ops.while_loop", "keras.ops.core.while_loop")
@keras_op("WhileLoop", module=_CORE)
def while_loop(cond, body, loop_vars, maximum_iterations=None):
    """Run `loop_vars = body(*loop_vars)` while `cond(*loop_vars)` is true (at most `maximum_iterations`)."""
    is_seq = isinstance(loop_vars, (list, tuple))
    state = tuple(loop_vars) if is_seq else (loop_vars,)
    state = tree.map_structure(lambda v: _as_tensor(v) if not isinstance(v, torch.Tensor) else v, state)
    if symbolic.in_symbolic_scope():
        # Shapes and dtypes are loop invariant: one body run checks them.
        out = body(*state)
        out = tuple(out) if isinstance(out, (list, tuple)) else (out,)
        _check_same_specs(state, out, "while_loop")
        return state if is_seq else state[0]
    i = 0
    while (maximum_iterations is None or i < maximum_iterations) and bool(cond(*state)):
        out = body(*state)
        state = tuple(out) if isinstance(out, (list, tuple)) else (out,)
        i += 1
    return state if is_seq else state[0]


@keras_export("keras.ops.fori_loop", "keras.ops.core.fori_loop")
@keras_op("ForiLoop", module=_CORE)
def fori_loop(lower, upper, body_fun, init_val):
    """`val = body_fun(i, val)` for `i` in `range(lower, upper)`."""
    val = init_val
    for i in range(int(lower), int(upper)):
        val = body_fun(i, val)
    return val


@keras_export("keras.ops.scan", "keras.ops.core.scan")
@keras_op("Scan", module=_CORE)
def scan(f, init, xs=None, length=None, reverse=False, unroll=1):
    """Loop `carry, y = f(carry, x)` over the leading axis of `xs`; returns `(carry, stacked ys)`."""
    if not callable(f):
        raise TypeError(f"`f` should be a callable. Received: f={f}")
    if not isinstance(unroll, bool) and (not isinstance(unroll, int) or unroll < 1):
        raise ValueError(f"`unroll` must be an positive integer or boolean. Received: unroll={unroll}")
    if xs is None and length is None:
        raise ValueError("Got no `xs` to scan over and `length` not provided.")
    xs_flat = [_as_tensor(x) for x in tree.flatten(xs)] if xs is not None else []
    n = int(length) if length is not None else int(xs_flat[0].shape[0])
    init = tree.map_structure(lambda v: _as_tensor(v) if not isinstance(v, torch.Tensor) else v, init)
    carry = init
    ys = []
    order = range(n - 1, -1, -1) if reverse else range(n)
    for i in order:
        x = tree.pack_sequence_as(xs, [t[i] for t in xs_flat]) if xs is not None else None
        carry, y = f(carry, x)
        ys.append(y)
    if reverse:
        ys.reverse()
    if not ys:
        return carry, None
    if ys[0] is None:
        stacked = tree.map_structure(lambda c: torch.zeros((n,) + tuple(c.shape), dtype=c.dtype,
                                                          device=c.device), init)
    else:
        stacked = tree.map_structure(lambda *leaves: torch.stack([_as_tensor(v) for v in leaves]), *ys)
    return carry, stacked


@keras_export("keras.ops.map", "keras.ops.core.map")
@keras_op("Map", module=_CORE)
def map(f, xs):
    """Apply `f` to each slice of `xs` along the leading axis and stack the results."""
    flat = [_as_tensor(x) for x in tree.flatten(xs)]
    n = int(flat[0].shape[0])
    outs = [f(tree.pack_sequence_as(xs, [t[i] for t in flat])) for i in range(n)]
    return tree.map_structure(lambda *leaves: torch.stack([_as_tensor(v) for v in leaves]), *outs)


@keras_export("keras.ops.associative_scan", "keras.ops.core.associative_scan")
@keras_op("AssociativeScan", module=_CORE)
def associative_scan(f, elems, reverse=False, axis=0):
    """Inclusive scan of `elems` along `axis` with the associative binary function `f`.

    Computed in log2(n) vectorised steps (each element combines with the one `2^k` before it).
    """
    if not callable(f):
        raise TypeError(f"`f` should be a callable. Received: f={f}")
    flat = [_as_tensor(e) for e in tree.flatten(elems)]
    n = int(flat[0].shape[axis])
    if builtins.any(int(e.shape[axis]) != n for e in flat):
        raise ValueError(
            "Array inputs to associative_scan must have the same size along `axis`. "
            f"Received shapes: {[tuple(e.shape) for e in flat]}"
        )
    if reverse:
        flat = [torch.flip(e, (axis,)) for e in flat]
    offset = 1
    while offset < n:
        lhs = [e.narrow(axis, 0, n - offset) for e in flat]
        rhs = [e.narrow(axis, offset, n - offset) for e in flat]
        combined = tree.flatten(f(tree.pack_sequence_as(elems, lhs), tree.pack_sequence_as(elems, rhs)))
        flat = [torch.cat([e.narrow(axis, 0, offset), c.to(e.dtype)], dim=axis) for e, c in zip(flat, combined)]
        offset *= 2
    if reverse:
        flat = [torch.flip(e, (axis,)) for e in flat]
    return tree.pack_sequence_as(elems, flat)


@keras_export("keras.ops.vectorized_map", "keras.ops.core.vectorized_map")
@keras_op("VectorizedMap", module=_CORE)
def vectorized_map(function, elements):
    """`function` applied to each slice of `elements` along axis 0, stacked (vectorised with `torch.vmap`)."""
    try:
        return torch.vmap(function)(elements)
    except RuntimeError as e:
        # Functions vmap can't batch (data-dependent control flow, .item(), in-place ops on inputs...)
        # run slice by slice.
        msg = str(e)
        if "vmap" not in msg and "batched" not in msg.lower() and "Batching" not in msg:
            raise
    flat = [_as_tensor(x) for x in tree.flatten(elements)]
    n = int(flat[0].shape[0])
    outs = [function(tree.pack_sequence_as(elements, [t[i] for t in flat])) for i in range(n)]
    return tree.map_structure(lambda *leaves: torch.stack([_as_tensor(v) for v in leaves]), *outs)


# --------------------------------------------------------------------------------------------------------
# Custom gradients
# --------------------------------------------------------------------------------------------------------
def _call_grad_fn(grad_fn, upstream):
    try:
        params = inspect.signature(grad_fn).parameters
    except (TypeError, ValueError):
        params = {}
    accepts_kw = "upstream" in params or builtins.any(p.kind == p.VAR_KEYWORD for p in params.values())
    if accepts_kw:
        return grad_fn(upstream=upstream)
    return grad_fn(upstream)


class _CustomGradient(torch.autograd.Function):
    @staticmethod
    def forward(ctx, fn, n_args, *args):
        result = fn(*args[:n_args])
        if not (isinstance(result, (list, tuple)) and len(result) == 2 and callable(result[1])):
            raise ValueError(
                "A function decorated with `custom_gradient` must return a tuple `(output, grad_fn)` where "
                f"`grad_fn(upstream)` computes the gradients. Received: {type(result).__name__}"
            )
        output, grad_fn = result
        ctx.grad_fn = grad_fn
        ctx.is_tensor = [isinstance(a, torch.Tensor) for a in args[:n_args]]
        return output

    @staticmethod
    def backward(ctx, *upstream):
        grads = _call_grad_fn(ctx.grad_fn, upstream[0] if len(upstream) == 1 else upstream)
        if not isinstance(grads, (list, tuple)):
            grads = (grads,)
        grads = list(grads)
        out = []
        for is_t in ctx.is_tensor:
            out.append(grads.pop(0) if is_t and grads else None)
        return (None, None, *out)


@keras_export("keras.ops.custom_gradient", "keras.ops.core.custom_gradient")
def custom_gradient(f):
    """Decorator: `f(*args)` returns `(output, grad_fn)`; `grad_fn(upstream)` returns the input gradients.

    As in Keras on torch, `grad_fn` may be written as `def grad(*args, upstream=None)`.
    """

    @functools.wraps(f)
    def wrapper(*args, **kwargs):
        if kwargs:
            fn = functools.partial(f, **kwargs)
        else:
            fn = f
        args = tuple(_as_tensor(a) if isinstance(a, (np.ndarray, float)) else a for a in args)
        return _CustomGradient.apply(fn, len(args), *args)

    return wrapper
