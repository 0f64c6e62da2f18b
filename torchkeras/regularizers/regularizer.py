"""`keras.regularizers.Regularizer`: the base class, and the argument check all regularizers share."""
import math
import numbers

from torchkeras.api_export import keras_export


@keras_export("keras.regularizers.Regularizer", "keras.Regularizer")
class Regularizer:
    """Base class: a regularizer is called on a weight tensor and returns a scalar penalty tensor.

    Subclasses implement `__call__(self, x)` and `get_config()`. The default `from_config()` calls the
    constructor with the config as keyword arguments.
    """

    def __call__(self, x):
        return 0.0

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def get_config(self):
        raise NotImplementedError(f"{self} does not implement get_config()")


def validate_float_arg(value, name):
    """`value` as a float, if it is a finite non-negative number; else Keras's ValueError."""
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Real)
        or math.isinf(value)
        or math.isnan(value)
        or value < 0
    ):
        raise ValueError(
            f"Invalid value for argument {name}: expected a non-negative float.Received: {name}={value}"
        )
    return float(value)
