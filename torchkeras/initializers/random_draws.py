"""Random draws for initializers, made the way Keras's torch backend makes them.

A seeded draw uses a fresh `torch.Generator` on the target device, seeded with `seed & 0xFFFFFFFF`: the
same seed gives the same values on every call, and on CPU the very values real Keras (torch backend)
produces. An unseeded draw uses torch's global RNG, so `keras.utils.set_random_seed` makes it reproducible.
"""
import numbers

import torch


def seed_value(seed):
    """The integer a generator is seeded with, for an int seed or a `keras.random.SeedGenerator`."""
    if isinstance(seed, numbers.Integral):
        return int(seed) & 0xFFFFFFFF
    state = seed.next()
    if isinstance(state, torch.Tensor):
        state = state.detach().cpu().tolist()
    if isinstance(state, (list, tuple)):
        return int(sum(int(v) for v in state)) & 0xFFFFFFFF
    return int(state) & 0xFFFFFFFF


def make_generator(seed, device):
    """A generator for one draw, or None to use torch's global RNG."""
    if seed is None or device.type == "meta":
        return None
    generator = torch.Generator(device=device)
    generator.manual_seed(seed_value(seed))
    return generator


def check_float(dtype, who):
    if not dtype.is_floating_point:
        raise ValueError(
            f"{who} can only produce floating-point values. Received: dtype={str(dtype).replace('torch.', '')}. "
            "Use a float dtype such as 'float32', or the 'zeros'/'ones'/Constant initializers for integers."
        )


def normal(shape, mean, stddev, dtype, seed, device):
    generator = make_generator(seed, device)
    return torch.normal(mean, stddev, size=shape, generator=generator, dtype=dtype, device=device)


def uniform(shape, minval, maxval, dtype, seed, device):
    generator = make_generator(seed, device)
    size = shape if len(shape) else (1,)
    values = (maxval - minval) * torch.rand(size, generator=generator, dtype=dtype, device=device) + minval
    return values if len(shape) else values[0]


def truncated_normal(shape, mean, stddev, dtype, seed, device):
    """Normal values cut at two standard deviations: of 4 standard-normal draws per element, keep the first
    inside (-2, 2). (With probability 4e-6 none is, and the first draw is kept, as Keras does.)"""
    draws = normal(tuple(shape) + (4,), 0.0, 1.0, dtype, seed, device)
    inside = (draws > -2) & (draws < 2)
    first = torch.argmax(inside.to(torch.uint8), dim=-1, keepdim=True)
    values = torch.gather(draws, -1, first).squeeze(-1)
    return values.mul_(stddev).add_(mean)
