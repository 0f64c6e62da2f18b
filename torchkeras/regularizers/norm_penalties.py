"""Weight-norm penalties: L1, L2 and L1L2 (Keras formulas: `L2(0.01)` is `0.01 * sum(w**2)`, no 1/2)."""
import numpy as np
import torch

from torchkeras.api_export import keras_export
from torchkeras.regularizers.regularizer import Regularizer
from torchkeras.regularizers.regularizer import validate_float_arg


def float32_rounded(value):
    """`value` rounded to float32, as Keras stores the factors of L1 and OrthogonalRegularizer."""
    return float(np.float32(value))


@keras_export("keras.regularizers.L1L2", "keras.regularizers.l1_l2")
class L1L2(Regularizer):
    """`l1 * sum(|x|) + l2 * sum(x**2)`; both factors default to 0."""

    def __init__(self, l1=0.0, l2=0.0):
        self.l1 = validate_float_arg(0.0 if l1 is None else l1, name="l1")
        self.l2 = validate_float_arg(0.0 if l2 is None else l2, name="l2")

    def __call__(self, x):
        penalty = torch.zeros((), dtype=x.dtype, device=x.device)
        if self.l1 != 0.0:
            penalty = penalty + self.l1 * torch.sum(torch.abs(x))
        if self.l2 != 0.0:
            penalty = penalty + self.l2 * torch.sum(torch.square(x))
        return penalty

    def get_config(self):
        return {"l1": self.l1, "l2": self.l2}


@keras_export("keras.regularizers.L1", "keras.regularizers.l1")
class L1(Regularizer):
    """`l1 * sum(|x|)` (default `l1=0.01`)."""

    def __init__(self, l1=0.01):
        self.l1 = float32_rounded(validate_float_arg(0.01 if l1 is None else l1, name="l1"))

    def __call__(self, x):
        return self.l1 * torch.sum(torch.abs(x))

    def get_config(self):
        return {"l1": self.l1}


@keras_export("keras.regularizers.L2", "keras.regularizers.l2")
class L2(Regularizer):
    """`l2 * sum(x**2)` (default `l2=0.01`)."""

    def __init__(self, l2=0.01):
        self.l2 = validate_float_arg(0.01 if l2 is None else l2, name="l2")

    def __call__(self, x):
        return self.l2 * torch.sum(torch.square(x))

    def get_config(self):
        return {"l2": self.l2}
