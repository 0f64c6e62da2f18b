"""`keras.optimizers.Adamax`."""
import torch

from torchkeras.api_export import keras_export
from torchkeras.optimizers.adam_style import AdamStyleOptimizer
from torchkeras.optimizers.optimizer_utils import foreach_addcdiv_


@keras_export("keras.optimizers.Adamax", "keras.optimizers.legacy.Adamax")
class Adamax(AdamStyleOptimizer):
    """Adamax: Adam with the infinity norm.

    `m += (1 - beta_1) * (g - m)`, `u = max(beta_2 * u, |g|)`,
    `w -= lr * m / ((1 - beta_1**t) * (u + epsilon))`.

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
        self._m, self._u = self.add_optimizer_variables(var_list, ["momentum", "norm"])

    def _slot_lists(self):
        return {"momentum": self._m, "norm": self._u}

    def _update_group(self, group, grads, lr, local_step):
        momentums = group.slots["momentum"]
        norms = group.slots["norm"]
        torch._foreach_mul_(momentums, self.beta_1)
        torch._foreach_add_(momentums, grads, alpha=1 - self.beta_1)
        torch._foreach_mul_(norms, self.beta_2)
        torch._foreach_maximum_(norms, torch._foreach_abs(grads))
        denominators = torch._foreach_add(norms, self.epsilon)
        torch._foreach_mul_(denominators, 1 - self.beta_1**local_step)
        foreach_addcdiv_(group.params, momentums, denominators, -lr)
