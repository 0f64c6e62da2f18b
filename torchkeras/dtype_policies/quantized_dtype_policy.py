"""Quantized dtype policies: `"<mode>_from_<source policy>"`, e.g. `"int8_from_float32"`.

The source policy gives the compute and variable dtypes; the mode says how the layer's weights are quantized.
"""
from torchkeras.api_export import keras_export
from torchkeras.dtype_policies.dtype_policy import QUANTIZATION_MODES
from torchkeras.dtype_policies.dtype_policy import DTypePolicy
from torchkeras.dtype_policies.dtype_policy import dtype_policy


@keras_export("keras.dtype_policies.QuantizedDTypePolicy")
class QuantizedDTypePolicy(DTypePolicy):
    """`QuantizedDTypePolicy(mode, source_name=None)`: weights quantized with `mode` ("int8", "int4", ...),
    computation in the dtypes of the `source_name` policy (default: the global policy)."""

    def __init__(self, mode, source_name=None):
        if source_name is None:
            source_name = dtype_policy().name
        self._compute_dtype, self._variable_dtype = self._parse_name(source_name)
        self._check_quantization_mode(mode, self._compute_dtype)
        self._name = f"{mode}_from_{source_name}"
        self._source_name = source_name
        self._quantization_mode = mode

    def _check_quantization_mode(self, mode, compute_dtype):
        if mode not in QUANTIZATION_MODES:
            raise ValueError(f"Invalid quantization mode. Expected one of {QUANTIZATION_MODES}. Received: mode={mode}")
        if compute_dtype == "float16" and mode == "int8":
            raise ValueError(f"Quantization mode='{mode}' doesn't work well with compute_dtype='float16'.")

    def __eq__(self, other):
        if super().__eq__(other) is False:
            return False
        return (self._quantization_mode == other._quantization_mode
                and self._source_name == other._source_name)

    def __hash__(self):
        return hash((type(self).__name__, self._name))

    def get_config(self):
        return {"mode": self._quantization_mode, "source_name": self._source_name}


@keras_export("keras.dtype_policies.QuantizedFloat8DTypePolicy")
class QuantizedFloat8DTypePolicy(QuantizedDTypePolicy):
    """The float8 policy: `amax_history_length` is the window of the delayed scaling of float8 training."""

    default_amax_history_length = 1024

    def __init__(self, mode, source_name=None, amax_history_length=1024):
        super().__init__(mode=mode, source_name=source_name)
        if not isinstance(amax_history_length, int):
            raise TypeError(f"`amax_history_length` must be an integer. Received: "
                            f"amax_history_length={amax_history_length}")
        self._amax_history_length = amax_history_length

    @property
    def amax_history_length(self):
        return self._amax_history_length

    def __eq__(self, other):
        if super().__eq__(other) is False:
            return False
        return self._amax_history_length == other._amax_history_length

    def __hash__(self):
        return hash((type(self).__name__, self._name))

    def get_config(self):
        config = super().get_config()
        config["amax_history_length"] = self._amax_history_length
        return config


def _split_mode(mode, kind, fields):
    """`"<kind>/<a>/<b>..."` -> the integers, or Keras's ValueError naming the expected format."""
    parts = mode.split("/") if isinstance(mode, str) else []
    expected = "'" + "/".join([kind] + [f"<{f}>" for f in fields]) + "'"
    cls = {"int4": "Int4DTypePolicy", "gptq": "GPTQDTypePolicy", "awq": "AWQDTypePolicy"}[kind]
    if len(parts) != len(fields) + 1 or parts[0] != kind:
        raise ValueError(f"Invalid mode for {cls}. Expected format {expected}, but got '{mode}'.")
    try:
        return [int(p) for p in parts[1:]]
    except ValueError:
        names = " and ".join(f"<{f}>" for f in fields)
        verb = "must be integers" if len(fields) > 1 else "must be an integer"
        raise ValueError(f"Invalid mode for {cls}. {names} {verb}. Expected format {expected}, "
                         f"but got '{mode}'.") from None


def _check_group(value, mode, what, meaning):
    if value < -1 or value == 0:
        raise ValueError(f"Invalid {what} in mode. Supported values are -1 ({meaning}) or a positive integer"
                         f"{' (sub-channel)' if what == 'block_size' else ''}, but got {value} from '{mode}'.")


@keras_export("keras.dtype_policies.Int4DTypePolicy")
class Int4DTypePolicy(QuantizedDTypePolicy):
    """int4 with its block size: `mode="int4/<block_size>"` (-1: one scale per output channel)."""

    def __init__(self, mode, source_name=None):
        (block_size,) = _split_mode(mode, "int4", ["block_size"])
        _check_group(block_size, mode, "block_size", "per-channel")
        super().__init__(mode="int4", source_name=source_name)
        self._name = f"{mode}_from_{self._source_name}"
        self.mode = "int4"
        self.block_size = block_size

    def __eq__(self, other):
        if super().__eq__(other) is False:
            return False
        return self.block_size == other.block_size

    def __hash__(self):
        return hash((type(self).__name__, self._name))

    def get_config(self):
        config = super().get_config()
        config["mode"] = f"int4/{self.block_size}"
        return config


class _BitsAndGroupPolicy(QuantizedDTypePolicy):
    _kind = None

    def __init__(self, mode, source_name=None):
        weight_bits, group_size = _split_mode(mode, self._kind, ["weight_bits", "group_size"])
        self._check_bits(weight_bits, mode)
        _check_group(group_size, mode, "group_size",
                     "whole-tensor" if self._kind == "gptq" else "per-channel")
        super().__init__(mode=self._kind, source_name=source_name)
        self._name = f"{mode}_from_{self._source_name}"
        self.mode = self._kind
        self.weight_bits = weight_bits
        self.group_size = group_size

    def __eq__(self, other):
        if super().__eq__(other) is False:
            return False
        return self.weight_bits == other.weight_bits and self.group_size == other.group_size

    def __hash__(self):
        return hash((type(self).__name__, self._name))

    def get_config(self):
        config = super().get_config()
        config["mode"] = f"{self._kind}/{self.weight_bits}/{self.group_size}"
        return config


@keras_export("keras.dtype_policies.GPTQDTypePolicy")
class GPTQDTypePolicy(_BitsAndGroupPolicy):
    """GPTQ: `mode="gptq/<weight_bits>/<group_size>"`, weight_bits in 2, 3, 4, 8; group_size -1 or positive."""

    _kind = "gptq"

    def _check_bits(self, weight_bits, mode):
        if weight_bits not in (2, 3, 4, 8):
            raise ValueError("Invalid weight_bits in mode. Supported values are 2, 3, 4, and 8, but got "
                             f"{weight_bits} from '{mode}'.")


@keras_export("keras.dtype_policies.AWQDTypePolicy")
class AWQDTypePolicy(_BitsAndGroupPolicy):
    """AWQ: `mode="awq/4/<group_size>"` (AWQ quantizes weights to 4 bits)."""

    _kind = "awq"

    def _check_bits(self, weight_bits, mode):
        if weight_bits != 4:
            raise ValueError("Invalid weight_bits in mode. AWQ only supports 4-bit quantization, but got "
                             f"{weight_bits} from '{mode}'.")


def policy_from_string(policy):
    """The quantized policy named by a string such as `"int8_from_float32"` or `"int4/128_from_float32"`."""
    if not isinstance(policy, str):
        raise TypeError(f"`policy` must be a string. Received: policy={policy}")
    if not policy.startswith(QUANTIZATION_MODES):
        raise ValueError("`policy` is incompatible with the current supported quantization.")
    parts = policy.split("_from_")
    if len(parts) != 2:
        raise ValueError("Cannot convert `policy` into a valid pair (`mode`, `source_name`) to instantiate "
                         f"`QuantizedDTypePolicy`. Received: policy={policy}")
    mode, source_name = parts
    if policy.startswith("int4") and "/" in mode:
        return Int4DTypePolicy(mode, source_name)
    if policy.startswith("gptq"):
        return GPTQDTypePolicy(mode, source_name)
    if policy.startswith("awq"):
        return AWQDTypePolicy(mode, source_name)
    if policy.startswith("float8"):
        return QuantizedFloat8DTypePolicy(mode, source_name)
    return QuantizedDTypePolicy(mode, source_name)
