"""`keras.utils.set_random_seed`: one call seeds Python, NumPy and torch (CPU and every CUDA device)."""
import numbers
import random

import numpy as np
import torch

from torchkeras.api_export import keras_export

_GLOBAL_SEED = None


@keras_export("keras.utils.set_random_seed")
def set_random_seed(seed):
    """Seed Python's `random`, NumPy and torch (all devices), making torchkeras programs reproducible.

    Unseeded initializers, dropout and shuffling all draw from these generators.
    """
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise ValueError(
            f"Expected `seed` argument to be an integer. Received: seed={seed} (of type {type(seed)})"
        )
    global _GLOBAL_SEED
    seed = int(seed)
    _GLOBAL_SEED = seed
    random.seed(seed)
    np.random.seed(seed % (2**32))
    torch.manual_seed(seed)  # also seeds every CUDA device
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)


def get_random_seed():
    """The seed last given to `set_random_seed`, or None."""
    return _GLOBAL_SEED
