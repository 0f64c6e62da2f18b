"""`keras.mixed_precision`: dtype policies (`set_global_policy("mixed_float16")`, per-layer `dtype=`) run with
`torch.autocast`, and `LossScaleOptimizer` for dynamic loss scaling of float16 training.

`Layer` imports `autocast_scope` from here, so the optimizer side is loaded lazily.
"""
import importlib

from torchkeras.dtype_policies import DTypePolicy
from torchkeras.dtype_policies import dtype_policy
from torchkeras.dtype_policies import global_policy
from torchkeras.dtype_policies import set_dtype_policy
from torchkeras.dtype_policies import set_global_policy
from torchkeras.mixed_precision.autocast_scope import call_with_policy
from torchkeras.mixed_precision.autocast_scope import needs_policy_scope

Policy = DTypePolicy

_LAZY = {
    "LossScaleOptimizer": "torchkeras.mixed_precision.loss_scale_optimizer",
    "maybe_wrap_optimizer": "torchkeras.mixed_precision.loss_scaling",
}

__all__ = ["DTypePolicy", "LossScaleOptimizer", "Policy", "call_with_policy", "dtype_policy", "global_policy",
           "maybe_wrap_optimizer", "needs_policy_scope", "set_dtype_policy", "set_global_policy"]


def __getattr__(name):
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'torchkeras.mixed_precision' has no attribute '{name}'")


def __dir__():
    return sorted(set(globals()) | set(_LAZY))
