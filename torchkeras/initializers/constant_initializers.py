"""Deterministic initializers: Zeros, Ones, Constant, Identity."""
import numbers

import numpy as np
import torch

from torchkeras.api_export import keras_export
from torchkeras.initializers.initializer import Initializer
from torchkeras.initializers.initializer import resolve_dtype
from torchkeras.initializers.initializer import resolve_shape
from torchkeras.initializers.initializer import target_device


@keras_export("keras.initializers.Zeros", "keras.initializers.zeros")
class Zeros(Initializer):
    """All zeros."""

    def __call__(self, shape, dtype=None):
        return torch.zeros(resolve_shape(shape), dtype=resolve_dtype(dtype), device=target_device())


@keras_export("keras.initializers.Ones", "keras.initializers.ones")
class Ones(Initializer):
    """All ones."""

    def __call__(self, shape, dtype=None):
        return torch.ones(resolve_shape(shape), dtype=resolve_dtype(dtype), device=target_device())


@keras_export("keras.initializers.Constant", "keras.initializers.constant")
class Constant(Initializer):
    """A constant `value` (default 0.0): a number, or an array broadcast against the shape."""

    def __init__(self, value=0.0):
        self.value = value

    def __call__(self, shape, dtype=None):
        shape, dtype, device = resolve_shape(shape), resolve_dtype(dtype), target_device()
        value = self.value
        if isinstance(value, (numbers.Number, np.number)) and not isinstance(value, complex):
            return torch.full(shape, value, dtype=dtype, device=device)
        if isinstance(value, torch.Tensor):
            value = value.detach().to(device=device, dtype=dtype)
        else:
            value = torch.as_tensor(np.asarray(value), device=device).to(dtype)
        return value * torch.ones(shape, dtype=dtype, device=device)

    def get_config(self):
        from torchkeras.saving import serialization_lib

        return {"value": serialization_lib.serialize_keras_object(self.value)}

    @classmethod
    def from_config(cls, config):
        from torchkeras.saving import serialization_lib

        return cls(serialization_lib.deserialize_keras_object(config["value"]))


@keras_export("keras.initializers.Identity", "keras.initializers.identity",
              "keras.initializers.IdentityInitializer")
class Identity(Initializer):
    """`gain` times the identity matrix (2D shapes only; a non-square shape gets ones on the main diagonal)."""

    def __init__(self, gain=1.0):
        self.gain = gain

    def __call__(self, shape, dtype=None):
        shape = resolve_shape(shape)
        if len(shape) != 2:
            raise ValueError(
                "Identity matrix initializer can only be used for 2D matrices. "
                f"Received: shape={shape} of rank {len(shape)}."
            )
        return self.gain * torch.eye(*shape, dtype=resolve_dtype(dtype), device=target_device())

    def get_config(self):
        # Keras 3.15 writes an empty config (dropping `gain`); a non-default gain is kept so it round-trips.
        return {} if self.gain == 1.0 else {"gain": self.gain}
