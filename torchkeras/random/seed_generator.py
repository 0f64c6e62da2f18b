"""`keras.random.SeedGenerator`: a small stateful source of seeds for the random functions.

Its state is a `(2,)` int32 Variable `[seed, counter]` (named `seed_generator_state`, like Keras); each
draw uses `seed + counter` and then increments the counter. The state lives on the CPU so that reading it
never waits for an accelerator.
"""
import random as python_random

import torch

from torchkeras.api_export import keras_export
from torchkeras.backend import naming
from torchkeras.backend import symbolic
from torchkeras.backend.keras_tensor import KerasTensor

_MASK = 0xFFFFFFFF


def make_default_seed():
    """A random seed in [1, 1e9], drawn from Python's `random` (so `keras.utils.set_random_seed` fixes it)."""
    return python_random.randint(1, int(1e9))


@keras_export("keras.random.SeedGenerator")
class SeedGenerator:
    """Generates seeds for `keras.random` functions: pass it as `seed=` to get a new seed on every call.

    ```python
    seed_gen = keras.random.SeedGenerator(seed=42)
    a = keras.random.normal((2, 3), seed=seed_gen)
    b = keras.random.normal((2, 3), seed=seed_gen)  # different from `a`, reproducible across runs
    ```
    """

    def __init__(self, seed=None, name=None, **kwargs):
        kwargs.pop("backend", None)
        if kwargs:
            raise ValueError(f"Unrecognized keyword arguments: {kwargs}")
        self.name = name or naming.auto_name("seed_generator")
        self._initial_seed = seed
        if seed is None:
            seed = make_default_seed()
        if isinstance(seed, bool) or not isinstance(seed, int):
            raise ValueError(f"Argument `seed` must be an integer. Received: seed={seed}")
        from torchkeras.backend.variables import Variable

        wrapped = ((seed & _MASK) ^ 0x80000000) - 0x80000000
        with symbolic.escape_fake(), naming.name_scope(self.name, caller=self):
            self.state = Variable(
                torch.tensor([wrapped, 0], dtype=torch.int32),
                dtype="int32",
                trainable=False,
                name="seed_generator_state",
                device="cpu",
            )

    def next(self, ordered=True):
        """The current `[seed, counter]` state (a copy); advances the state."""
        with symbolic.escape_fake(), torch.no_grad():
            value = self.state.detach().clone()
            if ordered:
                self.state.add_(torch.tensor([0, 1], dtype=torch.int32))
            else:
                self.state.copy_((self.state.to(torch.int64) + 1) * 5387 % 933199)
        return value

    def get_config(self):
        return {"seed": self._initial_seed, "name": self.name}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"<SeedGenerator name={self.name}, seed={self._initial_seed}>"


def draw_seed(seed):
    """A 32-bit seed for `torch.Generator.manual_seed`, or None to use torch's global RNG.

    `seed` is an int (the same numbers every call), a `SeedGenerator` (a new seed every call) or None.
    Inside shape inference nothing is drawn, so generators don't advance.
    """
    if seed is None:
        return None
    if isinstance(seed, SeedGenerator):
        if symbolic.in_symbolic_scope():
            return None
        first, second = seed.next().tolist()
        return (first + second) & _MASK
    if isinstance(seed, KerasTensor):
        raise ValueError("Argument `seed` cannot be a symbolic KerasTensor.")
    if isinstance(seed, int) and not isinstance(seed, bool):
        return seed & _MASK
    if isinstance(seed, torch.Tensor) and seed.numel() == 1 and not seed.is_floating_point():
        return int(seed) & _MASK
    raise ValueError(
        "Argument `seed` must be either an integer or an instance of `SeedGenerator`. "
        f"Received: seed={seed} (of type {type(seed)})"
    )


def torch_generator(seed, device):
    """A `torch.Generator` on `device` seeded from `seed`, or None for torch's global RNG."""
    value = draw_seed(seed)
    if value is None:
        return None
    generator = torch.Generator(device=device)
    generator.manual_seed(value)
    return generator
