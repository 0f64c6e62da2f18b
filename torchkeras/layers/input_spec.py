"""`InputSpec`: what a layer accepts (rank, axis sizes, dtype), checked when the layer is called."""
from torchkeras.api_export import keras_export
from torchkeras.utils import tree


@keras_export("keras.InputSpec", "keras.layers.InputSpec")
class InputSpec:
    """Specifies the rank, dtype and shape of every input to a layer."""

    def __init__(self, dtype=None, shape=None, ndim=None, max_ndim=None, min_ndim=None, axes=None,
                 allow_last_axis_squeeze=False, name=None, optional=False):
        self.dtype = dtype
        self.shape = tuple(shape) if shape is not None else None
        self.ndim = len(self.shape) if self.shape is not None else ndim
        self.max_ndim = max_ndim
        self.min_ndim = min_ndim
        self.name = name
        self.optional = optional
        self.allow_last_axis_squeeze = allow_last_axis_squeeze
        self.axes = {int(k): v for k, v in (axes or {}).items()}
        if self.axes and (self.ndim is not None or self.max_ndim is not None):
            max_dim = (self.ndim if self.ndim else self.max_ndim) - 1
            if max(self.axes) > max_dim:
                raise ValueError(f"Axis {max(self.axes)} is greater than the maximum allowed value: {max_dim}")

    def __repr__(self):
        parts = [f"dtype={self.dtype}" if self.dtype else "", f"shape={self.shape}" if self.shape else "",
                 f"ndim={self.ndim}" if self.ndim else "", f"max_ndim={self.max_ndim}" if self.max_ndim else "",
                 f"min_ndim={self.min_ndim}" if self.min_ndim else "", f"axes={self.axes}" if self.axes else ""]
        return f"InputSpec({', '.join(p for p in parts if p)})"

    def get_config(self):
        return {"dtype": self.dtype, "shape": self.shape, "ndim": self.ndim, "max_ndim": self.max_ndim,
                "min_ndim": self.min_ndim, "axes": self.axes}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def assert_input_compatibility(input_spec, inputs, layer_name):
    """Raise a Keras-style ValueError if `inputs` don't match `input_spec`."""
    if not input_spec:
        return
    specs = tree.flatten(input_spec)
    flat = tree.flatten(inputs)
    if len(flat) != len(specs) and len(specs) > 1:
        raise ValueError(
            f'Layer "{layer_name}" expects {len(specs)} input(s), but it received {len(flat)} input tensors. '
            f"Inputs received: {inputs}"
        )
    for index, (x, spec) in enumerate(zip(flat, specs)):
        if spec is None or x is None or not hasattr(x, "shape"):
            continue
        shape = tuple(x.shape)
        ndim = len(shape)
        if spec.ndim is not None and not spec.allow_last_axis_squeeze and ndim != spec.ndim:
            raise ValueError(
                f'Input {index} of layer "{layer_name}" is incompatible with the layer: expected '
                f"ndim={spec.ndim}, found ndim={ndim}. Full shape received: {shape}"
            )
        if spec.max_ndim is not None and ndim > spec.max_ndim:
            raise ValueError(
                f'Input {index} of layer "{layer_name}" is incompatible with the layer: expected '
                f"max_ndim={spec.max_ndim}, found ndim={ndim}"
            )
        if spec.min_ndim is not None and ndim < spec.min_ndim:
            raise ValueError(
                f'Input {index} of layer "{layer_name}" is incompatible with the layer: expected '
                f"min_ndim={spec.min_ndim}, found ndim={ndim}. Full shape received: {shape}"
            )
        for axis, value in spec.axes.items():
            if value is None:
                continue
            if axis >= ndim or axis < -ndim:
                continue
            if shape[axis] not in (value, None):
                raise ValueError(
                    f'Input {index} of layer "{layer_name}" is incompatible with the layer: expected axis '
                    f"{axis} of input shape to have value {value}, but received input with shape {shape}"
                )
        if spec.shape is not None:
            for spec_dim, dim in zip(spec.shape, shape):
                if spec_dim is not None and dim is not None and spec_dim != dim:
                    raise ValueError(
                        f'Input {index} of layer "{layer_name}" is incompatible with the layer: expected '
                        f"shape={spec.shape}, found shape={shape}"
                    )
