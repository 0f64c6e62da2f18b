"""Quantization configs: what `quantize(mode, config=...)` does with weights and activations."""
from torchkeras.api_export import keras_export
from torchkeras.dtype_policies import QUANTIZATION_MODES


def _serialize(obj):
    from torchkeras.saving import serialization_lib

    return serialization_lib.serialize_keras_object(obj)


def _deserialize(config):
    from torchkeras.saving import serialization_lib

    return serialization_lib.deserialize_keras_object(config)


@keras_export("keras.quantizers.QuantizationConfig")
class QuantizationConfig:
    """The base of quantization configs: a `weight_quantizer` and an `activation_quantizer`.

    Subclasses define the `mode` property (`"int8"`, `"int4"`, ...).
    """

    def __init__(self, weight_quantizer=None, activation_quantizer=None):
        self.weight_quantizer = weight_quantizer
        self.activation_quantizer = activation_quantizer

    @property
    def mode(self):
        raise NotImplementedError("Subclasses must implement this property. Do not instantiate QuantizationConfig "
                                  "directly.")

    def get_config(self):
        return {"weight_quantizer": _serialize(self.weight_quantizer),
                "activation_quantizer": _serialize(self.activation_quantizer)}

    @classmethod
    def from_config(cls, config):
        return cls(weight_quantizer=_deserialize(config.get("weight_quantizer")),
                   activation_quantizer=_deserialize(config.get("activation_quantizer")))

    @staticmethod
    def weight_quantizer_or_default(config, default):
        if config is not None and config.weight_quantizer is not None:
            return config.weight_quantizer
        return default

    @staticmethod
    def activation_quantizer_or_default(config, default):
        if config is not None:
            return config.activation_quantizer
        return default


@keras_export("keras.quantizers.Int8QuantizationConfig")
class Int8QuantizationConfig(QuantizationConfig):
    """int8 weights and (by default, `activation_quantizer="default"`) int8 activations quantized per row with
    `AbsMaxQuantizer` at call time. `activation_quantizer=None` gives weight-only quantization."""

    def __init__(self, weight_quantizer=None, activation_quantizer="default"):
        from torchkeras.quantizers.quantizers import AbsMaxQuantizer

        if isinstance(activation_quantizer, str) and activation_quantizer == "default":
            activation_quantizer = AbsMaxQuantizer()
        super().__init__(weight_quantizer, activation_quantizer)
        if self.weight_quantizer is not None and self.weight_quantizer.output_dtype != "int8":
            raise ValueError("Int8QuantizationConfig requires a weight_quantizer with output_dtype='int8'. "
                             f"Received: output_dtype={self.weight_quantizer.output_dtype}")

    @property
    def mode(self):
        return "int8"


@keras_export("keras.quantizers.Int4QuantizationConfig")
class Int4QuantizationConfig(QuantizationConfig):
    """int4 weights. `block_size` (default 128) groups that many input rows per scale and zero point
    (sub-channel, asymmetric); None or -1 gives one symmetric scale per output channel. Activations stay in
    floating point unless an `activation_quantizer` is given."""

    def __init__(self, weight_quantizer=None, activation_quantizer="default", block_size=128):
        if isinstance(activation_quantizer, str) and activation_quantizer == "default":
            activation_quantizer = None
        super().__init__(weight_quantizer, activation_quantizer)
        if block_size is not None and block_size != -1 and block_size <= 0:
            raise ValueError(f"block_size must be None, -1, or a positive integer. Received: block_size={block_size}")
        self.block_size = block_size
        sub_channel = block_size is not None and block_size > 0
        if sub_channel and (self.weight_quantizer is not None or self.activation_quantizer is not None):
            raise ValueError(
                "Int4 sub-channel quantization (block_size > 0) does not support custom quantizers. Either set "
                "block_size to None or -1 for per-channel quantization, or remove the custom quantizer arguments. "
                f"Received: block_size={block_size}"
            )
        if self.weight_quantizer is not None:
            if tuple(self.weight_quantizer.value_range) != (-8, 7):
                raise ValueError("Int4QuantizationConfig requires a weight_quantizer with value_range=(-8, 7). "
                                 f"Received: value_range={self.weight_quantizer.value_range}")
            if self.weight_quantizer.output_dtype != "int8":
                raise ValueError("Int4QuantizationConfig requires a weight_quantizer with output_dtype='int8'. "
                                 f"Received: output_dtype={self.weight_quantizer.output_dtype}")

    @property
    def mode(self):
        return "int4"

    def get_config(self):
        config = super().get_config()
        config["block_size"] = self.block_size
        return config

    @classmethod
    def from_config(cls, config):
        # Configs written before `block_size` existed were per channel.
        return cls(weight_quantizer=_deserialize(config.get("weight_quantizer")),
                   activation_quantizer=_deserialize(config.get("activation_quantizer")),
                   block_size=config.get("block_size", None))


@keras_export("keras.quantizers.Float8QuantizationConfig")
class Float8QuantizationConfig(QuantizationConfig):
    """float8 (E4M3 forward, E5M2 gradients) with delayed scaling; it takes no custom quantizers."""

    def __init__(self):
        super().__init__(None, None)

    @property
    def mode(self):
        return "float8"

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls()


def validate_and_resolve_config(mode, config):
    """The config `quantize(mode, config)` runs with: the mode's default config when `config` is None, checked
    against `mode` when both are given."""
    if isinstance(config, str):  # quantize(config="int8")
        mode, config = config, None
    _validate_mode(mode)
    if config is None:
        if mode == "int8":
            config = Int8QuantizationConfig()
        elif mode == "int4":
            config = Int4QuantizationConfig()
        elif mode == "float8":
            config = Float8QuantizationConfig()
        elif mode == "gptq":
            raise ValueError("For GPTQ, you must pass a `GPTQConfig` object in the `config` argument.")
        elif mode == "awq":
            raise ValueError("For AWQ, you must pass an `AWQConfig` object in the `config` argument.")
        elif mode is not None:
            raise ValueError(f"Invalid quantization mode. Received: mode={mode}")
        else:
            raise ValueError("You must provide either `mode` or `config` to `quantize`.")
    elif not isinstance(config, QuantizationConfig):
        raise ValueError("Argument `config` must be an instance of `QuantizationConfig`. "
                         f"Received: config={config} (of type {type(config)})")
    if mode is not None and config.mode != mode:
        raise ValueError(f"Contradictory arguments: mode='{mode}' but config.mode='{config.mode}'")
    _validate_mode(config.mode)
    if config.mode == "gptq":
        from torchkeras.quantizers.gptq_config import GPTQConfig

        if not isinstance(config, GPTQConfig):
            raise ValueError(f"Mode 'gptq' requires a valid `config` argument of type `GPTQConfig`. "
                             f"Received: {type(config)}")
    if config.mode == "awq":
        from torchkeras.quantizers.awq_config import AWQConfig

        if not isinstance(config, AWQConfig):
            raise ValueError(f"Mode 'awq' requires a valid `config` argument of type `AWQConfig`. "
                             f"Received: {type(config)}")
    return config


def _validate_mode(mode):
    if mode is not None and mode not in QUANTIZATION_MODES:
        raise ValueError(f"Invalid quantization mode. Expected one of {QUANTIZATION_MODES}. Received: mode={mode}")


def get_block_size_for_layer(layer, config):
    """The int4 block size of `layer`: from an `Int4QuantizationConfig`, else from an `Int4DTypePolicy` (a
    layer read back from a file); None means one scale per output channel."""
    from torchkeras.dtype_policies import DTypePolicyMap
    from torchkeras.dtype_policies import Int4DTypePolicy

    if config is not None and isinstance(config, Int4QuantizationConfig):
        return config.block_size
    policy = layer.dtype_policy
    if isinstance(policy, DTypePolicyMap):
        policy = policy[layer.path] if getattr(layer, "path", None) else policy.default_policy
    if isinstance(policy, Int4DTypePolicy):
        return None if policy.block_size == -1 else policy.block_size
    return None
