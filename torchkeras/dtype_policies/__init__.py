"""Dtype policies: the variable dtype and the compute dtype of a layer (`keras.DTypePolicy`)."""
from torchkeras.api_export import keras_export
from torchkeras.api_export import namespace
from torchkeras.backend import config as _config
from torchkeras.backend import dtypes as _dtypes

_GLOBAL_POLICY = None


@keras_export("keras.DTypePolicy", "keras.dtype_policies.DTypePolicy", "keras.mixed_precision.DTypePolicy",
              "keras.mixed_precision.Policy", "keras.dtype_policies.FloatDTypePolicy")
class DTypePolicy:
    """`DTypePolicy('float32')`, `'mixed_float16'` (float16 compute, float32 variables), `'mixed_bfloat16'`."""

    def __init__(self, name=None):
        if name is None:
            name = _config.floatx()
        if isinstance(name, DTypePolicy):
            name = name.name
        if not isinstance(name, str):
            raise TypeError(f"'name' must be a string, such as 'mixed_float16'. Received: name={name} "
                            f"(of type {type(name)})")
        if name in ("mixed_float16", "mixed_bfloat16"):
            self._compute = "float16" if name == "mixed_float16" else "bfloat16"
            self._variable = "float32"
        else:
            try:
                d = _dtypes.standardize_dtype(name)
            except (ValueError, KeyError):
                raise ValueError(
                    f"Cannot convert '{name}' to a mixed precision DTypePolicy. Valid policies include "
                    "'mixed_float16', 'mixed_bfloat16', and the name of any float dtype such as 'float32'."
                ) from None
            self._compute = self._variable = d
        self._name = name

    @property
    def name(self):
        return self._name

    @property
    def compute_dtype(self):
        return self._compute

    @property
    def variable_dtype(self):
        return self._variable

    @property
    def is_mixed(self):
        return self._compute != self._variable

    def __eq__(self, other):
        if isinstance(other, str):
            return self._name == other
        return isinstance(other, DTypePolicy) and other._name == self._name

    def __hash__(self):
        return hash(self._name)

    def __repr__(self):
        return f'<DTypePolicy "{self._name}">'

    def get_config(self):
        return {"name": self._name}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


@keras_export("keras.config.set_dtype_policy", "keras.mixed_precision.set_dtype_policy",
              "keras.mixed_precision.set_global_policy")
def set_dtype_policy(policy):
    """Set the default dtype policy of new layers (e.g. `'mixed_float16'`)."""
    global _GLOBAL_POLICY
    if policy is None:
        _GLOBAL_POLICY = None
        return
    _GLOBAL_POLICY = policy if isinstance(policy, DTypePolicy) else DTypePolicy(policy)


set_global_policy = set_dtype_policy


@keras_export("keras.config.dtype_policy", "keras.mixed_precision.dtype_policy",
              "keras.mixed_precision.global_policy")
def dtype_policy():
    """The default dtype policy of new layers."""
    if _GLOBAL_POLICY is None:
        return DTypePolicy(_config.floatx())
    return _GLOBAL_POLICY


global_policy = dtype_policy


@keras_export("keras.dtype_policies.get")
def get(identifier):
    if identifier is None:
        return dtype_policy()
    if isinstance(identifier, DTypePolicy):
        return identifier
    if isinstance(identifier, dict):
        return DTypePolicy.from_config(identifier.get("config", identifier))
    if isinstance(identifier, str):
        return DTypePolicy(identifier)
    try:
        return DTypePolicy(_dtypes.standardize_dtype(identifier))
    except (ValueError, KeyError):
        raise ValueError(f"Cannot interpret `dtype` argument. Expected a string or an instance of "
                         f"DTypePolicy. Received: dtype={identifier}") from None


@keras_export("keras.dtype_policies.serialize")
def serialize(policy):
    """The Keras config of a dtype policy (`{"module": "keras", "class_name": "DTypePolicy", ...}`)."""
    return {"module": "keras", "class_name": "DTypePolicy", "config": {"name": policy.name},
            "registered_name": None}


@keras_export("keras.dtype_policies.deserialize")
def deserialize(config, custom_objects=None):
    """A dtype policy from its config (as `serialize` writes it)."""
    from torchkeras.saving import serialization_lib

    return serialization_lib.deserialize_keras_object(
        config, module_objects={"DTypePolicy": DTypePolicy, "FloatDTypePolicy": DTypePolicy},
        custom_objects=custom_objects,
    )


__getattr__, __dir__, __all__ = namespace(__name__)
