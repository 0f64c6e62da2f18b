"""`keras.optimizers.Adagrad`."""
import torch

from torchkeras.api_export import keras_export
from torchkeras.optimizers.base_optimizer import Optimizer
from torchkeras.optimizers.optimizer_utils import foreach_addcdiv_


@keras_export("keras.optimizers.Adagrad", "keras.optimizers.legacy.Adagrad")
class Adagrad(Optimizer):
    """Adagrad: per-parameter learning rates from the sum of squared gradients.

    `acc += g**2` (starting from `initial_accumulator_value`), `w -= lr * g / sqrt(acc + epsilon)`.

    Args:
        learning_rate: default 0.001.
        initial_accumulator_value: starting value of the accumulators; default 0.1.
        epsilon: default 1e-7.
        **kwargs: the common optimizer arguments (see `keras.optimizers.Optimizer`).
    """

    _update_traces = True

    def __init__(self, learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7, weight_decay=None,
                 clipnorm=None, clipvalue=None, global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None, gradient_accumulation_steps=None,
                 name=None, **kwargs):
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, use_ema=use_ema,
                         ema_momentum=ema_momentum, ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor,
                         gradient_accumulation_steps=gradient_accumulation_steps, name=name, **kwargs)
        self.initial_accumulator_value = initial_accumulator_value
        self.epsilon = epsilon

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        self._accumulators = self.add_optimizer_variables(
            var_list, "accumulator", initializer=float(self.initial_accumulator_value)
        )

    def _slot_lists(self):
        return {"accumulator": self._accumulators}

    def _update_group(self, group, grads, lr, local_step):
        accumulators = group.slots["accumulator"]
        torch._foreach_addcmul_(accumulators, grads, grads)
        denominators = torch._foreach_add(accumulators, self.epsilon)
        torch._foreach_sqrt_(denominators)
        foreach_addcdiv_(group.params, grads, denominators, -lr)

    def get_config(self):
        config = super().get_config()
        config.update({"initial_accumulator_value": self.initial_accumulator_value, "epsilon": self.epsilon})
        return config
