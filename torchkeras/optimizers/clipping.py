"""Keras's gradient clipping rules, vectorised with `torch._foreach_*`.

These are Keras's rules, not `torch.nn.utils.clip_grad_norm_`'s: `clipnorm` clips each tensor on its own
(`g * c / max(||g||, c)`), `global_clipnorm` scales all gradients by `min(1, c / ||G||)` (NaN everywhere when
the global norm is not finite), and `clipvalue` clips every element to `[-v, v]`. Each function returns new
tensors and leaves its input untouched. Nothing here reads a value back to the host.
"""
import torch


def clip_by_norm(grads, clipnorm):
    """Clip each gradient so that its L2 norm is at most `clipnorm`."""
    norms = torch._foreach_norm(grads)
    denominators = torch._foreach_clamp_min(norms, clipnorm)
    clipped = torch._foreach_mul(grads, clipnorm)
    torch._foreach_div_(clipped, denominators)
    return clipped


def global_norm(grads):
    """The L2 norm of all gradients together, as a 0-dim float32 tensor on the first gradient's device."""
    device = grads[0].device
    norms = [n.to(device=device, dtype=torch.float32) for n in torch._foreach_norm(grads)]
    return torch.linalg.vector_norm(torch.stack(norms))


def clip_by_global_norm(grads, clipnorm):
    """Scale all gradients by `min(1, clipnorm / global_norm)`; a non-finite norm turns them all into NaN."""
    norm = global_norm(grads)
    scale = clipnorm * torch.clamp_max(1.0 / norm, 1.0 / clipnorm)
    scale = scale + (norm - norm)  # a no-op for a finite norm, NaN otherwise
    if _mixed(grads):
        return [g * scale.to(device=g.device, dtype=g.dtype) for g in grads]
    return torch._foreach_mul(grads, scale.to(grads[0].dtype))


def clip_by_value(grads, clipvalue):
    """Clip every gradient element to `[-clipvalue, clipvalue]`."""
    clipped = torch._foreach_clamp_min(grads, -clipvalue)
    torch._foreach_clamp_max_(clipped, clipvalue)
    return clipped


def _mixed(grads):
    first = grads[0]
    return any(g.device != first.device or g.dtype != first.dtype for g in grads)
