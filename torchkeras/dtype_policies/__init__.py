"""`keras.dtype_policies`: dtype policies of layers (float, mixed precision, quantized) and their lookup."""
from torchkeras.api_export import keras_export
from torchkeras.api_export import namespace
from torchkeras.backend import dtypes as _dtypes
from torchkeras.dtype_policies.dtype_policy import QUANTIZATION_MODES
from torchkeras.dtype_policies.dtype_policy import DTypePolicy
from torchkeras.dtype_policies.dtype_policy import FloatDTypePolicy
from torchkeras.dtype_policies.dtype_policy import dtype_policy
from torchkeras.dtype_policies.dtype_policy import set_dtype_policy
from torchkeras.dtype_policies.dtype_policy_map import DTypePolicyMap
from torchkeras.dtype_policies.quantized_dtype_policy import AWQDTypePolicy
from torchkeras.dtype_policies.quantized_dtype_policy import GPTQDTypePolicy
from torchkeras.dtype_policies.quantized_dtype_policy import Int4DTypePolicy
from torchkeras.dtype_policies.quantized_dtype_policy import QuantizedDTypePolicy
from torchkeras.dtype_policies.quantized_dtype_policy import QuantizedFloat8DTypePolicy
from torchkeras.dtype_policies.quantized_dtype_policy import policy_from_string

set_global_policy = set_dtype_policy
global_policy = dtype_policy

ALL_OBJECTS = (AWQDTypePolicy, DTypePolicy, FloatDTypePolicy, QuantizedDTypePolicy, QuantizedFloat8DTypePolicy,
               DTypePolicyMap, GPTQDTypePolicy, Int4DTypePolicy)
ALL_OBJECTS_DICT = {cls.__name__: cls for cls in ALL_OBJECTS}
# Keras 2 wrote its mixed precision policy as "Policy".
_ALIASES = {"Policy": DTypePolicy}


@keras_export("keras.dtype_policies.serialize")
def serialize(dtype_policy):
    """The Keras config of a `DTypePolicy` (`{"module", "class_name", "config", "registered_name"}`)."""
    from torchkeras.saving import serialization_lib

    return serialization_lib.serialize_keras_object(dtype_policy)


@keras_export("keras.dtype_policies.deserialize")
def deserialize(config, custom_objects=None):
    """The `DTypePolicy` of a config written by `serialize`."""
    if isinstance(config, str):
        return get(config)
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"Could not interpret dtype policy config: {config}")
    class_name = config["class_name"]
    cls = ALL_OBJECTS_DICT.get(class_name) or _ALIASES.get(class_name)
    if cls is None and custom_objects:
        cls = custom_objects.get(class_name) or custom_objects.get(config.get("registered_name"))
    if cls is None:
        from torchkeras.saving import serialization_lib

        return serialization_lib.deserialize_keras_object(config, custom_objects=custom_objects)
    inner = config.get("config", {})
    if cls is DTypePolicyMap:
        return DTypePolicyMap.from_config(inner, custom_objects=custom_objects)
    if cls is DTypePolicy and isinstance(inner.get("name"), dict):  # Keras 2: {"name": "mixed_float16"}
        inner = inner["name"]
    return cls.from_config(dict(inner))


@keras_export("keras.dtype_policies.get")
def get(identifier):
    """A `DTypePolicy` from None (the global policy), a policy name (`"mixed_float16"`, `"int8_from_float32"`),
    a config dict or a policy."""
    if identifier is None:
        return dtype_policy()
    if isinstance(identifier, DTypePolicy):
        return identifier
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        if identifier.startswith(QUANTIZATION_MODES):
            return policy_from_string(identifier)
        return DTypePolicy(identifier)
    try:
        return DTypePolicy(_dtypes.standardize_dtype(identifier))
    except (ValueError, KeyError, TypeError):
        raise ValueError(f"Cannot interpret `dtype` argument. Expected a string or an instance of "
                         f"DTypePolicy. Received: dtype={identifier}") from None


__getattr__, __dir__, __all__ = namespace(__name__)
