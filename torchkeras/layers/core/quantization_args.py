"""What quantizable layers share: the `quantization_config` argument, the float8 variables, and the
saving of variables by Keras's per-mode spec."""
from torchkeras.dtype_policies import QuantizedFloat8DTypePolicy


def check_quantization_config(layer, config):
    """The layer's `quantization_config` argument, checked: a `QuantizationConfig` (or its config dict) whose
    mode is the layer's quantized dtype policy's. It tells how a layer built with a quantized policy (e.g. read
    back from a file) quantizes; on a float layer it would do nothing, so it is refused there."""
    if config is None:
        return None
    from torchkeras.quantizers.quantization_config import QuantizationConfig

    if isinstance(config, dict):
        config = deserialize_quantization_config(config)
    if not isinstance(config, QuantizationConfig):
        raise ValueError(f"Argument `quantization_config` of {type(layer).__name__} must be an instance of "
                         f"`keras.quantizers.QuantizationConfig`. Received: quantization_config={config} "
                         f"(of type {type(config)})")
    mode = layer.quantization_mode
    if mode is None:
        raise ValueError(
            f"{type(layer).__name__} received `quantization_config` ({type(config).__name__}) but its dtype policy "
            f"'{layer.dtype_policy.name}' is not quantized, so the config would be ignored. Pass a quantized dtype "
            f"policy (e.g. dtype='{config.mode}_from_float32'), or build the layer and call "
            f"`layer.quantize('{config.mode}', config=...)`."
        )
    if config.mode != mode:
        raise ValueError(f"Contradictory arguments: the dtype policy '{layer.dtype_policy.name}' quantizes to "
                         f"'{mode}' but quantization_config.mode='{config.mode}'.")
    return config


def serialize_quantization_config(config):
    from torchkeras.saving import serialization_lib

    return serialization_lib.serialize_keras_object(config)


def deserialize_quantization_config(config):
    if config is None or not isinstance(config, dict):
        return config
    from torchkeras import quantizers

    return quantizers.deserialize(config)


def add_float8_variables(layer):
    """The six float8 delayed-scaling variables (scalar scales and amax histories of the inputs, the kernel and
    the output gradient), float32 and overwritten with their "gradients"."""
    length = getattr(layer.dtype_policy, "amax_history_length",
                     QuantizedFloat8DTypePolicy.default_amax_history_length)
    common = dict(dtype="float32", trainable=True, autocast=False, overwrite_with_gradient=True)
    for name in ("inputs", "kernel", "outputs_grad"):
        setattr(layer, f"{name}_scale", layer.add_weight(name=f"{name}_scale", shape=(), initializer="ones",
                                                        **common))
        setattr(layer, f"{name}_amax_history", layer.add_weight(name=f"{name}_amax_history", shape=(length,),
                                                               initializer="zeros", **common))


def spec_values(layer, names, kernel_name, merged):
    """`(values to save, variables to load)` following Keras's spec `names` for the layer's mode.

    `merged` is `(kernel, scale, zero)` from the layer's LoRA merge (for int8 / int4 the scale and zero point
    are re-computed with the kernel). Entries the layer lacks (no bias; no zero point or group index outside
    sub-channel int4) are skipped, as Keras skips them.
    """
    kernel, scale, zero = merged
    requantized = layer.quantization_mode in ("int4", "int8")
    save, load = [], []
    for name in names:
        if name == kernel_name:
            save.append(kernel)
            load.append(getattr(layer, kernel_name))
            continue
        variable = getattr(layer, name, None)
        if variable is None:
            continue
        if requantized and name == f"{kernel_name}_scale":
            save.append(scale)
        elif requantized and name == f"{kernel_name}_zero":
            save.append(zero)
        else:
            save.append(variable)
        load.append(variable)
    return save, load
