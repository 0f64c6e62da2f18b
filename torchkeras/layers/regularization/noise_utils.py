"""Seeding shared by the noise layers: Keras's random streams when seeded, torch's global RNG otherwise."""
from torchkeras.random.seed_generator import SeedGenerator
from torchkeras.random.seed_generator import torch_generator


def make_seed_generator(seed):
    """A `SeedGenerator` for a seeded layer (same numbers as Keras 3 on torch), or None to use torch's RNG."""
    return SeedGenerator(seed) if seed is not None else None


def generator_for(seed_generator, device):
    """A `torch.Generator` for the next draw, or None for torch's global generator."""
    return torch_generator(seed_generator, device) if seed_generator is not None else None


def check_unit_interval(name, value):
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not 0 <= value <= 1:
        raise ValueError(
            f"Invalid value received for argument `{name}`. Expected a float value between 0 and 1. "
            f"Received: {name}={value}"
        )
