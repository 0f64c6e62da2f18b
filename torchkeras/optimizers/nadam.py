"""`keras.optimizers.Nadam`."""
import torch

from torchkeras.api_export import keras_export
from torchkeras.backend import config as backend_config
from torchkeras.backend import naming
from torchkeras.backend.variables import Variable
from torchkeras.optimizers.adam_style import AdamStyleOptimizer
from torchkeras.optimizers.optimizer_utils import foreach_add_scaled_
from torchkeras.optimizers.optimizer_utils import foreach_addcdiv_


@keras_export("keras.optimizers.Nadam", "keras.optimizers.legacy.Nadam")
class Nadam(AdamStyleOptimizer):
    """Nadam: Adam with Nesterov momentum.

    With `mu_t = beta_1 * (1 - 0.5 * 0.96**t)` and `prod_t = mu_1 * ... * mu_t` (kept in a scalar variable):
    `m_hat = mu_{t+1} * m / (1 - prod_t * mu_{t+1}) + (1 - mu_t) * g / (1 - prod_t)`,
    `v_hat = v / (1 - beta_2**t)`, `w -= lr * m_hat / (sqrt(v_hat) + epsilon)`.

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
        var_list = list(var_list)
        dtype = var_list[0].dtype if var_list else backend_config.floatx()
        super().build(var_list)
        self._momentums, self._velocities = self.add_optimizer_variables(var_list, ["momentum", "velocity"])
        # The running product of the momentum schedule: a host-side scalar, kept on the CPU.
        self._u_product = Variable(1.0, dtype=dtype, trainable=False, name=naming.auto_name("variable"),
                                   device="cpu")
        self._track_variable(self._u_product)
        self._u_product_version = -1
        self._u_product_value = 1.0

    def _slot_lists(self):
        return {"momentum": self._momentums, "velocity": self._velocities}

    def _update_groups(self, plan, grads, lr, local_step):
        # Eager: the running product is a host float (re-read only if something else wrote the variable).
        # Traced into a compiled step (`local_step` is a tensor): it stays a tensor.
        traced = isinstance(local_step, torch.Tensor)
        if traced:
            u_product = self._u_product
        else:
            if self._u_product._version != self._u_product_version:
                self._u_product_value = self._u_product.item()
            u_product = self._u_product_value
        beta_1 = self.beta_1
        u_t = beta_1 * (1.0 - 0.5 * 0.96**local_step)
        u_t_1 = beta_1 * (1.0 - 0.5 * 0.96 ** (local_step + 1))
        u_product_t = u_product * u_t
        if traced:
            self._u_product.copy_(u_product_t)
        else:
            self._u_product.fill_(u_product_t)
            self._u_product_version = self._u_product._version
            self._u_product_value = u_product_t
        self._step_scalars = (
            u_t_1 / (1.0 - u_product_t * u_t_1),
            (1.0 - u_t) / (1.0 - u_product_t),
            1.0 - self.beta_2**local_step,
        )
        super()._update_groups(plan, grads, lr, local_step)

    def _update_group(self, group, grads, lr, local_step):
        momentum_scale, grad_scale, velocity_correction = self._step_scalars
        momentums = group.slots["momentum"]
        velocities = group.slots["velocity"]
        torch._foreach_mul_(momentums, self.beta_1)
        torch._foreach_add_(momentums, grads, alpha=1 - self.beta_1)
        torch._foreach_mul_(velocities, self.beta_2)
        torch._foreach_addcmul_(velocities, grads, grads, value=1 - self.beta_2)
        m_hat = torch._foreach_mul(momentums, momentum_scale)
        foreach_add_scaled_(m_hat, grads, grad_scale)
        denominators = torch._foreach_div(velocities, velocity_correction)
        torch._foreach_sqrt_(denominators)
        torch._foreach_add_(denominators, self.epsilon)
        foreach_addcdiv_(group.params, m_hat, denominators, -lr)
