"""`keras.optimizers.RMSprop`."""
import torch

from torchkeras.api_export import keras_export
from torchkeras.optimizers.base_optimizer import Optimizer
from torchkeras.optimizers.optimizer_utils import foreach_addcdiv_


@keras_export("keras.optimizers.RMSprop", "keras.optimizers.legacy.RMSprop")
class RMSprop(Optimizer):
    """RMSprop: divide the gradient by a running root mean square of recent gradients.

    `s = rho * s + (1 - rho) * g**2`; centered: `a = rho * a + (1 - rho) * g` and the denominator is
    `sqrt(s - a**2 + epsilon)`, else `sqrt(s + epsilon)` (epsilon inside the square root, unlike torch).
    The step `lr * g / denominator` goes through a momentum buffer when `momentum > 0`.

    Args:
        learning_rate: default 0.001.
        rho: discounting factor of the squared-gradient average; default 0.9.
        momentum: default 0.0.
        epsilon: default 1e-7.
        centered: normalize by the estimated variance instead of the second moment; default False.
        **kwargs: the common optimizer arguments (see `keras.optimizers.Optimizer`).
    """

    _update_traces = True

    def __init__(self, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False,
                 weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None, use_ema=False,
                 ema_momentum=0.99, ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, use_ema=use_ema,
                         ema_momentum=ema_momentum, ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor,
                         gradient_accumulation_steps=gradient_accumulation_steps, name=name, **kwargs)
        self.rho = rho
        self.momentum = momentum
        self.epsilon = epsilon
        self.centered = centered

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        self._velocities = self.add_optimizer_variables(var_list, "velocity")
        self._momentums = []
        if self.momentum > 0:
            self._momentums = self.add_optimizer_variables(var_list, "momentum")
        self._average_gradients = []
        if self.centered:
            self._average_gradients = self.add_optimizer_variables(var_list, "average_gradient")

    def _slot_lists(self):
        slots = {"velocity": self._velocities}
        if self.momentum > 0:
            slots["momentum"] = self._momentums
        if self.centered:
            slots["average_gradient"] = self._average_gradients
        return slots

    def _update_group(self, group, grads, lr, local_step):
        rho = self.rho
        velocities = group.slots["velocity"]
        torch._foreach_mul_(velocities, rho)
        torch._foreach_addcmul_(velocities, grads, grads, value=1 - rho)
        if self.centered:
            averages = group.slots["average_gradient"]
            torch._foreach_mul_(averages, rho)
            torch._foreach_add_(averages, grads, alpha=1 - rho)
            denominators = torch._foreach_addcmul(velocities, averages, averages, value=-1)
            torch._foreach_add_(denominators, self.epsilon)
        else:
            denominators = torch._foreach_add(velocities, self.epsilon)
        torch._foreach_sqrt_(denominators)
        if self.momentum > 0:
            momentums = group.slots["momentum"]
            torch._foreach_mul_(momentums, self.momentum)
            foreach_addcdiv_(momentums, grads, denominators, lr)
            torch._foreach_sub_(group.params, momentums)
        else:
            foreach_addcdiv_(group.params, grads, denominators, -lr)

    def get_config(self):
        config = super().get_config()
        config.update({"rho": self.rho, "momentum": self.momentum, "epsilon": self.epsilon,
                       "centered": self.centered})
        return config
