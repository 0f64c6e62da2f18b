"""Running a layer under its dtype policy with `torch.autocast`.

Per layer:
- a mixed policy (`mixed_float16`, `mixed_bfloat16`): variables stay float32 and the layer runs under
  `torch.autocast(dtype=compute dtype)`, so matmuls and convolutions run in half precision with the float32
  weights cast on the fly, and their results have the compute dtype. Mixed policies compute in the variable
  dtype wherever autocast does not lower the precision. A layer created with `autocast=False` (Keras's
  normalization layers) runs with autocast off, on float32 inputs.
- a full-precision policy (e.g. `dtype="float32"` on the last layer) inside a mixed region: autocast is
  switched off for the layer and its half-precision inputs are cast to float32, so its outputs are float32,
  as in Keras.
- a full-precision model (or layer) holding mixed sublayers opens such a region for them, so a float32
  layer after a mixed one gets float32 inputs;
- otherwise a full-precision layer runs untouched (user-made `torch.autocast` regions and half-precision
  inputs given directly are left alone).

`needs_policy_scope(layer)` is the cheap test for the layer's call path; `call_with_policy` does the work.
"""
import threading

import torch

from torchkeras.backend import dtypes
from torchkeras.backend.device import get_device


class _MixedRegions(threading.local):
    def __init__(self):
        self.stack = []  # open mixed-precision regions; each thread starts with its own


_state = _MixedRegions()
_HALF = ("float16", "bfloat16")
_HALF_TORCH = (torch.float16, torch.bfloat16)


def _stack():
    return _state.stack


def in_mixed_scope():
    """True while a mixed-precision layer is running (in this thread)."""
    return bool(_state.stack)


def needs_policy_scope(layer):
    """True if `layer` must run through `call_with_policy`: its policy is mixed, it holds mixed-policy
    sublayers (a float32 model with per-layer policies), or a mixed region encloses it.

    This runs on every layer call: the answer for the layer itself is cached per model structure and policy.
    """
    return layer_sets_policy(layer) or bool(_state.stack)


def layer_sets_policy(layer):
    """True if `layer` itself needs a policy region: its policy is mixed, or it holds mixed-policy sublayers
    (cached per model structure and policy)."""
    cached = layer.__dict__.get("_policy_check")
    if cached is None or cached[0] != _structure_version() or cached[1] is not layer._dtype_policy:
        cached = (_structure_version(), layer._dtype_policy,
                  layer._dtype_policy.is_mixed or _holds_mixed(layer))
        layer.__dict__["_policy_check"] = cached
    return cached[2]


def call_with_policy(layer, fn, args, kwargs):
    """Call `fn(*args, **kwargs)` (the layer's `call`) under `layer`'s dtype policy."""
    policy = layer._dtype_policy
    compute = policy.compute_dtype
    mixed = policy.is_mixed and compute in _HALF
    stack = _stack()
    if not mixed and not dtypes.is_float_dtype(compute):
        return fn(*args, **kwargs)
    if not mixed and not stack:
        # A full-precision layer holding mixed sublayers: it opens the region in which its sublayers follow
        # their own policies (float32 ones cast their half-precision inputs back to float32).
        stack.append(None)
        try:
            return fn(*args, **kwargs)
        finally:
            stack.pop()
    device_type = _device_type(args, kwargs)
    if mixed and getattr(layer, "autocast", True):
        scope = torch.autocast(device_type, dtype=dtypes.to_torch_dtype(compute))
    else:
        target = dtypes.to_torch_dtype(policy.variable_dtype)
        args = _cast_floating(args, target, only=_HALF_TORCH)
        kwargs = _cast_floating(kwargs, target, only=_HALF_TORCH)
        scope = torch.autocast(device_type, enabled=False)
    stack.append(compute)
    try:
        with scope:
            return fn(*args, **kwargs)
    finally:
        stack.pop()


def _device_type(args, kwargs):
    for value in _iter_tensors((args, kwargs)):
        return value.device.type
    return get_device().type


def _iter_tensors(value):
    if isinstance(value, torch.Tensor):
        yield value
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _iter_tensors(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _iter_tensors(item)


def _cast_floating(value, dtype, only=None):
    """`value` with its floating tensors cast to `dtype` (only those whose dtype is in `only`, if given). Keras
    masks attached to the tensors follow them."""
    if isinstance(value, torch.Tensor):
        if not value.is_floating_point() or value.dtype == dtype or (only is not None and value.dtype not in only):
            return value
        mask = getattr(value, "_keras_mask", None)
        cast = value.to(dtype)
        if mask is not None:
            cast._keras_mask = mask
        return cast
    if isinstance(value, tuple) and hasattr(value, "_fields"):
        return type(value)(*(_cast_floating(v, dtype, only) for v in value))
    if isinstance(value, tuple):
        return tuple(_cast_floating(v, dtype, only) for v in value)
    if isinstance(value, list):
        return [_cast_floating(v, dtype, only) for v in value]
    if isinstance(value, dict):
        return {k: _cast_floating(v, dtype, only) for k, v in value.items()}
    return value


_VERSION = []


def _structure_version():
    if not _VERSION:
        from torchkeras.layers.layer import structure_version

        _VERSION.append(structure_version)
    return _VERSION[0]()


def _holds_mixed(layer):
    """True if a sublayer of `layer` has a mixed policy."""
    return any(sub._dtype_policy.is_mixed for sub in layer._flatten_layers(include_self=False))
