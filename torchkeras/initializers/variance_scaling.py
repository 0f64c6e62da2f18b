"""VarianceScaling and its named forms: Glorot (Xavier), He (Kaiming) and LeCun, uniform and normal."""
import math

from torchkeras.api_export import keras_export
from torchkeras.initializers import random_draws
from torchkeras.initializers.random_initializers import RandomInitializer

# Standard deviation of a standard normal truncated to [-2, 2]: dividing by it makes the realised std exact.
TRUNCATED_STD = 0.87962566103423978


def compute_fans(shape, input_axes=None, output_axes=None):
    """`(fan_in, fan_out)` of a weight shape, as Keras computes them.

    Rank 0: (1, 1). Rank 1: (n, n). Rank 2 `(in, out)`: (in, out). Rank >= 3 (conv kernels
    `(*spatial, in, out)`): both multiplied by the receptive field size `prod(spatial)`.
    `input_axes` and `output_axes` (given together) name the axes whose sizes multiply into each fan.
    """
    shape = tuple(shape)
    if input_axes is not None and output_axes is not None:
        return int(math.prod(shape[a] for a in input_axes)), int(math.prod(shape[a] for a in output_axes))
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return int(shape[0]), int(shape[0])
    if len(shape) == 2:
        return int(shape[0]), int(shape[1])
    receptive_field = math.prod(shape[:-2])
    return int(shape[-2] * receptive_field), int(shape[-1] * receptive_field)


@keras_export("keras.initializers.VarianceScaling", "keras.initializers.variance_scaling")
class VarianceScaling(RandomInitializer):
    """Values whose variance is `scale / n`, `n` being the fan in, the fan out, or their average (`mode`).

    `distribution`: `"truncated_normal"` (std `sqrt(scale / n) / 0.8796...`, cut at 2 std, so the realised
    std is `sqrt(scale / n)`; `"normal"` is an alias), `"untruncated_normal"` (std `sqrt(scale / n)`), or
    `"uniform"` (within `[-limit, limit]`, `limit = sqrt(3 * scale / n)`).
    """

    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal", seed=None, input_axes=None,
                 output_axes=None):
        if scale <= 0.0:
            raise ValueError(f"Argument `scale` must be positive float. Received: scale={scale}")
        allowed_modes = {"fan_in", "fan_out", "fan_avg"}
        if mode not in allowed_modes:
            raise ValueError(f"Invalid `mode` argument: {mode}. Please use one of {allowed_modes}")
        distribution = str(distribution).lower()
        if distribution == "normal":
            distribution = "truncated_normal"
        allowed_distributions = {"uniform", "truncated_normal", "untruncated_normal"}
        if distribution not in allowed_distributions:
            raise ValueError(
                f"Invalid `distribution` argument: {distribution}. Please use one of {allowed_distributions}"
            )
        self.scale = scale
        self.mode = mode
        self.distribution = distribution
        self.input_axes = input_axes
        self.output_axes = output_axes
        super().__init__(seed=seed)

    def __call__(self, shape, dtype=None):
        shape, dtype, seed, device = self._draw_args(shape, dtype)
        fan_in, fan_out = compute_fans(shape, self.input_axes, self.output_axes)
        if self.mode == "fan_in":
            n = fan_in
        elif self.mode == "fan_out":
            n = fan_out
        else:
            n = (fan_in + fan_out) / 2.0
        variance = self.scale / max(1.0, n)
        if self.distribution == "truncated_normal":
            stddev = math.sqrt(variance) / TRUNCATED_STD
            return random_draws.truncated_normal(shape, 0.0, stddev, dtype, seed, device)
        if self.distribution == "untruncated_normal":
            return random_draws.normal(shape, 0.0, math.sqrt(variance), dtype, seed, device)
        limit = math.sqrt(3.0 * variance)
        return random_draws.uniform(shape, -limit, limit, dtype, seed, device)

    def get_config(self):
        return {
            **super().get_config(),
            "scale": self.scale,
            "mode": self.mode,
            "distribution": self.distribution,
            "input_axes": self.input_axes,
            "output_axes": self.output_axes,
        }


class _NamedVarianceScaling(VarianceScaling):
    """A VarianceScaling with fixed scale, mode and distribution; its config holds only the seed and axes."""

    SCALE = MODE = DISTRIBUTION = None

    def __init__(self, seed=None, input_axes=None, output_axes=None):
        super().__init__(scale=self.SCALE, mode=self.MODE, distribution=self.DISTRIBUTION, seed=seed,
                         input_axes=input_axes, output_axes=output_axes)

    def get_config(self):
        from torchkeras.saving import serialization_lib

        return {
            "seed": serialization_lib.serialize_keras_object(self._init_seed),
            "input_axes": self.input_axes,
            "output_axes": self.output_axes,
        }


@keras_export("keras.initializers.GlorotUniform", "keras.initializers.glorot_uniform")
class GlorotUniform(_NamedVarianceScaling):
    """Glorot (Xavier) uniform: `U(-limit, limit)` with `limit = sqrt(6 / (fan_in + fan_out))`."""

    SCALE, MODE, DISTRIBUTION = 1.0, "fan_avg", "uniform"


@keras_export("keras.initializers.GlorotNormal", "keras.initializers.glorot_normal")
class GlorotNormal(_NamedVarianceScaling):
    """Glorot (Xavier) normal: truncated normal with std `sqrt(2 / (fan_in + fan_out))`."""

    SCALE, MODE, DISTRIBUTION = 1.0, "fan_avg", "truncated_normal"


@keras_export("keras.initializers.HeUniform", "keras.initializers.he_uniform")
class HeUniform(_NamedVarianceScaling):
    """He (Kaiming) uniform: `U(-limit, limit)` with `limit = sqrt(6 / fan_in)`."""

    SCALE, MODE, DISTRIBUTION = 2.0, "fan_in", "uniform"


@keras_export("keras.initializers.HeNormal", "keras.initializers.he_normal")
class HeNormal(_NamedVarianceScaling):
    """He (Kaiming) normal: truncated normal with std `sqrt(2 / fan_in)`."""

    SCALE, MODE, DISTRIBUTION = 2.0, "fan_in", "truncated_normal"


@keras_export("keras.initializers.LecunUniform", "keras.initializers.lecun_uniform")
class LecunUniform(_NamedVarianceScaling):
    """LeCun uniform: `U(-limit, limit)` with `limit = sqrt(3 / fan_in)`."""

    SCALE, MODE, DISTRIBUTION = 1.0, "fan_in", "uniform"


@keras_export("keras.initializers.LecunNormal", "keras.initializers.lecun_normal")
class LecunNormal(_NamedVarianceScaling):
    """LeCun normal: truncated normal with std `sqrt(1 / fan_in)`."""

    SCALE, MODE, DISTRIBUTION = 1.0, "fan_in", "truncated_normal"
