"""`keras.initializers`: how weights get their first values, and `get` / `serialize` / `deserialize`."""
import inspect

import numpy as np
import torch

from torchkeras.api_export import keras_export
from torchkeras.backend.naming import to_snake_case
from torchkeras.initializers.constant_initializers import Constant
from torchkeras.initializers.constant_initializers import Identity
from torchkeras.initializers.constant_initializers import Ones
from torchkeras.initializers.constant_initializers import Zeros
from torchkeras.initializers.initializer import Initializer
from torchkeras.initializers.orthogonal import Orthogonal
from torchkeras.initializers.random_initializers import RandomNormal
from torchkeras.initializers.random_initializers import RandomUniform
from torchkeras.initializers.random_initializers import TruncatedNormal
from torchkeras.initializers.stft import STFT
from torchkeras.initializers.variance_scaling import GlorotNormal
from torchkeras.initializers.variance_scaling import GlorotUniform
from torchkeras.initializers.variance_scaling import HeNormal
from torchkeras.initializers.variance_scaling import HeUniform
from torchkeras.initializers.variance_scaling import LecunNormal
from torchkeras.initializers.variance_scaling import LecunUniform
from torchkeras.initializers.variance_scaling import VarianceScaling
from torchkeras.initializers.variance_scaling import compute_fans

# Keras 2 / Keras 3 lowercase spellings are the classes themselves (`keras.initializers.glorot_uniform(seed=1)`).
zeros = Zeros
ones = Ones
constant = Constant
identity = Identity
orthogonal = Orthogonal
random_normal = RandomNormal
random_uniform = RandomUniform
truncated_normal = TruncatedNormal
variance_scaling = VarianceScaling
glorot_uniform = GlorotUniform
glorot_normal = GlorotNormal
he_uniform = HeUniform
he_normal = HeNormal
lecun_uniform = LecunUniform
lecun_normal = LecunNormal
stft = STFT

ALL_OBJECTS = (
    Initializer, Constant, Identity, Ones, STFT, Zeros, GlorotNormal, GlorotUniform, HeNormal, HeUniform,
    LecunNormal, LecunUniform, Orthogonal, RandomNormal, RandomUniform, TruncatedNormal, VarianceScaling,
)
ALL_OBJECTS_DICT = {cls.__name__: cls for cls in ALL_OBJECTS}
ALL_OBJECTS_DICT.update({to_snake_case(cls.__name__): cls for cls in ALL_OBJECTS})
ALL_OBJECTS_DICT.update({
    "IdentityInitializer": Identity,
    "OrthogonalInitializer": Orthogonal,
    "STFTInitializer": STFT,
    "normal": RandomNormal,
    "uniform": RandomUniform,
    "zero": Zeros,
    "one": Ones,
})


def _unknown(identifier):
    return ValueError(f"Could not interpret initializer identifier: {identifier}")


@keras_export("keras.initializers.serialize")
def serialize(initializer):
    """The Keras config of an initializer (`{"module", "class_name", "config", "registered_name"}`)."""
    from torchkeras.saving import serialization_lib

    return serialization_lib.serialize_keras_object(initializer)


@keras_export("keras.initializers.deserialize")
def deserialize(config, custom_objects=None):
    """Return an initializer from its config (Keras 3 `{"module", "class_name", ...}` or Keras 2 form)."""
    from torchkeras.saving import serialization_lib

    if isinstance(config, str):
        return _from_name(config, custom_objects)
    return serialization_lib.deserialize_keras_object(
        config, custom_objects=custom_objects, module_objects=ALL_OBJECTS_DICT
    )


def _from_name(name, custom_objects=None):
    cls = ALL_OBJECTS_DICT.get(name)
    if cls is None:
        from torchkeras.saving import serialization_lib

        cls = serialization_lib.get_registered_object(name, custom_objects)
    if cls is None:
        raise _unknown(name)
    return cls() if inspect.isclass(cls) else cls


def _from_value(value):
    """An initializer returning a given array or tensor (whose shape the requested shape must equal)."""
    from torchkeras.initializers.initializer import resolve_dtype
    from torchkeras.initializers.initializer import target_device

    def initialize_fn(shape, dtype=None):
        if tuple(int(d) for d in shape) != tuple(value.shape):
            raise ValueError(
                f"Expected `shape` to be {tuple(value.shape)} for direct tensor as initializer. "
                f"Received shape={tuple(shape)}"
            )
        tensor = value.detach() if isinstance(value, torch.Tensor) else torch.as_tensor(np.asarray(value))
        return tensor.to(device=target_device(), dtype=resolve_dtype(dtype), copy=True)

    return initialize_fn


@keras_export("keras.initializers.get")
def get(identifier):
    """Resolve an initializer: a name (`"glorot_uniform"`), a config dict, a class, an instance or callable,
    or an array/tensor of initial values. None gives None."""
    if identifier is None:
        return None
    if isinstance(identifier, str):
        return _from_name(identifier)
    if isinstance(identifier, dict):
        try:
            obj = deserialize(identifier)
        except TypeError as e:
            raise ValueError(f"Could not interpret initializer identifier: {identifier}. {e}") from None
    elif isinstance(identifier, (torch.Tensor, np.ndarray, np.generic)):
        obj = _from_value(identifier)
    else:
        obj = identifier
    if callable(obj):
        return obj() if inspect.isclass(obj) else obj
    raise _unknown(identifier)


__all__ = [
    "Initializer", "Constant", "Identity", "Ones", "Zeros", "STFT", "GlorotNormal", "GlorotUniform", "HeNormal",
    "HeUniform", "LecunNormal", "LecunUniform", "Orthogonal", "RandomNormal", "RandomUniform",
    "TruncatedNormal", "VarianceScaling", "compute_fans", "get", "serialize", "deserialize",
]
