"""`keras.quantizers`: quantizers, quantization configs and the int8 / int4 / float8 helper functions."""
import inspect

from torchkeras.api_export import keras_export
from torchkeras.quantizers.awq_config import AWQConfig
from torchkeras.quantizers.float8 import compute_float8_amax_history
from torchkeras.quantizers.float8 import compute_float8_scale
from torchkeras.quantizers.float8 import quantize_and_dequantize
from torchkeras.quantizers.fake_quant import fake_quant_with_min_max_vars
from torchkeras.quantizers.gptq_config import GPTQConfig
from torchkeras.quantizers.int4_packing import pack_int4
from torchkeras.quantizers.int4_packing import unpack_int4
from torchkeras.quantizers.quantization_config import Float8QuantizationConfig
from torchkeras.quantizers.quantization_config import Int4QuantizationConfig
from torchkeras.quantizers.quantization_config import Int8QuantizationConfig
from torchkeras.quantizers.quantization_config import QuantizationConfig
from torchkeras.quantizers.quantizers import AbsMaxQuantizer
from torchkeras.quantizers.quantizers import Quantizer
from torchkeras.quantizers.quantizers import abs_max_quantize
from torchkeras.quantizers.quantizers import abs_max_quantize_grouped_with_zero_point
from torchkeras.quantizers.zero_point import compute_quantization_parameters
from torchkeras.quantizers.zero_point import dequantize_with_sz_map
from torchkeras.quantizers.zero_point import quantize_with_sz_map
from torchkeras.backend.naming import to_snake_case

ALL_OBJECTS = (Quantizer, AbsMaxQuantizer, QuantizationConfig, Int8QuantizationConfig, Int4QuantizationConfig,
               Float8QuantizationConfig, AWQConfig, GPTQConfig)
ALL_OBJECTS_DICT = {cls.__name__: cls for cls in ALL_OBJECTS}
ALL_OBJECTS_DICT.update({to_snake_case(cls.__name__): cls for cls in ALL_OBJECTS})


@keras_export("keras.quantizers.serialize")
def serialize(initializer):
    from torchkeras.saving import serialization_lib

    return serialization_lib.serialize_keras_object(initializer)


@keras_export("keras.quantizers.deserialize")
def deserialize(config, custom_objects=None):
    """The quantizer (or quantization config) of a config written by `serialize`."""
    from torchkeras.saving import serialization_lib

    return serialization_lib.deserialize_keras_object(config, module_objects=ALL_OBJECTS_DICT,
                                                      custom_objects=custom_objects)


@keras_export("keras.quantizers.get")
def get(identifier, **kwargs):
    """A quantizer from None, a config dict, a class name (`"AbsMaxQuantizer"`, built with `kwargs`) or an
    instance."""
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        obj = deserialize(identifier)
    elif isinstance(identifier, str):
        obj = ALL_OBJECTS_DICT.get(identifier, None)
    else:
        obj = identifier
    if callable(obj):
        if inspect.isclass(obj):
            obj = obj(**kwargs)
        return obj
    raise ValueError(f"Could not interpret quantizer identifier: {identifier}")


__all__ = ["AWQConfig", "AbsMaxQuantizer", "Float8QuantizationConfig", "GPTQConfig", "Int4QuantizationConfig",
           "Int8QuantizationConfig", "QuantizationConfig", "Quantizer", "abs_max_quantize",
           "abs_max_quantize_grouped_with_zero_point", "compute_float8_amax_history", "compute_float8_scale",
           "compute_quantization_parameters", "dequantize_with_sz_map", "deserialize", "fake_quant_with_min_max_vars",
           "get", "pack_int4", "quantize_and_dequantize", "quantize_with_sz_map", "serialize", "unpack_int4"]
