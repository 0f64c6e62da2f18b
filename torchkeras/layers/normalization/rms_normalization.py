"""`keras.layers.RMSNormalization`: scale each sample by the inverse root mean square over `axis`."""
import torch
import torch.nn.functional as F

from torchkeras.api_export import keras_export
from torchkeras.layers.layer import Layer
from torchkeras.layers.normalization.axes import check_axes_in_bounds, is_trailing, positive_axes

_HALF = (torch.float16, torch.bfloat16)


@keras_export("keras.layers.RMSNormalization")
class RMSNormalization(Layer):
    """`x * rsqrt(mean(x**2, axis) + epsilon) * scale`, with a learned `scale` of the normalized axes' shape."""

    def __init__(self, axis=-1, epsilon=1e-6, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis
        self.epsilon = epsilon
        self._norm_axes = None

    def build(self, input_shape):
        input_shape = tuple(input_shape)
        check_axes_in_bounds(self.axis, input_shape)
        if isinstance(self.axis, (list, tuple)):
            self.axis = sorted(self.axis)
        else:
            self.axis = [self.axis]
        shape = tuple(input_shape[a] for a in self.axis)
        self.scale = self.add_weight(name="scale", shape=shape, initializer="ones")
        self._norm_axes = positive_axes(self.axis, len(input_shape))
        self.built = True

    def call(self, x):
        inputs = x
        x = x.float() if x.dtype in _HALF else x
        rank = x.dim()
        axes = self._norm_axes if self._norm_axes is not None else positive_axes(self.axis, rank)
        scale = self.scale.to(x.dtype)
        trailing_shape = tuple(x.shape[rank - len(axes):])
        if is_trailing(axes, rank) and tuple(scale.shape) == trailing_shape:
            out = F.rms_norm(x, trailing_shape, scale, self.epsilon)
        else:
            broadcast = [1] * rank
            for a in axes:
                broadcast[a] = x.shape[a]
            rrms = torch.rsqrt(torch.mean(torch.square(x), dim=axes, keepdim=True) + self.epsilon)
            out = x * rrms * scale.reshape(broadcast)
        return out.to(inputs.dtype) if out.dtype != inputs.dtype else out

    def compute_output_shape(self, input_shape):
        check_axes_in_bounds(self.axis, input_shape)
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({"axis": self.axis, "epsilon": self.epsilon})
        return config
