"""`keras.optimizers.Lion`."""
import torch

from torchkeras.api_export import keras_export
from torchkeras.optimizers.base_optimizer import Optimizer
from torchkeras.optimizers.optimizer_utils import foreach_add_scaled_


@keras_export("keras.optimizers.Lion")
class Lion(Optimizer):
    """Lion (EvoLved Sign Momentum): the update is the sign of an interpolated momentum.

    `w -= lr * sign(beta_1 * m + (1 - beta_1) * g)`, then `m = beta_2 * m + (1 - beta_2) * g`.

    Args:
        learning_rate: default 0.001.
        beta_1: in (0, 1]; default 0.9.
        beta_2: default 0.99.
        **kwargs: the common optimizer arguments (see `keras.optimizers.Optimizer`).
    """

    _update_traces = True

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.99, weight_decay=None, clipnorm=None,
                 clipvalue=None, global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None, gradient_accumulation_steps=None, name=None,
                 **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, use_ema=use_ema,
                         ema_momentum=ema_momentum, ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor,
                         gradient_accumulation_steps=gradient_accumulation_steps, **kwargs)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        if beta_1 <= 0 or beta_1 > 1:
            raise ValueError(
                "Argument `beta_1` must be in the [0, 1] range. Otherwise, the optimizer degenerates to SignSGD. "
                f"Received: beta_1={beta_1}."
            )

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        self._momentums = self.add_optimizer_variables(var_list, "momentum")

    def _slot_lists(self):
        return {"momentum": self._momentums}

    def _update_group(self, group, grads, lr, local_step):
        momentums = group.slots["momentum"]
        directions = torch._foreach_mul(momentums, self.beta_1)
        torch._foreach_add_(directions, grads, alpha=1 - self.beta_1)
        torch._foreach_sign_(directions)
        foreach_add_scaled_(group.params, directions, -lr)
        torch._foreach_mul_(momentums, self.beta_2)
        torch._foreach_add_(momentums, grads, alpha=1 - self.beta_2)

    def get_config(self):
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2})
        return config
