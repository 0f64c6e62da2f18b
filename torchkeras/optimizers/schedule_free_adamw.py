"""`keras.optimizers.ScheduleFreeAdamW`."""
import torch

from torchkeras.api_export import keras_export
from torchkeras.optimizers.base_optimizer import Optimizer


@keras_export("keras.optimizers.ScheduleFreeAdamW")
class ScheduleFreeAdamW(Optimizer):
    """Schedule-Free AdamW (Defazio et al., 2024): no learning-rate schedule, an interpolation between a
    momentum sequence and its average instead.

    The `momentum` slot (the sequence `z`, initialized to the variable's value at build) takes the
    RMSprop-style step `z -= lr_t * g / (sqrt(v / (1 - beta_2**t)) + epsilon)` with
    `v += (g**2 - v) * (1 - beta_2)` and `lr_t = lr * min(t / warmup_steps, 1)` (when `warmup_steps > 0`).
    The variable then becomes Keras's interpolation `y = (1 - beta_1) * z + beta_1 * x` with
    `x = (1 - 1/t) * x_old + z / t` and `x_old = (y - (1 - beta_1) * z) / beta_1`. As in Keras on the torch
    backend, `x_old` is recovered with the already-updated `z` (Keras reads the momentum variable after
    assigning it), which makes the new variable value `(1 - 1/t) * y + z / t`.

    Args:
        learning_rate: default 0.0025.
        beta_1: default 0.9. beta_2: default 0.999.
        epsilon: default 1e-8.
        warmup_steps: linear learning-rate warmup over this many steps; default 0.
        **kwargs: the common optimizer arguments (see `keras.optimizers.Optimizer`).
    """

    def __init__(self, learning_rate=0.0025, beta_1=0.9, beta_2=0.999, epsilon=1e-8, warmup_steps=0,
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
        self.warmup_steps = warmup_steps

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        self._momentums, self._velocities = self.add_optimizer_variables(var_list, ["momentum", "velocity"])
        with torch.no_grad():
            for momentum, variable in zip(self._momentums, var_list):
                if momentum is not None:
                    momentum.copy_(variable)

    def _slot_lists(self):
        return {"momentum": self._momentums, "velocity": self._velocities}

    def _update_group(self, group, grads, lr, local_step):
        beta_1, beta_2 = self.beta_1, self.beta_2
        if self.warmup_steps > 0:
            lr = lr * min(local_step / self.warmup_steps, 1.0)
        momentums = group.slots["momentum"]
        velocities = group.slots["velocity"]
        params = group.params
        torch._foreach_mul_(velocities, beta_2)
        torch._foreach_addcmul_(velocities, grads, grads, value=1 - beta_2)
        denominators = torch._foreach_div(velocities, 1 - beta_2**local_step)
        torch._foreach_sqrt_(denominators)
        torch._foreach_add_(denominators, self.epsilon)
        steps = torch._foreach_mul(grads, lr)
        torch._foreach_div_(steps, denominators)
        torch._foreach_sub_(momentums, steps)
        weight = 1.0 / local_step
        # x_old = (y - (1 - beta_1) * z) / beta_1, read with the updated z (Keras on torch).
        averages = torch._foreach_add(params, momentums, alpha=-(1 - beta_1))
        torch._foreach_div_(averages, beta_1)
        # x = (1 - weight) * x_old + weight * z; y = (1 - beta_1) * z + beta_1 * x
        torch._foreach_mul_(averages, 1 - weight)
        torch._foreach_add_(averages, momentums, alpha=weight)
        torch._foreach_mul_(averages, beta_1)
        torch._foreach_add_(averages, momentums, alpha=1 - beta_1)
        torch._foreach_copy_(params, averages)

    def get_config(self):
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon,
                       "warmup_steps": self.warmup_steps})
        return config

