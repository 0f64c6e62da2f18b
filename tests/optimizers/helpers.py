"""Small shared helpers for the optimizer tests: seeded weights, gradients and variables."""
import numpy as np
import torch

from torchkeras.backend.variables import Variable

SHAPES = [(4, 3), (3,), (2, 3, 2)]


def make_weights(seed=0, shapes=SHAPES):
    rng = np.random.default_rng(seed)
    return [rng.normal(size=s).astype("float32") for s in shapes]


def make_grads(steps, seed=1, shapes=SHAPES, scale=1.0):
    rng = np.random.default_rng(seed)
    return [[(rng.normal(size=s) * scale).astype("float32") for s in shapes] for _ in range(steps)]


def make_variables(weights, names=None):
    names = names or [f"w{i}" for i in range(len(weights))]
    return [Variable(w, dtype=str(w.dtype), name=n) for w, n in zip(weights, names)]


def to_tensors(grads, device=None):
    return [torch.tensor(g, device=device) for g in grads]


def values(variables):
    return [v.numpy().copy() for v in variables]
