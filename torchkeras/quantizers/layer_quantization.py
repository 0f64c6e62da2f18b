"""Keras's quantization hooks of `Layer`: `quantize`, `quantized_build`, `quantized_call` and
`quantization_mode`.

A layer whose dtype policy is quantized runs `quantized_call`, which dispatches on the mode to `_int8_call`,
`_int4_call`, `_float8_call`, `_gptq_call` or `_awq_call`. A subclass's `quantize(mode, type_check, config)` is
wrapped (as Keras wraps it) so that it always receives a resolved config and runs on a built, not yet quantized
layer.
"""
import contextlib
import functools

from torchkeras.backend import naming
from torchkeras.dtype_policies import QUANTIZATION_MODES
from torchkeras.dtype_policies import DTypePolicyMap


def _wrap_quantize(method):
    @functools.wraps(method)
    def quantize(self, mode=None, config=None, **kwargs):
        if self.__dict__.get("_quantize_running"):  # a subclass calling super().quantize(...)
            return method(self, mode=mode, config=config, **kwargs)
        from torchkeras.quantizers.quantization_config import validate_and_resolve_config

        config = validate_and_resolve_config(mode, config)
        mode = config.mode
        self._check_quantize_args(mode, self.compute_dtype)
        self.__dict__["_quantize_running"] = True
        try:
            with self._variable_scope():
                return method(self, mode=mode, config=config, **kwargs)
        finally:
            self.__dict__["_quantize_running"] = False

    quantize._keras_quantize_wrapper = True
    return quantize


class QuantizationHooks:
    """The quantization part of `keras.layers.Layer`."""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        method = getattr(cls, "quantize", None)  # defined here or by a mixin base
        if method is not None and not getattr(method, "_keras_quantize_wrapper", False):
            cls.quantize = _wrap_quantize(method)

    @property
    def quantization_mode(self):
        """The quantization mode of this layer (`"int8"`, `"int4"`, `"float8"`, `"gptq"`, `"awq"`), None if it
        is not quantized."""
        policy = self._dtype_policy
        if len(policy) if isinstance(policy, DTypePolicyMap) else False:
            raise NotImplementedError(
                f"Layer '{self.name}' received a DTypePolicyMap with per-path entries ({list(policy)}): torchkeras "
                "layers do not resolve their policy by layer path yet. Pass each layer its own dtype policy "
                "(e.g. dtype='int8_from_float32')."
            )
        return policy.quantization_mode

    def quantize(self, mode=None, type_check=True, config=None):
        """Quantize the layer's weights (`"int8"`, `"int4"`, `"float8"`, `"gptq"`, `"awq"`); layers that
        support it override this."""
        raise self._not_implemented_error(self.quantize)

    def quantized_build(self, input_shape, mode):
        raise self._not_implemented_error(self.quantized_build)

    def quantized_call(self, *args, **kwargs):
        """The forward pass of a quantized layer: `_int8_call`, `_int4_call`, ... by `quantization_mode`."""
        mode = self.quantization_mode
        if mode == "int8":
            return self._int8_call(*args, **kwargs)
        if mode == "float8":
            return self._float8_call(*args, **kwargs)
        if mode == "int4":
            return self._int4_call(*args, **kwargs)
        if mode == "gptq":
            return self._gptq_call(*args, **kwargs)
        if mode == "awq":
            return self._awq_call(*args, **kwargs)
        raise self._quantization_mode_error(mode)

    def _int4_call(self, *args, **kwargs):
        raise self._not_implemented_error(self._int4_call)

    def _int8_call(self, *args, **kwargs):
        raise self._not_implemented_error(self._int8_call)

    def _float8_call(self, *args, **kwargs):
        raise self._not_implemented_error(self._float8_call)

    def _gptq_call(self, *args, **kwargs):
        raise self._not_implemented_error(self._gptq_call)

    def _awq_call(self, *args, **kwargs):
        raise self._not_implemented_error(self._awq_call)

    def _check_quantize_args(self, mode, compute_dtype):
        if not self.built:
            raise ValueError(f"Cannot quantize a layer that isn't yet built. Layer '{self.name}' (of type "
                             f"'{type(self).__name__}') is not built yet.")
        if getattr(self, "_is_quantized", False):
            raise ValueError(f"Layer '{self.name}' is already quantized with dtype_policy="
                             f"'{self.dtype_policy.name}'. Received: mode={mode}")
        if mode not in QUANTIZATION_MODES:
            raise ValueError(f"Invalid quantization mode. Expected one of {QUANTIZATION_MODES}. "
                             f"Received: mode={mode}")
        if mode == "int8" and compute_dtype == "float16":
            raise ValueError(f"Quantization mode='{mode}' doesn't work well with compute_dtype='float16'. Consider "
                             "loading model/layer with another dtype policy such as 'mixed_bfloat16' or "
                             "'mixed_float16' before calling `quantize()`.")

    def _not_implemented_error(self, attr, msg=None):
        if callable(attr):
            name, kind = attr.__name__, "method"
        else:
            name, kind = str(attr), "attribute"
        msg = f" {msg}" if msg is not None else ""
        return NotImplementedError(f"Layer {type(self).__name__} does not have a `{name}` {kind} implemented.{msg}")

    def _quantization_mode_error(self, mode):
        return NotImplementedError(f"Invalid quantization mode. Expected one of {QUANTIZATION_MODES}. "
                                   f"Received: quantization_mode={mode}")

    def _untrack_variable(self, variable):
        """Forget `variable` (Keras's `del self._kernel` when a weight is replaced by its quantized form)."""
        from torchkeras.layers.layer import bump_structure_version

        for group in (self._trainable_variables, self._non_trainable_variables):
            for i, v in enumerate(group):
                if v is variable:
                    del group[i]
                    break
        for key, value in list(self._parameters.items()):
            if value is variable:
                del self._parameters[key]
        bump_structure_version()

    @contextlib.contextmanager
    def _variable_scope(self):
        """Name scopes that give variables created now the path prefix of the layer's existing variables
        (e.g. `sequential/dense/`), so weights added after build (quantization, LoRA) sit beside them."""
        existing = next(iter(self._trainable_variables + self._non_trainable_variables), None)
        path = getattr(existing, "path", None)
        if not path or "/" not in path:
            yield
            return
        prefix = path.rsplit("/", 1)[0]
        if naming.current_path() == prefix:
            yield
            return
        parts = prefix.split("/")
        with contextlib.ExitStack() as stack:
            for part in parts[:-1]:
                stack.enter_context(naming.name_scope(part))
            stack.enter_context(naming.name_scope(parts[-1], caller=self))
            yield


# The base `quantize` checks its arguments too (a not-built layer is refused before "not implemented").
QuantizationHooks.quantize = _wrap_quantize(QuantizationHooks.quantize)
