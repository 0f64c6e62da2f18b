"""`keras.random`: random tensors on torch, seeded like Keras's torch backend.

`seed` is an int (same numbers every call), a `SeedGenerator` (new numbers every call, reproducible) or
None (torch's global RNG, so `keras.utils.set_random_seed` / `torch.manual_seed` make runs reproducible).
With the same int seed or SeedGenerator, the numbers equal those of Keras 3 on torch.
"""
import contextlib

import torch
import torch.nn.functional as F

from torchkeras.api_export import keras_export
from torchkeras.backend import config
from torchkeras.backend import dtypes
from torchkeras.backend.device import get_device
from torchkeras.ops.core import _as_tensor
from torchkeras.ops.core import to_torch_dtype
from torchkeras.random.seed_generator import SeedGenerator
from torchkeras.random.seed_generator import draw_seed
from torchkeras.random.seed_generator import torch_generator


def _shape(shape):
    if isinstance(shape, int):
        return (shape,)
    return tuple(int(d) for d in shape)


def _float_dtype(dtype, fn):
    dtype = dtype or config.floatx()
    if not dtypes.is_float_dtype(dtype):
        raise ValueError(f"`keras.random.{fn}` requires a floating point `dtype`. Received: dtype={dtype} ")
    return to_torch_dtype(dtype)


def _is_number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


@keras_export("keras.random.normal")
def normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Draw from a normal distribution with `mean` and standard deviation `stddev`."""
    dt = _float_dtype(dtype, "normal")
    shape = _shape(shape)
    device = get_device()
    gen = torch_generator(seed, device)
    if _is_number(mean) and _is_number(stddev):
        return torch.normal(float(mean), float(stddev), size=shape, generator=gen, dtype=dt, device=device)
    z = torch.normal(0.0, 1.0, size=shape, generator=gen, dtype=dt, device=device)
    return z * _as_tensor(stddev, dtype=dt, device=device) + _as_tensor(mean, dtype=dt, device=device)


@keras_export("keras.random.uniform")
def uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
    """Draw from a uniform distribution on `[minval, maxval)`."""
    dt = _float_dtype(dtype, "uniform")
    requested = _shape(shape)
    draw_shape = requested if requested else (1,)
    device = get_device()
    gen = torch_generator(seed, device)
    r = torch.rand(draw_shape, generator=gen, dtype=dt, device=device)
    if not (_is_number(minval) and _is_number(maxval)):
        minval = _as_tensor(minval, dtype=dt, device=device)
        maxval = _as_tensor(maxval, dtype=dt, device=device)
    out = (maxval - minval) * r + minval
    return out[0] if not requested else out


@keras_export("keras.random.randint")
def randint(shape, minval, maxval, dtype="int32", seed=None):
    """Draw integers uniformly from `[minval, maxval)`."""
    if dtype and not dtypes.is_int_dtype(dtype):
        raise ValueError(f"`keras.random.randint` requires an integer `dtype`. Received: dtype={dtype} ")
    device = get_device()
    gen = torch_generator(seed, device)
    return torch.randint(int(minval), int(maxval), _shape(shape), generator=gen, dtype=to_torch_dtype(dtype),
                         device=device)


@keras_export("keras.random.truncated_normal")
def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Draw from a normal distribution truncated to `[mean - 2 stddev, mean + 2 stddev]`.

    Four candidates are drawn per value; the first inside the bounds is kept (as Keras does on torch).
    """
    dt = _float_dtype(dtype, "truncated_normal")
    shape = _shape(shape)
    candidates = normal(shape + (4,), mean=0.0, stddev=1.0, dtype=dt, seed=seed)
    valid = (candidates > -2) & (candidates < 2)
    first = valid.to(torch.uint8).argmax(dim=-1, keepdim=True)
    z = candidates.gather(-1, first).squeeze(-1)
    return z * stddev + mean


@keras_export("keras.random.categorical")
def categorical(logits, num_samples, dtype="int32", seed=None):
    """Draw `num_samples` class indices per row of the 2-D unnormalized log-probabilities `logits`."""
    logits = _as_tensor(logits)
    if logits.dim() != 2:
        raise ValueError(
            f"`logits` should be a 2-D tensor with shape [batch_size, num_classes]. Received: logits={logits}"
        )
    probs = torch.softmax(logits.to(torch.float32) if not logits.is_floating_point() else logits, dim=-1)
    gen = torch_generator(seed, probs.device)
    return torch.multinomial(probs, int(num_samples), replacement=True, generator=gen).to(to_torch_dtype(dtype))


@keras_export("keras.random.dropout")
def dropout(inputs, rate, noise_shape=None, seed=None):
    """Zero each value of `inputs` with probability `rate` and scale the rest by `1 / (1 - rate)`.

    `noise_shape` (None entries take the input's size) shares the mask along broadcast axes.
    """
    inputs = _as_tensor(inputs)
    if not 0 <= rate <= 1:
        raise ValueError(f"Invalid value received for argument `rate`. Expected a float in [0, 1]. Received: rate={rate}")
    if rate == 1.0:
        return torch.zeros_like(inputs)
    if rate == 0.0:
        return inputs
    unseeded = seed is None or (isinstance(seed, SeedGenerator) and seed._initial_seed is None)
    if unseeded and noise_shape is None:
        return F.dropout(inputs, p=rate, training=True)
    keep = 1.0 - rate
    if noise_shape is None:
        shape = tuple(inputs.shape)
    else:
        shape = tuple(inputs.shape[i] if d is None else int(d) for i, d in enumerate(noise_shape))
    gen = torch_generator(seed, inputs.device)
    mask = torch.bernoulli(torch.full(shape, keep, device=inputs.device), generator=gen).to(torch.bool)
    mask = torch.broadcast_to(mask, inputs.shape)
    return torch.where(mask, inputs / keep, torch.zeros_like(inputs))


@keras_export("keras.random.shuffle")
def shuffle(x, axis=0, seed=None):
    """Shuffle `x` along `axis` (independently for each position of the axes before it)."""
    x = _as_tensor(x)
    axis = axis % x.dim()
    gen = torch_generator(seed, x.device)
    perm = torch.rand(tuple(x.shape[: axis + 1]), generator=gen, device=x.device).argsort(axis)
    perm = perm.reshape(tuple(perm.shape) + (1,) * (x.dim() - axis - 1)).expand(x.shape)
    return torch.gather(x, axis, perm)


@contextlib.contextmanager
def _seeded(seed, device):
    """Seed torch's global RNG for a block (restoring it after) when `seed` asks for it."""
    value = draw_seed(seed)
    if value is None:
        yield
        return
    devices = [device] if device.type == "cuda" else []
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(value)
        yield


@keras_export("keras.random.gamma")
def gamma(shape, alpha, dtype=None, seed=None):
    """Draw from a gamma distribution with concentration `alpha` (and rate 1)."""
    dt = _float_dtype(dtype, "gamma")
    shape = _shape(shape)
    device = get_device()
    alpha = torch.broadcast_to(_as_tensor(alpha, dtype="float32", device=device), shape)
    with _seeded(seed, device):
        sample = torch.distributions.Gamma(alpha, torch.ones(shape, device=device)).sample()
    return sample.to(dt)


@keras_export("keras.random.binomial")
def binomial(shape, counts, probabilities, dtype=None, seed=None):
    """Draw the number of successes in `counts` trials of success probability `probabilities`."""
    dt = _float_dtype(dtype, "binomial")
    shape = _shape(shape)
    device = get_device()
    counts = torch.broadcast_to(_as_tensor(counts, dtype="float32", device=device), shape)
    probabilities = torch.broadcast_to(_as_tensor(probabilities, dtype="float32", device=device), shape)
    with _seeded(seed, device):
        sample = torch.distributions.Binomial(total_count=counts, probs=probabilities).sample()
    return sample.to(dt)


@keras_export("keras.random.beta")
def beta(shape, alpha, beta, dtype=None, seed=None):
    """Draw from a beta distribution with concentrations `alpha` and `beta`."""
    dt = _float_dtype(dtype, "beta")
    shape = _shape(shape)
    device = get_device()
    a = torch.broadcast_to(_as_tensor(alpha, dtype="float32", device=device), shape)
    b = torch.broadcast_to(_as_tensor(beta, dtype="float32", device=device), shape)
    with _seeded(seed, device):
        sample = torch.distributions.Beta(concentration1=a, concentration0=b).sample()
    return sample.to(dt)
