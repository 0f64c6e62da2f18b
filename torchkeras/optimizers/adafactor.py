"""`keras.optimizers.Adafactor`."""
import math

import torch

from torchkeras.api_export import keras_export
from torchkeras.backend.variables import Variable
from torchkeras.optimizers.base_optimizer import Optimizer


@keras_export("keras.optimizers.Adafactor")
class Adafactor(Optimizer):
    """Adafactor: Adam-like steps with a factored second moment (row and column averages) for matrices.

    For a variable of rank >= 2, `r` (mean over the last axis) and `c` (mean over the second-to-last axis)
    of `g**2 + epsilon_1` are averaged with `beta_2_t = 1 - t**beta_2_decay` and `v = r / mean(r) * c`;
    smaller variables keep a full `v`. The step `g / sqrt(v)` is clipped to RMS `clip_threshold` and scaled
    by `max(epsilon_2, rms(w)) * min(lr, 1 / sqrt(t))`.

    Args:
        learning_rate: default 0.001.
        beta_2_decay: default -0.8.
        epsilon_1: default 1e-30.
        epsilon_2: default 1e-3.
        clip_threshold: default 1.0.
        relative_step: cap the learning rate at `1 / sqrt(t)` (float learning rates only); default True.
        **kwargs: the common optimizer arguments (see `keras.optimizers.Optimizer`).
    """

    def __init__(self, learning_rate=0.001, beta_2_decay=-0.8, epsilon_1=1e-30, epsilon_2=1e-3,
                 clip_threshold=1.0, relative_step=True, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None,
                 loss_scale_factor=None, gradient_accumulation_steps=None, name=None, **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, use_ema=use_ema,
                         ema_momentum=ema_momentum, ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor,
                         gradient_accumulation_steps=gradient_accumulation_steps, **kwargs)
        self.beta_2_decay = beta_2_decay
        self.epsilon_1 = epsilon_1
        self.epsilon_2 = epsilon_2
        self.clip_threshold = clip_threshold
        self.relative_step = relative_step

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        self._r, self._c, self._v = [], [], []
        for var in var_list:
            overwrite = getattr(var, "overwrite_with_gradient", False)
            if len(var.shape) < 2:
                # Not factored; Keras still creates (and saves) two placeholder scalars.
                for store in (self._r, self._c):
                    placeholder = Variable(0, dtype="int32", trainable=False, name=var.name, device="cpu")
                    self._track_variable(placeholder)
                    store.append(placeholder)
            elif overwrite:
                self._r.append(None)
                self._c.append(None)
            else:
                shape = tuple(var.shape)
                self._r.append(self.add_variable(shape=shape[:-1], dtype=var.dtype, name=var.name,
                                                 device=var.device))
                self._c.append(self.add_variable(shape=shape[:-2] + shape[-1:], dtype=var.dtype, name=var.name,
                                                 device=var.device))
            self._v.append(None if overwrite else self.add_variable_from_reference(var, "velocity"))

    def _slot_lists(self):
        return {"r": self._r, "c": self._c, "velocity": self._v}

    def _update_group(self, group, grads, lr, local_step):
        if not self._learning_rate_is_callable() and self.relative_step:
            lr = min(lr, 1.0 / math.sqrt(local_step))
        rho = min(lr, 1.0 / math.sqrt(local_step))
        beta_2 = 1.0 - local_step**self.beta_2_decay
        for variable, gradient, r, c, v in zip(group.params, grads, group.slots["r"], group.slots["c"],
                                               group.slots["velocity"]):
            alpha = torch.clamp_min(_rms(variable), self.epsilon_2) * rho
            squared = gradient * gradient + self.epsilon_1
            if variable.dim() >= 2:
                r.mul_(beta_2).add_(squared.mean(dim=-1), alpha=1.0 - beta_2)
                c.mul_(beta_2).add_(squared.mean(dim=-2), alpha=1.0 - beta_2)
                v.copy_((r / r.mean(dim=-1, keepdim=True)).unsqueeze(-1) * c.unsqueeze(-2))
            else:
                v.mul_(beta_2).add_(squared, alpha=1.0 - beta_2)
            step = gradient / torch.sqrt(v)
            step = step / torch.clamp_min(_rms(step) / self.clip_threshold, 1.0)
            variable.sub_(alpha * step)

    def get_config(self):
        config = super().get_config()
        config.update({
            "beta_2_decay": self.beta_2_decay,
            "epsilon_1": self.epsilon_1,
            "epsilon_2": self.epsilon_2,
            "clip_threshold": self.clip_threshold,
            "relative_step": self.relative_step,
        })
        return config


def _rms(x):
    return torch.sqrt(torch.mean(x * x))
