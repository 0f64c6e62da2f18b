"""Keras 2 activation formulas that Keras 3 changed, for emulating models saved by Keras 2."""
import torch

from torchkeras.activations.dispatch import to_tensor


def hard_sigmoid_keras2(x):
    """Keras 2's hard sigmoid: `clip(0.2 * x + 0.5, 0, 1)` (Keras 3 uses `relu6(x + 3) / 6`)."""
    if not isinstance(x, torch.Tensor):
        x = to_tensor(x)
    return torch.clamp(0.2 * x + 0.5, 0.0, 1.0)


# Keras 2 name -> the Keras 2 function, where Keras 3's built-in of the same name computes something else.
KERAS2_OVERRIDES = {"hard_sigmoid": hard_sigmoid_keras2}
