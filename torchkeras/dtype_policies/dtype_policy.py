"""`keras.DTypePolicy`: the variable dtype and the compute dtype of a layer, and the global default policy."""
from torchkeras.api_export import keras_export
from torchkeras.backend import config as _config
from torchkeras.backend import dtypes as _dtypes

QUANTIZATION_MODES = ("int8", "float8", "int4", "gptq", "awq")

_GLOBAL_POLICY = [None]


@keras_export("keras.DTypePolicy", "keras.dtype_policies.DTypePolicy", "keras.mixed_precision.DTypePolicy",
              "keras.mixed_precision.Policy")
class DTypePolicy:
    """`DTypePolicy('float32')`, `'mixed_float16'` (float16 compute, float32 variables), `'mixed_bfloat16'`."""

    # Read on every layer call by quantized layers: a plain attribute, not a property.
    _quantization_mode = None

    def __init__(self, name=None):
        if name is None:
            name = dtype_policy().name
        if isinstance(name, DTypePolicy):
            name = name.name
        self._name = name
        self._compute_dtype, self._variable_dtype = self._parse_name(name)

    def _parse_name(self, name):
        """`(compute_dtype, variable_dtype)` of a policy name."""
        if not isinstance(name, str):
            raise TypeError(f"'name' must be a string, such as 'mixed_float16'. Received: name={name} "
                            f"(of type {type(name)})")
        if name == "mixed_float16":
            return "float16", "float32"
        if name == "mixed_bfloat16":
            return "bfloat16", "float32"
        try:
            dtype = _dtypes.standardize_dtype(name)
        except (ValueError, KeyError, TypeError):
            raise ValueError(
                f"Cannot convert '{name}' to a mixed precision DTypePolicy. Valid policies include "
                "'mixed_float16', 'mixed_bfloat16', and the name of any float dtype such as 'float32'."
            ) from None
        return dtype, dtype

    @property
    def name(self):
        return self._name

    @property
    def compute_dtype(self):
        return self._compute_dtype

    @property
    def variable_dtype(self):
        return self._variable_dtype

    @property
    def quantization_mode(self):
        """The quantization mode of this policy (`"int8"`, ...), or None if it is not quantized."""
        return self._quantization_mode

    @property
    def is_mixed(self):
        return self._compute_dtype != self._variable_dtype

    def __eq__(self, other):
        if isinstance(other, str):
            return self._name == other
        if type(self) in (DTypePolicy, FloatDTypePolicy):
            if type(other) not in (DTypePolicy, FloatDTypePolicy):
                return False
        elif type(other) is not type(self):
            return False
        return self._name == other._name

    def __hash__(self):
        return hash((type(self).__name__, self._name))

    def __repr__(self):
        name = "DTypePolicy" if type(self) is FloatDTypePolicy else type(self).__name__
        return f'<{name} "{self._name}">'

    def get_config(self):
        return {"name": self._name}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


@keras_export("keras.FloatDTypePolicy", "keras.dtype_policies.FloatDTypePolicy")
class FloatDTypePolicy(DTypePolicy):
    """An alias of `DTypePolicy`."""


@keras_export("keras.config.set_dtype_policy", "keras.mixed_precision.set_dtype_policy",
              "keras.mixed_precision.set_global_policy")
def set_dtype_policy(policy):
    """Set the default dtype policy of new layers (e.g. `'mixed_float16'`, `'int8_from_float32'`)."""
    if policy is None:
        _GLOBAL_POLICY[0] = None
        return
    if not isinstance(policy, DTypePolicy):
        if not isinstance(policy, str):
            raise ValueError(
                "Invalid `policy` argument. Expected the string name of a policy (such as 'mixed_float16') or a "
                f"`DTypePolicy` instance. Received: policy={policy} (of type {type(policy)})"
            )
        from torchkeras.dtype_policies import get

        policy = get(policy)
    _GLOBAL_POLICY[0] = policy


@keras_export("keras.config.dtype_policy", "keras.mixed_precision.dtype_policy",
              "keras.mixed_precision.global_policy")
def dtype_policy():
    """The default dtype policy of new layers."""
    if _GLOBAL_POLICY[0] is None:
        return DTypePolicy(_config.floatx())
    return _GLOBAL_POLICY[0]
