"""`keras.optimizers.Lamb`."""
import torch

from torchkeras.api_export import keras_export
from torchkeras.optimizers.base_optimizer import Optimizer


@keras_export("keras.optimizers.Lamb")
class Lamb(Optimizer):
    """Lamb: Adam's update rescaled per layer by the trust ratio `||w|| / ||update||`.

    `update = m_hat / (sqrt(v_hat) + epsilon)` with bias-corrected moments; `w -= ratio * lr * update`, where
    `ratio = ||w|| / ||update||` if both norms are positive, else 1.

    Args:
        learning_rate: default 0.001.
        beta_1: default 0.9.
        beta_2: default 0.999.
        epsilon: default 1e-7.
        **kwargs: the common optimizer arguments (see `keras.optimizers.Optimizer`).
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, weight_decay=None,
                 clipnorm=None, clipvalue=None, global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None, gradient_accumulation_steps=None,
                 name=None, **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, use_ema=use_ema,
                         ema_momentum=ema_momentum, ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor,
                         gradient_accumulation_steps=gradient_accumulation_steps, **kwargs)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        self._momentums, self._velocities = self.add_optimizer_variables(var_list, ["momentum", "velocity"])

    def _slot_lists(self):
        return {"momentum": self._momentums, "velocity": self._velocities}

    def _update_group(self, group, grads, lr, local_step):
        params = group.params
        momentums = group.slots["momentum"]
        velocities = group.slots["velocity"]
        torch._foreach_mul_(momentums, self.beta_1)
        torch._foreach_add_(momentums, grads, alpha=1 - self.beta_1)
        torch._foreach_mul_(velocities, self.beta_2)
        torch._foreach_addcmul_(velocities, grads, grads, value=1 - self.beta_2)
        updates = torch._foreach_div(momentums, 1.0 - self.beta_1**local_step)
        denominators = torch._foreach_div(velocities, 1.0 - self.beta_2**local_step)
        torch._foreach_sqrt_(denominators)
        torch._foreach_add_(denominators, self.epsilon)
        torch._foreach_div_(updates, denominators)
        weight_norms = torch.stack(torch._foreach_norm(params))
        update_norms = torch.stack(torch._foreach_norm(updates))
        ones = torch.ones_like(weight_norms)
        ratios = torch.where(weight_norms > 0,
                             torch.where(update_norms > 0, weight_norms / update_norms, ones), ones)
        torch._foreach_mul_(updates, list(ratios.to(updates[0].dtype).unbind()))
        torch._foreach_add_(params, updates, alpha=-lr)

    def get_config(self):
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon})
        return config
