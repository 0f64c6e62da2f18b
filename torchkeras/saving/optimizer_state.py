"""Optimizer state in the legacy `.h5` `optimizer_weights` group: writing it, and restoring it from files
written by torchkeras, Keras 3 or Keras 2 (new and legacy optimizers).

The slot variables (momentums, velocities, ...) are restored as well as the iteration count and the
learning rate, so that training resumed after `load_model` continues exactly where it stopped. Names tell
the entries apart:
- Keras 3 / torchkeras: `adam/iteration`, `adam/learning_rate`, then `adam/<var path>_momentum`, ...
  in the optimizer's variable order.
- Keras 2 (TF >= 2.11): `iteration:0`, then `Adam/m/<var path>:0`, `Adam/v/<var path>:0` per variable.
- Keras 2 legacy optimizers: `Adam/iter:0`, all `Adam/<var path>/m:0`, then all `.../v:0` (regrouped per
  variable here); scalar hyper-parameters such as `Adam/beta_1:0` are ignored.
The slots are assigned only if their number and shapes match the optimizer's; otherwise a warning says
the optimizer starts fresh, and nothing is changed.
"""
import warnings

import numpy as np
import torch

from torchkeras.saving import h5_utils
from torchkeras.saving import stores

_ITERATION_NAMES = ("iteration", "iter", "iterations")
_LR_NAMES = ("learning_rate", "lr")
_LEGACY_SCALARS = ("beta_1", "beta_2", "decay", "epsilon", "rho", "momentum", "initial_accumulator_value",
                   "learning_rate_power", "l1_regularization_strength", "l2_regularization_strength")


def write_optimizer_weights(file, optimizer):
    """Write `optimizer.variables` into `file["optimizer_weights"]` (Keras 3 names)."""
    variables = list(getattr(optimizer, "variables", []))
    if not variables:
        return
    group = file.create_group("optimizer_weights")
    used = set()
    names = []
    for variable in variables:
        name = str(getattr(variable, "path", None) or variable.name)
        base, i = name, 1
        while name in used:
            name = f"{base}_{i}"
            i += 1
        used.add(name)
        h5_utils.write_dataset(group, name, variable.detach().cpu().numpy())
        names.append(name)
    h5_utils.write_name_list(group, "weight_names", names)


def read_optimizer_weights(file):
    """`[(name, array), ...]` from `file["optimizer_weights"]` (empty if absent)."""
    group = h5_utils.child(file, "optimizer_weights", "group")
    if group is None:
        return []
    names = h5_utils.read_name_list(group, "weight_names")
    return [(name, h5_utils.read_dataset(group, name, where=" of the optimizer")) for name in names]


def _short(name):
    name = name[:-2] if name.endswith(":0") else name
    return name


def _classify(entries):
    """Split file entries into (iteration, learning_rate, slots, legacy) by name."""
    iteration = learning_rate = None
    slots = []
    legacy = False
    for name, value in entries:
        short = _short(name)
        parts = short.split("/")
        last = parts[-1]
        scalar = np.ndim(value) == 0
        if scalar and last in _ITERATION_NAMES:
            iteration = value
            legacy = legacy or last == "iter"
        elif scalar and last in _LR_NAMES:
            learning_rate = value
        elif scalar and len(parts) <= 2 and last in _LEGACY_SCALARS:
            continue
        else:
            slots.append((short, value))
    return iteration, learning_rate, slots, legacy


def _interleave_legacy(slots):
    """Keras 2 legacy order (all `m`, then all `v`) to per-variable order (`m0, v0, m1, v1, ...`)."""
    groups = {}
    for name, value in slots:
        kind = name.rsplit("/", 1)[-1]
        groups.setdefault(kind, []).append((name, value))
    lengths = {len(g) for g in groups.values()}
    if len(groups) <= 1 or len(lengths) != 1:
        return slots
    count = lengths.pop()
    kinds = list(groups)
    return [groups[kind][i] for i in range(count) for kind in kinds]


def _target_slots(optimizer):
    iteration = getattr(optimizer, "_iterations", None)
    learning_rate = getattr(optimizer, "_learning_rate", None)
    out = []
    for variable in optimizer.variables:
        if variable is iteration or variable is learning_rate:
            continue
        out.append(variable)
    return out


def restore(optimizer, entries, trainable_weights):
    """Build `optimizer` over `trainable_weights` if needed, then assign the saved state. Returns success."""
    if not entries:
        return False
    if not getattr(optimizer, "built", False):
        from torchkeras.backend import naming

        with naming.name_scope(optimizer.name, caller=optimizer):
            optimizer.build(list(trainable_weights))
    iteration, learning_rate, slots, legacy = _classify(entries)
    if legacy:
        slots = _interleave_legacy(slots)
    targets = _target_slots(optimizer)
    problem = None
    if len(slots) != len(targets):
        problem = (f"the file holds {len(slots)} slot variable(s) but the optimizer has {len(targets)} "
                   f"({[tuple(v.shape) for v in targets]})")
    else:
        for (name, value), variable in zip(slots, targets):
            if tuple(np.shape(value)) != tuple(variable.shape):
                problem = (f"the saved variable '{name}' has shape {tuple(np.shape(value))} but the optimizer "
                           f"variable '{getattr(variable, 'path', variable.name)}' has shape "
                           f"{tuple(variable.shape)}")
                break
    if problem is not None:
        warnings.warn(
            f"Could not restore the saved optimizer state: {problem}. The optimizer '{optimizer.name}' starts "
            "with fresh state.",
            stacklevel=3,
        )
        return False
    for (name, value), variable in zip(slots, targets):
        stores.check_assignable(variable, value, f"optimizer '{optimizer.name}'")
    lr_variable = getattr(optimizer, "_learning_rate", None)
    for value in (iteration, learning_rate):
        if value is not None and np.asarray(value).dtype.kind not in ("b", "i", "u", "f"):
            raise ValueError(f"The saved optimizer state holds a {np.asarray(value).dtype} value where a number "
                             "is expected: the file is damaged.")
    for (_, value), variable in zip(slots, targets):
        stores.assign(variable, value)
    with torch.no_grad():
        if iteration is not None:
            optimizer._iterations.copy_(torch.as_tensor(stores.assignable(iteration)).to(optimizer._iterations.dtype))
        if learning_rate is not None and isinstance(lr_variable, torch.Tensor) and lr_variable.dim() == 0:
            lr_variable.copy_(torch.as_tensor(stores.assignable(learning_rate)).to(lr_variable.dtype))
    if learning_rate is not None and getattr(optimizer, "built", False):
        group = optimizer.param_groups[0]
        lr_variable = getattr(optimizer, "_learning_rate", None)
        if isinstance(lr_variable, torch.Tensor):
            group["lr"] = optimizer._group_lr_seen = float(lr_variable.item())
    return True
