"""`keras.layers.GroupNormalization`: normalize each sample over groups of channels."""
import torch
import torch.nn.functional as F

from torchkeras import constraints, initializers, regularizers
from torchkeras.api_export import keras_export
from torchkeras.layers.input_spec import InputSpec
from torchkeras.layers.layer import Layer
from torchkeras.layers.normalization.affine import add_affine_weights, affine_config
from torchkeras.layers.normalization.output_dtype import output_dtype
from torchkeras.layers.normalization.axes import check_axes_in_bounds

_HALF = (torch.float16, torch.bfloat16)


@keras_export("keras.layers.GroupNormalization")
class GroupNormalization(Layer):
    """Splits the channels (`axis`) into `groups` and normalizes each group of each sample.

    `groups=-1` gives one group per channel (instance normalization); `groups=1` normalizes over all channels
    and positions (like layer normalization over every non-batch axis). `gamma`/`beta` are per channel.
    """

    def __init__(self, groups=32, axis=-1, epsilon=1e-3, center=True, scale=True, beta_initializer="zeros",
                 gamma_initializer="ones", beta_regularizer=None, gamma_regularizer=None, beta_constraint=None,
                 gamma_constraint=None, **kwargs):
        if not isinstance(groups, int) or isinstance(groups, bool) or (groups <= 0 and groups != -1):
            raise ValueError(
                "Received an invalid value for argument `groups`, expected a positive integer (or `-1` for "
                f"instance normalization). Received: groups={groups}"
            )
        super().__init__(**kwargs)
        self.supports_masking = True
        self.autocast = False
        self.groups = groups
        self.axis = axis
        self.epsilon = epsilon
        self.center = center
        self.scale = scale
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)

    def build(self, input_shape):
        input_shape = tuple(input_shape)
        check_axes_in_bounds(self.axis, input_shape)
        dim = input_shape[self.axis]
        if dim is None:
            raise ValueError(
                f"Axis {self.axis} of input tensor should have a defined dimension but the layer received an "
                f"input with shape {input_shape}."
            )
        if self.groups == -1:
            self.groups = dim
        if dim < self.groups:
            raise ValueError(f"Number of groups ({self.groups}) cannot be more than the number of channels ({dim}).")
        if dim % self.groups != 0:
            raise ValueError(f"Number of groups ({self.groups}) must be a multiple of the number of channels ({dim}).")
        self.input_spec = InputSpec(ndim=len(input_shape), axes={self.axis: dim})
        add_affine_weights(self, (dim,), scale=self.scale, center=self.center)
        self.built = True

    def call(self, inputs):
        x = inputs.float() if inputs.dtype in _HALF else inputs
        axis = self.axis % x.dim()
        gamma = self.gamma.to(x.dtype) if self.gamma is not None else None
        beta = self.beta.to(x.dtype) if self.beta is not None else None
        # torch's kernel wants channels at position 1 (a view; no copy for channels_first inputs).
        channels_first = x.movedim(axis, 1) if axis != 1 else x
        if gamma is None and beta is not None:
            # torch's group_norm backward fails with a bias but no weight: add the bias separately.
            out = F.group_norm(channels_first, self.groups, None, None, self.epsilon)
            out = out + beta.reshape((-1,) + (1,) * (out.dim() - 2))
        else:
            out = F.group_norm(channels_first, self.groups, gamma, beta, self.epsilon)
        out = out.movedim(1, axis) if axis != 1 else out
        dtype = output_dtype(self)
        return out.to(dtype) if out.dtype != dtype else out

    def compute_output_shape(self, input_shape):
        check_axes_in_bounds(self.axis, input_shape)
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({
            "groups": self.groups,
            "axis": self.axis,
            "epsilon": self.epsilon,
            "center": self.center,
            "scale": self.scale,
            **affine_config(self),
        })
        return config
