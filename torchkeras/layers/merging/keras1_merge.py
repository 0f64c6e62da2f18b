"""Keras 1's `Merge` layer and `merge` function: combine a list of tensors by `mode`.

Modes: `'sum'`, `'mul'`, `'ave'`, `'max'`, `'concat'` (along `concat_axis`), `'dot'` and `'cos'` (batchwise
dot product / cosine similarity over `dot_axes`), or a callable taking the list of tensors. Keras 2 replaced
them with `Add`, `Multiply`, `Average`, `Maximum`, `Concatenate` and `Dot`; the math here is Keras 1's.
"""
from torchkeras.api_export import keras_export
from torchkeras import backend as K
from torchkeras.layers.core import lambda_layer
from torchkeras.layers.layer import Layer
from torchkeras.utils.keras2_paths import warn_once

_MODES = {"sum", "mul", "concat", "ave", "cos", "dot", "max"}
_MODERN = {"sum": "keras.layers.Add", "mul": "keras.layers.Multiply", "ave": "keras.layers.Average",
           "max": "keras.layers.Maximum", "concat": "keras.layers.Concatenate", "dot": "keras.layers.Dot",
           "cos": "keras.layers.Dot(normalize=True)"}


@keras_export("keras.layers.Merge")
class Merge(Layer):
    """Keras 1's merge layer: `Merge(mode="concat", concat_axis=-1)([a, b])`.

    Passing `layers=[...]` (Keras 1's way of merging `Sequential` branches) is not supported: merge their
    outputs with the functional API, `merge([m1.output, m2.output])` in `Model([m1.input, m2.input], ...)`.
    """

    def __init__(self, layers=None, mode="sum", concat_axis=-1, dot_axes=-1, output_shape=None, output_mask=None,
                 arguments=None, node_indices=None, tensor_indices=None, name=None, **kwargs):
        if not callable(mode) and mode not in _MODES:
            raise ValueError(f"Invalid merge mode: {mode}. Expected one of {sorted(_MODES)} or a callable.")
        if layers:
            raise TypeError(
                "Merge(layers=[...]) merged Keras 1 Sequential branches, which torchkeras does not support. Use the "
                "functional API: `merged = merge([branch_1.output, branch_2.output], mode=...)`, then "
                "`keras.Model([branch_1.input, branch_2.input], outputs)`.")
        modern = "keras.layers.Lambda" if callable(mode) else _MODERN[mode]
        warn_once(f"keras.layers.Merge(mode={mode if isinstance(mode, str) else 'callable'!r})", modern,
                  stacklevel=kwargs.pop("_warn_stacklevel", 3), what="Keras 1's merge layer")
        super().__init__(name=name, **kwargs)
        self.mode = mode
        self.concat_axis = concat_axis
        self.dot_axes = dot_axes
        self._output_shape = output_shape
        self._output_mask = output_mask
        self.arguments = dict(arguments or {})
        self.supports_masking = True

    def _axes(self, inputs):
        if isinstance(self.dot_axes, int):
            if self.dot_axes < 0:
                return [self.dot_axes % K.ndim(inputs[0]), self.dot_axes % K.ndim(inputs[1])]
            return [self.dot_axes] * 2
        axes = list(self.dot_axes)
        if len(axes) != 2 or not all(isinstance(a, int) for a in axes):
            raise ValueError(f"Invalid format for dot_axes - should contain two integers. Received: {self.dot_axes}")
        return axes

    def call(self, inputs, mask=None):
        if not isinstance(inputs, (list, tuple)) or len(inputs) <= 1:
            raise TypeError(f"Merge must be called on a list of tensors (at least 2). Got: {inputs}")
        inputs = list(inputs)
        if callable(self.mode):
            arguments = dict(self.arguments)
            if "mask" in lambda_layer._params(self.mode):
                arguments["mask"] = mask
            return self.mode(inputs, **arguments)
        if self.mode in ("sum", "ave"):
            out = inputs[0]
            for x in inputs[1:]:
                out = out + x
            return out / len(inputs) if self.mode == "ave" else out
        if self.mode == "mul":
            out = inputs[0]
            for x in inputs[1:]:
                out = out * x
            return out
        if self.mode == "max":
            out = inputs[0]
            for x in inputs[1:]:
                out = K.maximum(out, x)
            return out
        if self.mode == "concat":
            return K.concatenate(inputs, axis=self.concat_axis)
        if len(inputs) != 2:
            raise ValueError(f"{self.mode} merge takes exactly 2 layers")
        a, b = inputs
        axes = self._axes(inputs)
        if self.mode == "dot":
            return K.batch_dot(a, b, axes)
        denominator = K.sqrt(K.batch_dot(a, a, axes) * K.batch_dot(b, b, axes))
        return K.expand_dims(K.batch_dot(a, b, axes) / K.maximum(denominator, K.epsilon()), 1)

    def compute_output_shape(self, input_shape):
        if callable(self.mode):
            if callable(self._output_shape):
                return self._output_shape(input_shape)
            if self._output_shape is not None:
                return (input_shape[0][0],) + tuple(self._output_shape)
        raise NotImplementedError  # inferred by running `call` on placeholders

    def compute_mask(self, inputs, mask=None):
        if mask is None or all(m is None for m in mask):
            return None
        if self.mode in ("sum", "mul", "ave"):
            return K.all(K.stack([m for m in mask if m is not None], axis=0), axis=0)
        if self.mode == "concat":
            masks = []
            for x, m in zip(inputs, mask):
                if m is None:
                    m = K.ones_like(x, dtype="bool")
                elif K.ndim(m) < K.ndim(x):
                    m = K.expand_dims(m)
                masks.append(K.cast(m, "bool"))
            return K.all(K.concatenate(masks, axis=self.concat_axis), axis=-1)
        if callable(self.mode):
            return self._output_mask(mask) if callable(self._output_mask) else self._output_mask
        return None

    def get_config(self):
        config = super().get_config()
        config.update({
            "mode": lambda_layer._serialize_fn(self.mode) if callable(self.mode) else self.mode,
            "concat_axis": self.concat_axis, "dot_axes": self.dot_axes,
            "output_shape": (lambda_layer._serialize_fn(self._output_shape) if callable(self._output_shape)
                             else self._output_shape),
            "output_mask": (lambda_layer._serialize_fn(self._output_mask) if callable(self._output_mask)
                            else self._output_mask),
            "arguments": self.arguments,
        })
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None, safe_mode=None):
        config = dict(config)
        for key, type_key in (("mode", "mode_type"), ("output_shape", "output_shape_type"),
                              ("output_mask", "output_mask_type")):
            kind = config.pop(type_key, None)
            value = config.get(key)
            if kind in ("lambda", "function") or isinstance(value, dict):
                config[key] = lambda_layer._deserialize_fn(value, custom_objects, safe_mode)
        if isinstance(config.get("output_shape"), list):
            config["output_shape"] = tuple(config["output_shape"])
        return cls(**config)


@keras_export("keras.layers.merge")
def merge(inputs, mode="sum", concat_axis=-1, dot_axes=-1, output_shape=None, output_mask=None, arguments=None,
          name=None):
    """Keras 1's functional merge: `merge([a, b], mode="concat", concat_axis=1)` returns the merged tensor."""
    layer = Merge(mode=mode, concat_axis=concat_axis, dot_axes=dot_axes, output_shape=output_shape,
                  output_mask=output_mask, arguments=arguments, name=name, _warn_stacklevel=4)
    return layer(list(inputs))
