"""What `compile(auto_scale_loss=True)` does under the `mixed_float16` policy: wrap the optimizer in a
`LossScaleOptimizer`, as Keras 3 does."""
from torchkeras.mixed_precision.loss_scale_optimizer import LossScaleOptimizer


def maybe_wrap_optimizer(model, optimizer, auto_scale_loss=True):
    """`optimizer` wrapped in a `LossScaleOptimizer` if the model's policy is `mixed_float16` (and
    `auto_scale_loss`), else `optimizer` unchanged."""
    if not auto_scale_loss or optimizer is None or isinstance(optimizer, LossScaleOptimizer):
        return optimizer
    policy = getattr(model, "dtype_policy", None)
    if getattr(policy, "name", None) != "mixed_float16":
        return optimizer
    return LossScaleOptimizer(optimizer, name="loss_scale_optimizer")
