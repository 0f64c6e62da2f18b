"""`keras.optimizers.Adadelta`."""
import torch

from torchkeras.api_export import keras_export
from torchkeras.optimizers.base_optimizer import Optimizer
from torchkeras.optimizers.optimizer_utils import foreach_add_scaled_


@keras_export("keras.optimizers.Adadelta", "keras.optimizers.legacy.Adadelta")
class Adadelta(Optimizer):
    """Adadelta: a step size from running averages of squared gradients and squared updates.

    `Eg = rho * Eg + (1 - rho) * g**2`, `delta = -sqrt(Edx + epsilon) * g / sqrt(Eg + epsilon)`,
    `Edx = rho * Edx + (1 - rho) * delta**2`, `w += lr * delta`. Keras's default learning rate is 0.001
    (the paper uses 1.0).

    Args:
        learning_rate: default 0.001.
        rho: decay rate; default 0.95.
        epsilon: default 1e-7.
        **kwargs: the common optimizer arguments (see `keras.optimizers.Optimizer`).
    """

    _update_traces = True

    def __init__(self, learning_rate=0.001, rho=0.95, epsilon=1e-7, weight_decay=None, clipnorm=None,
                 clipvalue=None, global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None, gradient_accumulation_steps=None, name=None,
                 **kwargs):
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, use_ema=use_ema,
                         ema_momentum=ema_momentum, ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor,
                         gradient_accumulation_steps=gradient_accumulation_steps, name=name, **kwargs)
        self.rho = rho
        self.epsilon = epsilon

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        self._accumulated_grads, self._accumulated_delta_vars = self.add_optimizer_variables(
            var_list, ["accumulated_grad", "accumulated_delta_var"]
        )

    def _slot_lists(self):
        return {"accumulated_grad": self._accumulated_grads,
                "accumulated_delta_var": self._accumulated_delta_vars}

    def _update_group(self, group, grads, lr, local_step):
        rho = self.rho
        accumulated_grads = group.slots["accumulated_grad"]
        accumulated_deltas = group.slots["accumulated_delta_var"]
        torch._foreach_mul_(accumulated_grads, rho)
        torch._foreach_addcmul_(accumulated_grads, grads, grads, value=1 - rho)
        rms_deltas = torch._foreach_add(accumulated_deltas, self.epsilon)
        torch._foreach_sqrt_(rms_deltas)
        rms_grads = torch._foreach_add(accumulated_grads, self.epsilon)
        torch._foreach_sqrt_(rms_grads)
        deltas = torch._foreach_mul(rms_deltas, grads)
        torch._foreach_div_(deltas, rms_grads)
        torch._foreach_neg_(deltas)
        torch._foreach_mul_(accumulated_deltas, rho)
        torch._foreach_addcmul_(accumulated_deltas, deltas, deltas, value=1 - rho)
        foreach_add_scaled_(group.params, deltas, lr)

    def get_config(self):
        config = super().get_config()
        config.update({"rho": self.rho, "epsilon": self.epsilon})
        return config
