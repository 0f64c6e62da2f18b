"""`Orthogonal`: a (semi-)orthogonal matrix from the QR decomposition of a normal random matrix."""
import math

import torch

from torchkeras.api_export import keras_export
from torchkeras.initializers import random_draws
from torchkeras.initializers.random_initializers import RandomInitializer


@keras_export("keras.initializers.Orthogonal", "keras.initializers.orthogonal",
              "keras.initializers.OrthogonalInitializer")
class Orthogonal(RandomInitializer):
    """`gain` times a random orthogonal matrix.

    The shape is flattened to `(rows, cols)` with `rows = prod(shape[:-1])` and `cols = shape[-1]`; a normal
    matrix of shape `(max, min)` is QR-decomposed, Q's columns get the signs of R's diagonal (so the result
    is uniformly distributed), and Q is transposed when `rows < cols`.
    """

    def __init__(self, gain=1.0, seed=None):
        self.gain = gain
        super().__init__(seed=seed)

    def __call__(self, shape, dtype=None):
        shape, dtype, seed, device = self._draw_args(shape, dtype)
        if len(shape) < 2:
            raise ValueError(
                "The tensor to initialize must be at least two-dimensional. "
                f"Received: shape={shape} of rank {len(shape)}."
            )
        rows, cols = math.prod(shape[:-1]), shape[-1]
        # QR needs float32 or float64: draw and factorize half precision in float32.
        work_dtype = dtype if dtype in (torch.float32, torch.float64) else torch.float32
        a = random_draws.normal((max(rows, cols), min(rows, cols)), 0.0, 1.0, work_dtype, seed, device)
        q, r = torch.linalg.qr(a)
        q = q * torch.sign(torch.diagonal(r))
        if rows < cols:
            q = q.T
        return (self.gain * q.reshape(shape)).to(dtype)

    def get_config(self):
        return {**super().get_config(), "gain": self.gain}
