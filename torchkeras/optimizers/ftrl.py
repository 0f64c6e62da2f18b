"""`keras.optimizers.Ftrl`."""
import torch

from torchkeras.api_export import keras_export
from torchkeras.optimizers.base_optimizer import Optimizer


@keras_export("keras.optimizers.Ftrl", "keras.optimizers.legacy.Ftrl")
class Ftrl(Optimizer):
    """FTRL-Proximal ("Follow The Regularized Leader"), with L1, L2 and L2-shrinkage regularization.

    With `p = -learning_rate_power`, `l2' = l2 + beta / (2 * lr)` and `g' = g + 2 * l2_shrinkage * w`:
    `acc' = acc + g**2`, `linear += g' - (acc'**p - acc**p) / lr * w`,
    `w = (clip(linear, -l1, l1) - linear) / (acc'**p / lr + 2 * l2')`, `acc = acc'`.

    Args:
        learning_rate: default 0.001.
        learning_rate_power: <= 0; default -0.5.
        initial_accumulator_value: >= 0; default 0.1.
        l1_regularization_strength: >= 0; default 0.0.
        l2_regularization_strength: >= 0; default 0.0.
        l2_shrinkage_regularization_strength: >= 0; default 0.0.
        beta: default 0.0.
        **kwargs: the common optimizer arguments (see `keras.optimizers.Optimizer`).
    """

    def __init__(self, learning_rate=0.001, learning_rate_power=-0.5, initial_accumulator_value=0.1,
                 l1_regularization_strength=0.0, l2_regularization_strength=0.0,
                 l2_shrinkage_regularization_strength=0.0, beta=0.0, weight_decay=None, clipnorm=None,
                 clipvalue=None, global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None, gradient_accumulation_steps=None, name=None,
                 **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, use_ema=use_ema,
                         ema_momentum=ema_momentum, ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor,
                         gradient_accumulation_steps=gradient_accumulation_steps, **kwargs)
        if initial_accumulator_value < 0.0:
            raise ValueError(
                "`initial_accumulator_value` needs to be positive or zero. "
                f"Received: initial_accumulator_value={initial_accumulator_value}."
            )
        if learning_rate_power > 0.0:
            raise ValueError(
                f"`learning_rate_power` needs to be negative or zero. Received: learning_rate_power={learning_rate_power}."
            )
        for argument, value in (
            ("l1_regularization_strength", l1_regularization_strength),
            ("l2_regularization_strength", l2_regularization_strength),
        ):
            if value < 0.0:
                raise ValueError(f"`{argument}` needs to be positive or zero. Received: {argument}={value}.")
        if l2_shrinkage_regularization_strength < 0.0:
            raise ValueError(
                "`l2_shrinkage_regularization_strength` needs to be positive or zero. Received: "
                f"l2_shrinkage_regularization_strength={l2_shrinkage_regularization_strength}."
            )
        self.learning_rate_power = learning_rate_power
        self.initial_accumulator_value = initial_accumulator_value
        self.l1_regularization_strength = l1_regularization_strength
        self.l2_regularization_strength = l2_regularization_strength
        self.l2_shrinkage_regularization_strength = l2_shrinkage_regularization_strength
        self.beta = beta

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        self._accumulators, self._linears = self.add_optimizer_variables(
            var_list, ["accumulator", "linear"], initializer=[float(self.initial_accumulator_value), "zeros"]
        )

    def _slot_lists(self):
        return {"accumulator": self._accumulators, "linear": self._linears}

    def _update_group(self, group, grads, lr, local_step):
        params = group.params
        accumulators = group.slots["accumulator"]
        linears = group.slots["linear"]
        power = -self.learning_rate_power
        l1 = self.l1_regularization_strength
        l2 = self.l2_regularization_strength + self.beta / (2.0 * lr)
        shrinkage = self.l2_shrinkage_regularization_strength
        grads_to_use = torch._foreach_add(grads, params, alpha=2 * shrinkage) if shrinkage else grads
        new_accumulators = torch._foreach_addcmul(accumulators, grads, grads)
        new_powers = torch._foreach_pow(new_accumulators, power)
        sigmas = torch._foreach_sub(new_powers, torch._foreach_pow(accumulators, power))
        torch._foreach_div_(sigmas, lr)
        torch._foreach_mul_(sigmas, params)
        torch._foreach_add_(linears, grads_to_use)
        torch._foreach_sub_(linears, sigmas)
        quadratics = torch._foreach_div(new_powers, lr)
        torch._foreach_add_(quadratics, 2 * l2)
        new_params = torch._foreach_clamp_min(linears, -l1)
        torch._foreach_clamp_max_(new_params, l1)
        torch._foreach_sub_(new_params, linears)
        torch._foreach_div_(new_params, quadratics)
        torch._foreach_copy_(params, new_params)
        torch._foreach_copy_(accumulators, new_accumulators)

    def get_config(self):
        config = super().get_config()
        config.update({
            "learning_rate_power": self.learning_rate_power,
            "initial_accumulator_value": self.initial_accumulator_value,
            "l1_regularization_strength": self.l1_regularization_strength,
            "l2_regularization_strength": self.l2_regularization_strength,
            "l2_shrinkage_regularization_strength": self.l2_shrinkage_regularization_strength,
            "beta": self.beta,
        })
        return config
