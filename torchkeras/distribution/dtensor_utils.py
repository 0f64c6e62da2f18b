"""Plain-torch helpers for values that may be DTensors (sharded weights and gradients under
`keras.distribution.ModelParallel`). Imports nothing from torchkeras, so optimizers and layers use it freely."""
import sys

import torch


def is_dtensor(value):
    """Whether `value` is a torch DTensor (cheap: False until something imported DTensor)."""
    module = sys.modules.get("torch.distributed.tensor")
    return module is not None and isinstance(value, module.DTensor)


def whole(value):
    """A DTensor's whole value as a plain tensor (differentiable; a collective), other values unchanged."""
    if is_dtensor(value):
        return value.full_tensor()
    return value


def whole_values(dtensors):
    """The whole values of 0-dim DTensors (e.g. per-shard norms), reduced with one collective per mesh and
    placements rather than one per tensor."""
    groups = {}
    for i, t in enumerate(dtensors):
        groups.setdefault((id(t.device_mesh), tuple(t.placements)), []).append(i)
    out = [None] * len(dtensors)
    for positions in groups.values():
        values = torch.stack([dtensors[i] for i in positions]).full_tensor()
        for i, v in zip(positions, values):
            out[i] = v
    return out


def scale(value, factor):
    """`value * factor` for a plain 0-dim tensor `factor`, also when `value` is a DTensor."""
    if is_dtensor(value):
        from torch.distributed.tensor import DTensor, Replicate

        mesh = value.device_mesh
        factor = DTensor.from_local(factor.to(device=value.to_local().device, dtype=value.dtype), mesh,
                                    [Replicate()] * mesh.ndim, run_check=False)
        return value * factor
    return value * factor.to(device=value.device, dtype=value.dtype)
