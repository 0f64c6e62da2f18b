"""`keras.optimizers.Muon`."""
import math
import re

import torch

from torchkeras.api_export import keras_export
from torchkeras.optimizers.base_optimizer import Optimizer


@keras_export("keras.optimizers.Muon")
class Muon(Optimizer):
    """Muon: momentum SGD whose update is orthogonalized by Newton-Schulz iterations, with AdamW for the
    variables Muon is not meant for.

    A variable takes the AdamW step (learning rate `learning_rate * adam_lr_ratio`, weight decay
    `adam_weight_decay`) when it is not 2D, when `exclude_embeddings` is True and its path contains
    "embedding", or when its path matches (`re.search`) a pattern of `exclude_layers`. Every other variable
    takes the Muon step (weight decay `weight_decay`):
    `m = momentum * m + g`; `u = g + momentum * m` (Nesterov) or `m`; `u` is orthogonalized with `ns_steps`
    quintic Newton-Schulz iterations (`muon_a`, `muon_b`, `muon_c`) after dividing it by its Frobenius norm
    (+ 1e-7); then `w -= lr * u * sqrt(max(rows, cols)) * rms_rate` (without the factor when
    `rms_rate=None`). The AdamW step is Keras's Adam without AMSGrad: epsilon is added to `sqrt(v)`.

    Args:
        learning_rate: default 0.001.
        adam_beta_1: default 0.9. adam_beta_2: default 0.999.
        adam_weight_decay: weight decay of the AdamW variables; default 0.004.
        epsilon: the AdamW epsilon; default 1e-7.
        weight_decay: weight decay of the Muon variables; default 0.004.
        exclude_layers: list of regular expressions; matching variable paths use AdamW.
        exclude_embeddings: default True.
        muon_a, muon_b, muon_c: the Newton-Schulz coefficients; default 3.4445, -4.7750, 2.0315.
        adam_lr_ratio: learning-rate ratio of the AdamW variables; default 1.
        momentum: default 0.95. ns_steps: default 5. nesterov: default True.
        rms_rate: update scale of the Moonlight variant (arXiv:2502.16982); default 0.2.
        **kwargs: the common optimizer arguments (see `keras.optimizers.Optimizer`).
    """

    def __init__(self, learning_rate=0.001, adam_beta_1=0.9, adam_beta_2=0.999, adam_weight_decay=0.004,
                 epsilon=1e-7, weight_decay=0.004, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, exclude_layers=None, exclude_embeddings=True,
                 muon_a=3.4445, muon_b=-4.7750, muon_c=2.0315, adam_lr_ratio=1, momentum=0.95, ns_steps=5,
                 nesterov=True, rms_rate=0.2, **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, use_ema=use_ema,
                         ema_momentum=ema_momentum, ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor,
                         gradient_accumulation_steps=gradient_accumulation_steps, **kwargs)
        self.adam_beta_1 = adam_beta_1
        self.adam_beta_2 = adam_beta_2
        self.epsilon = epsilon
        self.muon_a = muon_a
        self.muon_b = muon_b
        self.muon_c = muon_c
        self.adam_lr_ratio = adam_lr_ratio
        self.momentum = momentum
        self.ns_steps = ns_steps
        self.nesterov = nesterov
        self.exclude_embeddings = exclude_embeddings
        self.exclude_layers = exclude_layers or []
        self.adam_weight_decay = adam_weight_decay
        self.rms_rate = rms_rate

    def _should_use_adamw(self, variable):
        """True for the variables that take the AdamW step (see the class docstring)."""
        if len(variable.shape) != 2:
            return True
        path = str(getattr(variable, "path", None) or getattr(variable, "name", ""))
        if self.exclude_embeddings and "embedding" in path.lower():
            return True
        return any(re.search(pattern, path) for pattern in self.exclude_layers)

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        self.momentums = [None] * len(var_list)
        self.adam_velocities = [None] * len(var_list)
        for index, variable in enumerate(var_list):
            if getattr(variable, "overwrite_with_gradient", False):
                continue
            self.momentums[index] = self.add_variable_from_reference(variable, "momentum")
            if self._should_use_adamw(variable):
                self.adam_velocities[index] = self.add_variable_from_reference(variable, "velocity")

    def _slot_lists(self):
        return {"momentum": self.momentums, "velocity": self.adam_velocities}

    def _update(self, plan, grads, raw_iteration, local_step):
        # Muon's weight decay: `adam_weight_decay` for the AdamW variables, `weight_decay` for the others.
        lr = self._host_learning_rate(raw_iteration)
        grads = self._clip_gradients(grads)
        velocities = self.adam_velocities
        for group in plan.groups:
            if not group.decay_params:
                continue
            uses_adam = [velocities[self._get_variable_index(v)] is not None for v in group.decay_params]
            adam = [v for v, flag in zip(group.decay_params, uses_adam) if flag]
            muon = [v for v, flag in zip(group.decay_params, uses_adam) if not flag]
            for variables, decay in ((adam, self.adam_weight_decay), (muon, self.weight_decay)):
                if variables and decay is not None:
                    torch._foreach_mul_(variables, 1.0 - decay * lr)
        self._update_groups(plan, grads, lr, local_step)

    def _update_group(self, group, grads, lr, local_step):
        velocities = group.slots["velocity"]
        adam = [i for i, v in enumerate(velocities) if v is not None]
        muon = [i for i, v in enumerate(velocities) if v is None]
        if adam:
            self._adamw_step([group.params[i] for i in adam], [grads[i] for i in adam],
                             [group.slots["momentum"][i] for i in adam], [velocities[i] for i in adam],
                             lr * self.adam_lr_ratio, local_step)
        if muon:
            self._muon_step([group.params[i] for i in muon], [grads[i] for i in muon],
                            [group.slots["momentum"][i] for i in muon], lr)

    def _adamw_step(self, params, grads, momentums, velocities, lr, local_step):
        beta_1, beta_2 = self.adam_beta_1, self.adam_beta_2
        torch._foreach_mul_(momentums, beta_1)
        torch._foreach_add_(momentums, grads, alpha=1 - beta_1)
        torch._foreach_mul_(velocities, beta_2)
        torch._foreach_addcmul_(velocities, grads, grads, value=1 - beta_2)
        alpha = lr * math.sqrt(1 - beta_2**local_step) / (1 - beta_1**local_step)
        denominators = torch._foreach_sqrt(velocities)
        torch._foreach_add_(denominators, self.epsilon)
        torch._foreach_addcdiv_(params, momentums, denominators, value=-alpha)

    def _muon_step(self, params, grads, momentums, lr):
        torch._foreach_mul_(momentums, self.momentum)
        torch._foreach_add_(momentums, grads)
        updates = torch._foreach_add(grads, momentums, alpha=self.momentum) if self.nesterov else momentums
        # Same-shaped matrices are orthogonalized together, as one batch of matrices.
        by_shape = {}
        for i, update in enumerate(updates):
            by_shape.setdefault(tuple(update.shape), []).append(i)
        for shape, indices in by_shape.items():
            batch = torch.stack([updates[i] for i in indices])
            batch = self.zeropower_via_newtonschulz5(batch, self.ns_steps)
            scale = lr
            if self.rms_rate is not None:
                scale = lr * math.sqrt(max(shape[0], shape[1])) * self.rms_rate
            for k, i in enumerate(indices):
                params[i].add_(batch[k], alpha=-scale)

    def zeropower_via_newtonschulz5(self, x, steps):
        """Approximately orthogonalize the last two axes of `x` (`U S' V^T` with `S'` near 1) with `steps`
        quintic Newton-Schulz iterations, after scaling `x` to a spectral norm of at most 1."""
        if x.dim() < 2:
            raise ValueError(
                f"Expected gradient or momentum to have at least 2 dimensions. Received: shape={tuple(x.shape)}"
            )
        a, b, c = self.muon_a, self.muon_b, self.muon_c
        tall = x.shape[-2] > x.shape[-1]
        if tall:
            x = x.transpose(-2, -1)
        x = x / (torch.linalg.matrix_norm(x, keepdim=True) + 1e-7)
        for _ in range(steps):
            gram = x @ x.transpose(-2, -1)
            x = a * x + (b * gram + (c * gram) @ gram) @ x
        if tall:
            x = x.transpose(-2, -1)
        return x

    def get_config(self):
        config = super().get_config()
        config.update({
            "adam_beta_1": self.adam_beta_1,
            "adam_beta_2": self.adam_beta_2,
            "epsilon": self.epsilon,
            "exclude_layers": self.exclude_layers,
            "muon_a": self.muon_a,
            "muon_b": self.muon_b,
            "muon_c": self.muon_c,
            "adam_lr_ratio": self.adam_lr_ratio,
            "momentum": self.momentum,
            "ns_steps": self.ns_steps,
            "nesterov": self.nesterov,
            "exclude_embeddings": self.exclude_embeddings,
            "adam_weight_decay": self.adam_weight_decay,
            "rms_rate": self.rms_rate,
        })
        return config
