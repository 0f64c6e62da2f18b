"""Keras's gradient clipping rules, vectorised with `torch._foreach_*`.

These are Keras's rules, not `torch.nn.utils.clip_grad_norm_`'s: `clipnorm` clips each tensor on its own
(`g * c / max(||g||, c)`), `global_clipnorm` scales all gradients by `min(1, c / ||G||)` (NaN everywhere when
the global norm is not finite), and `clipvalue` clips every element to `[-v, v]`. Each function returns new
tensors and leaves its input untouched. Nothing here reads a value back to the host.

keras.distribution: gradients of sharded variables are DTensors, which foreach ops can't mix with plain
tensors; a mixed list is clipped in two parts (the global norm still covers all of them).
"""
import torch

from torchkeras.distribution import dtensor_utils


def clip_by_norm(grads, clipnorm):
    """Clip each gradient so that its L2 norm is at most `clipnorm`."""
    parts = _partition(grads)
    if parts is not None:
        return _merge(grads, parts, [clip_by_norm([grads[i] for i in part], clipnorm) for part in parts])
    norms = torch._foreach_norm(grads)
    denominators = torch._foreach_clamp_min(norms, clipnorm)
    clipped = torch._foreach_mul(grads, clipnorm)
    torch._foreach_div_(clipped, denominators)
    return clipped


def global_norm(grads):
    """The L2 norm of all gradients together, as a 0-dim float32 tensor on the first gradient's device."""
    parts = _partition(grads) or [range(len(grads))]
    device = next((g.device for g in grads if not dtensor_utils.is_dtensor(g)), grads[0].device)
    norms = []
    for part in parts:
        part_norms = torch._foreach_norm([grads[i] for i in part])
        if dtensor_utils.is_dtensor(grads[part[0]]):
            part_norms = dtensor_utils.whole_values(part_norms)  # one collective per layout, not per tensor
        norms.extend(n.to(device=device, dtype=torch.float32) for n in part_norms)
    return torch.linalg.vector_norm(torch.stack(norms))


def clip_by_global_norm(grads, clipnorm):
    """Scale all gradients by `min(1, clipnorm / global_norm)`; a non-finite norm turns them all into NaN."""
    norm = global_norm(grads)
    scale = clipnorm * torch.clamp_max(1.0 / norm, 1.0 / clipnorm)
    scale = scale + (norm - norm)  # a no-op for a finite norm, NaN otherwise
    if _partition(grads) is not None or dtensor_utils.is_dtensor(grads[0]):
        return [dtensor_utils.scale(g, scale) for g in grads]
    if _mixed(grads):
        return [g * scale.to(device=g.device, dtype=g.dtype) for g in grads]
    return torch._foreach_mul(grads, scale.to(grads[0].dtype))


def clip_by_value(grads, clipvalue):
    """Clip every gradient element to `[-clipvalue, clipvalue]`."""
    parts = _partition(grads)
    if parts is not None:
        return _merge(grads, parts, [clip_by_value([grads[i] for i in part], clipvalue) for part in parts])
    clipped = torch._foreach_clamp_min(grads, -clipvalue)
    torch._foreach_clamp_max_(clipped, clipvalue)
    return clipped


def _mixed(grads):
    first = grads[0]
    return any(g.device != first.device or g.dtype != first.dtype for g in grads)


def _partition(grads):
    """`[positions of plain tensors, positions of DTensors]` when `grads` mixes both, else None."""
    flags = [dtensor_utils.is_dtensor(g) for g in grads]
    if all(flags) or not any(flags):
        return None
    return [[i for i, f in enumerate(flags) if not f], [i for i, f in enumerate(flags) if f]]


def _merge(grads, parts, results):
    out = [None] * len(grads)
    for part, values in zip(parts, results):
        for i, v in zip(part, values):
            out[i] = v
    return out
