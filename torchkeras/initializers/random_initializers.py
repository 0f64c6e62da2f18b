"""Random initializers with fixed parameters: RandomNormal, RandomUniform, TruncatedNormal."""
import numbers

from torchkeras.api_export import keras_export
from torchkeras.initializers import random_draws
from torchkeras.initializers.initializer import Initializer
from torchkeras.initializers.initializer import resolve_dtype
from torchkeras.initializers.initializer import resolve_shape
from torchkeras.initializers.initializer import target_device


class RandomInitializer(Initializer):
    """Base of the random initializers: holds the `seed` (an int, a `keras.random.SeedGenerator`, or None).

    With a seed, every call returns the same values. Without one, values come from torch's global RNG.
    """

    def __init__(self, seed=None):
        self._init_seed = seed
        if isinstance(seed, dict):
            from torchkeras.saving import serialization_lib

            seed = serialization_lib.deserialize_keras_object(seed)
        if isinstance(seed, numbers.Integral):
            seed = int(seed)
            if not isinstance(self._init_seed, dict):
                self._init_seed = seed  # a NumPy integer is stored as a plain int (JSON-friendly config)
        elif seed is not None and not _is_seed_generator(seed):
            raise ValueError(
                "`seed` argument should be an instance of `keras.random.SeedGenerator()` or an integer. "
                f"Received: seed={seed}"
            )
        self.seed = seed

    def get_config(self):
        from torchkeras.saving import serialization_lib

        return {"seed": serialization_lib.serialize_keras_object(self._init_seed)}

    def _draw_args(self, shape, dtype):
        dtype = resolve_dtype(dtype)
        random_draws.check_float(dtype, type(self).__name__)
        return resolve_shape(shape), dtype, self.seed, target_device()


def _is_seed_generator(obj):
    return callable(getattr(obj, "next", None)) and hasattr(obj, "get_config")


@keras_export("keras.initializers.RandomNormal", "keras.initializers.random_normal")
class RandomNormal(RandomInitializer):
    """Values from a normal distribution `N(mean, stddev)` (defaults 0.0 and 0.05)."""

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        self.mean = mean
        self.stddev = stddev
        super().__init__(seed=seed)

    def __call__(self, shape, dtype=None):
        shape, dtype, seed, device = self._draw_args(shape, dtype)
        return random_draws.normal(shape, self.mean, self.stddev, dtype, seed, device)

    def get_config(self):
        return {**super().get_config(), "mean": self.mean, "stddev": self.stddev}


@keras_export("keras.initializers.TruncatedNormal", "keras.initializers.truncated_normal")
class TruncatedNormal(RandomInitializer):
    """Values from `N(mean, stddev)` cut at two standard deviations from the mean (defaults 0.0, 0.05)."""

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        self.mean = mean
        self.stddev = stddev
        super().__init__(seed=seed)

    def __call__(self, shape, dtype=None):
        shape, dtype, seed, device = self._draw_args(shape, dtype)
        return random_draws.truncated_normal(shape, self.mean, self.stddev, dtype, seed, device)

    def get_config(self):
        return {**super().get_config(), "mean": self.mean, "stddev": self.stddev}


@keras_export("keras.initializers.RandomUniform", "keras.initializers.random_uniform")
class RandomUniform(RandomInitializer):
    """Values from a uniform distribution on `[minval, maxval)` (defaults -0.05 and 0.05)."""

    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        self.minval = minval
        self.maxval = maxval
        super().__init__(seed=seed)

    def __call__(self, shape, dtype=None):
        shape, dtype, seed, device = self._draw_args(shape, dtype)
        return random_draws.uniform(shape, self.minval, self.maxval, dtype, seed, device)

    def get_config(self):
        return {**super().get_config(), "minval": self.minval, "maxval": self.maxval}
