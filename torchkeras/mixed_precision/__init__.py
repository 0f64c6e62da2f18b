"""`keras.mixed_precision`: dtype policies (`set_global_policy("mixed_float16")`, per-layer `dtype=`) run with
`torch.autocast`, and `LossScaleOptimizer` for dynamic loss scaling of float16 training.

`Layer` imports `autocast_scope` from here; every public name resolves on first use from the public table.
"""
from torchkeras.api_export import namespace as _namespace

__getattr__, __dir__, __all__ = _namespace(__name__, internal={
    "call_with_policy": "torchkeras.mixed_precision.autocast_scope:call_with_policy",
    "needs_policy_scope": "torchkeras.mixed_precision.autocast_scope:needs_policy_scope",
    "maybe_wrap_optimizer": "torchkeras.mixed_precision.loss_scaling:maybe_wrap_optimizer",
})
