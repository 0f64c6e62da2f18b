"""`keras.optimizers.Lamb`."""
import torch

from torchkeras.api_export import keras_export
from torchkeras.optimizers.adam_style import AdamStyleOptimizer
from torchkeras.optimizers.optimizer_utils import foreach_add_scaled_


@keras_export("keras.optimizers.Lamb")
class Lamb(AdamStyleOptimizer):
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

    _update_traces = True

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
        foreach_add_scaled_(params, updates, -lr)
