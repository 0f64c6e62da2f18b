"""`keras.layers.LayerNormalization`: normalize each sample over the given axes."""
import warnings

import torch
import torch.nn.functional as F

from torchkeras import constraints, initializers, regularizers
from torchkeras.api_export import keras_export
from torchkeras.layers.layer import Layer
from torchkeras.layers.normalization.affine import add_affine_weights, affine_config
from torchkeras.layers.normalization.output_dtype import output_dtype
from torchkeras.layers.normalization.axes import check_axes_in_bounds, is_trailing, positive_axes

_HALF = (torch.float16, torch.bfloat16)


@keras_export("keras.layers.LayerNormalization")
class LayerNormalization(Layer):
    """Normalizes each sample: `gamma * (x - mean) / sqrt(var + epsilon) + beta` over `axis` (biased variance).

    `axis` is an int or a list of ints (any axes, not only trailing ones); `gamma` and `beta` have the shape
    of the normalized axes. `rms_scaling=True` (deprecated in Keras 3) scales by `1 / sqrt(var + epsilon)`
    without centering and without `beta`.
    """

    def __init__(self, axis=-1, epsilon=1e-3, center=True, scale=True, beta_initializer="zeros",
                 gamma_initializer="ones", beta_regularizer=None, gamma_regularizer=None, beta_constraint=None,
                 gamma_constraint=None, **kwargs):
        rms_scaling = kwargs.pop("rms_scaling", False)
        if rms_scaling:
            warnings.warn(
                "You passed `rms_scaling=True`, which is deprecated. This argument incorrectly scales the input "
                "by the variance, not the root mean square. To correctly use RMS Normalization, please use "
                "`keras.layers.RMSNormalization` instead."
            )
        super().__init__(**kwargs)
        if isinstance(axis, (list, tuple)) and all(isinstance(a, int) for a in axis):
            self.axis = list(axis)
        elif isinstance(axis, int) and not isinstance(axis, bool):
            self.axis = axis
        else:
            raise TypeError(f"Expected an int or a list/tuple of ints for the argument 'axis', but received: {axis!r}")
        self.epsilon = epsilon
        self.center = center
        self.scale = scale
        self.rms_scaling = rms_scaling
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)
        self.supports_masking = True
        self.autocast = False
        self._norm_axes = None

    def build(self, input_shape):
        input_shape = tuple(input_shape)
        check_axes_in_bounds(self.axis, input_shape)
        if isinstance(self.axis, list):
            self.axis = sorted(self.axis)
        else:
            self.axis = [self.axis]
        shape = tuple(input_shape[a] for a in self.axis)
        if any(d is None for d in shape):
            raise ValueError(
                f"The normalized axes {self.axis} of the input to LayerNormalization must have a defined size. "
                f"Received input shape {input_shape}."
            )
        add_affine_weights(self, shape, scale=self.scale or self.rms_scaling,
                           center=self.center and not self.rms_scaling)
        self._norm_axes = positive_axes(self.axis, len(input_shape))
        self.built = True

    def call(self, inputs):
        x = inputs.float() if inputs.dtype in _HALF else inputs
        rank = x.dim()
        axes = self._norm_axes if self._norm_axes is not None else positive_axes(self.axis, rank)
        gamma = self.gamma.to(x.dtype) if self.gamma is not None else None
        beta = self.beta.to(x.dtype) if self.beta is not None else None
        broadcast = [1] * rank
        for a in axes:
            broadcast[a] = x.shape[a]
        trailing = is_trailing(axes, rank)
        if self.rms_scaling:
            variance = torch.var(x, dim=axes, correction=0, keepdim=True)
            out = x * torch.rsqrt(variance + self.epsilon)
            if gamma is not None:
                out = out * gamma.reshape(broadcast)
        elif trailing and (gamma is None or tuple(gamma.shape) == tuple(x.shape[rank - len(axes):])):
            out = F.layer_norm(x, tuple(x.shape[rank - len(axes):]), gamma, beta, self.epsilon)
        else:
            variance, mean = torch.var_mean(x, dim=axes, correction=0, keepdim=True)
            inv = torch.rsqrt(variance + self.epsilon)
            if gamma is not None:
                inv = inv * gamma.reshape(broadcast)
            shift = -mean * inv
            if beta is not None:
                shift = shift + beta.reshape(broadcast)
            out = x * inv + shift
        dtype = output_dtype(self)
        return out.to(dtype) if out.dtype != dtype else out

    def compute_output_shape(self, input_shape):
        check_axes_in_bounds(self.axis, input_shape)
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({
            "axis": self.axis,
            "epsilon": self.epsilon,
            "center": self.center,
            "scale": self.scale,
            "rms_scaling": self.rms_scaling,
            **affine_config(self),
        })
        return config
