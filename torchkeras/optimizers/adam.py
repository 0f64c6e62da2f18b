"""`keras.optimizers.Adam`."""
import torch

from torchkeras.api_export import keras_export
from torchkeras.optimizers.base_optimizer import Optimizer
from torchkeras.optimizers.optimizer_utils import foreach_addcdiv_
from torchkeras.optimizers.optimizer_utils import sqrt


@keras_export("keras.optimizers.Adam", "keras.optimizers.legacy.Adam")
class Adam(Optimizer):
    """Adam: adaptive estimates of the first and second moments of the gradients.

    `m += (1 - beta_1) * (g - m)`, `v += (1 - beta_2) * (g**2 - v)` (amsgrad: `v_hat = max(v_hat, v)` is
    used for `v`), then `w -= alpha * m / (sqrt(v) + epsilon)` with
    `alpha = lr * sqrt(1 - beta_2**t) / (1 - beta_1**t)`. Note that epsilon is added to the uncorrected
    `sqrt(v)`, as in Keras (torch adds it to the bias-corrected one).

    Args:
        learning_rate: default 0.001.
        beta_1: decay of the first moment; default 0.9.
        beta_2: decay of the second moment; default 0.999.
        epsilon: default 1e-7.
        amsgrad: use the AMSGrad variant; default False.
        **kwargs: the common optimizer arguments (see `keras.optimizers.Optimizer`).
    """

    _update_traces = True

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False,
                 weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None, use_ema=False,
                 ema_momentum=0.99, ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, use_ema=use_ema,
                         ema_momentum=ema_momentum, ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor,
                         gradient_accumulation_steps=gradient_accumulation_steps, **kwargs)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.amsgrad = amsgrad

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        self._momentums, self._velocities = self.add_optimizer_variables(var_list, ["momentum", "velocity"])
        if self.amsgrad:
            self._velocity_hats = self.add_optimizer_variables(var_list, "velocity_hat")

    def _slot_lists(self):
        slots = {"momentum": self._momentums, "velocity": self._velocities}
        if self.amsgrad:
            slots["velocity_hat"] = self._velocity_hats
        return slots

    def _update_group(self, group, grads, lr, local_step):
        beta_1, beta_2 = self.beta_1, self.beta_2
        momentums = group.slots["momentum"]
        velocities = group.slots["velocity"]
        torch._foreach_mul_(momentums, beta_1)
        torch._foreach_add_(momentums, grads, alpha=1 - beta_1)
        torch._foreach_mul_(velocities, beta_2)
        torch._foreach_addcmul_(velocities, grads, grads, value=1 - beta_2)
        if self.amsgrad:
            velocity_hats = group.slots["velocity_hat"]
            torch._foreach_maximum_(velocity_hats, velocities)
            velocities = velocity_hats
        alpha = lr * sqrt(1 - beta_2**local_step) / (1 - beta_1**local_step)
        denominators = torch._foreach_sqrt(velocities)
        torch._foreach_add_(denominators, self.epsilon)
        foreach_addcdiv_(group.params, momentums, denominators, -alpha)

    def get_config(self):
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon,
                       "amsgrad": self.amsgrad})
        return config
