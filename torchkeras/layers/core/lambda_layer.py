"""`keras.layers.Lambda`: wraps an arbitrary expression as a layer."""
import inspect
import types

from torchkeras.api_export import keras_export
from torchkeras.layers.layer import Layer
from torchkeras.saving import serialization_lib


@keras_export("keras.layers.Lambda")
class Lambda(Layer):
    """`Lambda(lambda x: x ** 2)`. Saving stores the function's bytecode: loading it back runs code, so it
    is refused unless `safe_mode=False` (only for files you trust). Prefer a subclassed layer."""

    def __init__(self, function, output_shape=None, mask=None, arguments=None, **kwargs):
        super().__init__(**kwargs)
        self.function = function
        self.arguments = arguments or {}
        self.supports_masking = mask is not None
        self.mask = mask
        self._output_shape = output_shape
        self._declared_single = False  # `output_shape` declares one tensor (set when it is first used)
        params = _params(function)
        self._fn_expects_training = "training" in params
        self._fn_expects_mask = "mask" in params
        self.built = True

    def call(self, inputs, mask=None, training=None):
        kwargs = dict(self.arguments)
        if self._fn_expects_mask:
            kwargs["mask"] = mask
        if self._fn_expects_training:
            kwargs["training"] = training
        outputs = self.function(inputs, **kwargs)
        if self._declared_single and isinstance(outputs, (list, tuple)) and len(outputs) == 1:
            outputs = outputs[0]  # Keras 2 unpacked one-element outputs (`K.gradients` returns a list)
        return outputs

    def compute_mask(self, inputs, mask=None):
        if callable(self.mask):
            return self.mask(inputs, mask)
        return self.mask

    def compute_output_shape(self, input_shape):
        if self._output_shape is None:
            raise NotImplementedError
        if callable(self._output_shape):
            shape = self._output_shape(input_shape)
            self._declared_single = isinstance(shape, tuple) and all(d is None or isinstance(d, int) for d in shape)
            return shape
        shape = tuple(self._output_shape)
        if isinstance(input_shape, (list, tuple)) and input_shape and not isinstance(input_shape[0], (list, tuple)):
            return (input_shape[0],) + shape
        return (None,) + shape

    def get_config(self):
        config = super().get_config()
        config["function"] = _serialize_fn(self.function)
        if self._output_shape is not None:
            config["output_shape"] = _serialize_fn(self._output_shape) if callable(self._output_shape) else \
                list(self._output_shape)
        if self.mask is not None:
            config["mask"] = _serialize_fn(self.mask) if callable(self.mask) else self.mask
        config["arguments"] = serialization_lib.serialize_keras_object(self.arguments)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None, safe_mode=None):
        config = dict(config)
        for legacy in ("function_type", "module", "output_shape_type", "output_shape_module"):
            config.pop(legacy, None)
        for key in ("function", "output_shape", "mask"):
            if key in config:
                config[key] = _deserialize_fn(config[key], custom_objects, safe_mode)
        if "arguments" in config:
            config["arguments"] = serialization_lib.deserialize_keras_object(config["arguments"], custom_objects)
        return super().from_config(config)


def _params(fn):
    try:
        return inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return {}


def _serialize_fn(fn):
    if isinstance(fn, types.LambdaType) and fn.__name__ == "<lambda>":
        from torchkeras.utils import python_utils

        code, defaults, closure = python_utils.func_dump(fn)
        return {"class_name": "__lambda__", "config": {"code": code, "defaults": defaults, "closure": closure}}
    return serialization_lib.serialize_keras_object(fn)


def _deserialize_fn(value, custom_objects, safe_mode):
    from torchkeras.utils import python_utils

    if isinstance(value, dict) and value.get("class_name") == "__lambda__":
        serialization_lib.check_lambda_allowed(safe_mode)
        inner = value["config"]
        code = inner.get("code", inner.get("value"))
        return python_utils.func_load(code, defaults=inner.get("defaults"), closure=inner.get("closure"))
    if isinstance(value, list) and value and isinstance(value[0], str):  # Keras 2: [code, defaults, closure]
        serialization_lib.check_lambda_allowed(safe_mode)
        return python_utils.func_load(value[0], defaults=value[1] if len(value) > 1 else None,
                                      closure=value[2] if len(value) > 2 else None)
    if isinstance(value, str) and custom_objects and value in custom_objects:
        return custom_objects[value]
    if isinstance(value, dict):
        return serialization_lib.deserialize_keras_object(value, custom_objects)
    if isinstance(value, str):
        found = serialization_lib.get_registered_object(value, custom_objects)
        if found is None:
            from torchkeras import activations

            try:
                return activations.get(value)
            except ValueError:
                raise ValueError(
                    f"Could not find the function '{value}' for the Lambda layer. Pass it in `custom_objects`."
                ) from None
        return found
    return value
