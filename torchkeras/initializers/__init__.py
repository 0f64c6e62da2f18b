"""`keras.initializers`: how weights get their first values, and `get` / `serialize` / `deserialize`."""
from torchkeras.api_export import namespace as _namespace
import numpy as np
import torch

from torchkeras.api_export import keras_export
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
from torchkeras.utils.identifier_utils import deserialize_object
from torchkeras.utils.identifier_utils import get_object
from torchkeras.utils.identifier_utils import name_table
from torchkeras.utils.identifier_utils import object_from_name

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
ALL_OBJECTS_DICT = name_table(ALL_OBJECTS)
ALL_OBJECTS_DICT.update({
    "IdentityInitializer": Identity,
    "OrthogonalInitializer": Orthogonal,
    "STFTInitializer": STFT,
    "normal": RandomNormal,
    "uniform": RandomUniform,
    "zero": Zeros,
    "one": Ones,
})


@keras_export("keras.initializers.serialize")
def serialize(initializer):
    """The Keras config of an initializer (`{"module", "class_name", "config", "registered_name"}`)."""
    from torchkeras.saving import serialization_lib

    return serialization_lib.serialize_keras_object(initializer)


@keras_export("keras.initializers.deserialize")
def deserialize(config, custom_objects=None):
    """Return an initializer from its config (Keras 3 `{"module", "class_name", ...}` or Keras 2 form)."""
    return deserialize_object(config, custom_objects, ALL_OBJECTS_DICT, _from_name)


def _from_name(name, custom_objects=None):
    return object_from_name(name, ALL_OBJECTS_DICT, "initializer", custom_objects)


def _from_value(value):
    """An array or tensor becomes an initializer returning it (the requested shape must equal its shape)."""
    if not isinstance(value, (torch.Tensor, np.ndarray, np.generic)):
        return value
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
    return get_object(identifier, "initializer", _from_name, deserialize, convert=_from_value)

__getattr__, __dir__, __all__ = _namespace(__name__)
