"""`keras.optimizers.SGD`: gradient descent with optional (Nesterov) momentum."""
import torch

from torchkeras.api_export import keras_export
from torchkeras.optimizers.base_optimizer import Optimizer
from torchkeras.optimizers.optimizer_utils import foreach_add_scaled_


@keras_export("keras.optimizers.SGD", "keras.optimizers.legacy.SGD")
class SGD(Optimizer):
    """Gradient descent (with momentum).

    Without momentum: `w -= learning_rate * g`. With momentum, the velocity stores the scaled step,
    `velocity = momentum * velocity - learning_rate * g`, then `w += velocity`, or with Nesterov
    `w += momentum * velocity - learning_rate * g` (so a changed learning rate only affects new gradients).

    Args:
        learning_rate: float, schedule or callable; default 0.01.
        momentum: float in [0, 1]; default 0.0.
        nesterov: whether to apply Nesterov momentum; default False.
        **kwargs: the common optimizer arguments (see `keras.optimizers.Optimizer`).
    """

    _update_traces = True

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, weight_decay=None, clipnorm=None,
                 clipvalue=None, global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None, gradient_accumulation_steps=None, name=None,
                 **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, use_ema=use_ema,
                         ema_momentum=ema_momentum, ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor,
                         gradient_accumulation_steps=gradient_accumulation_steps, **kwargs)
        if not isinstance(momentum, float) or momentum < 0 or momentum > 1:
            raise ValueError("`momentum` must be a float between [0, 1].")
        self.momentum = momentum
        self.nesterov = nesterov

    def build(self, variables):
        if self.built:
            return
        super().build(variables)
        self.momentums = []
        if self.momentum != 0:
            self.momentums = self.add_optimizer_variables(variables, "momentum")

    def _slot_lists(self):
        return {"momentum": self.momentums} if self.momentum != 0 else {}

    def _update_group(self, group, grads, lr, local_step):
        params = group.params
        if self.momentum == 0:
            foreach_add_scaled_(params, grads, -lr)
            return
        velocities = group.slots["momentum"]
        torch._foreach_mul_(velocities, self.momentum)
        foreach_add_scaled_(velocities, grads, -lr)
        if self.nesterov:
            foreach_add_scaled_(params, grads, -lr)
            torch._foreach_add_(params, velocities, alpha=self.momentum)
        else:
            torch._foreach_add_(params, velocities)

    def get_config(self):
        config = super().get_config()
        config.update({"momentum": self.momentum, "nesterov": self.nesterov})
        return config
