"""`keras.layers.Dot` and `keras.layers.dot`: batched dot product of two inputs along given axes."""
import math

import torch

from torchkeras.api_export import keras_export
from torchkeras.layers.merging.base_merge import Merge


def _l2_normalize(x, axis):
    """`x / ||x||` along `axis`, the inverse norm capped at 1e7 like `keras.utils.normalize`."""
    return x * torch.clamp(torch.rsqrt(torch.sum(torch.square(x), dim=axis, keepdim=True)), max=1e7)


def batch_dot(x, y, axes):
    """Per-sample dot product of `x` and `y` over `x.shape[axes[0]]` and `y.shape[axes[1]]` (both > 0).

    The result has `x`'s remaining axes, then `y`'s remaining non-batch axes; a rank-1 result becomes
    `(batch, 1)`.
    """
    a0, a1 = axes
    x_last = x.movedim(a0, -1)  # (B, *x_rest, K)
    y_first = y.movedim(a1, 1)  # (B, K, *y_rest)
    x_rest = tuple(x_last.shape[1:-1])
    y_rest = tuple(y_first.shape[2:])
    batch, k = x.shape[0], x.shape[a0]
    out = torch.bmm(x_last.reshape(batch, math.prod(x_rest), k), y_first.reshape(batch, k, math.prod(y_rest)))
    shape = (batch,) + x_rest + y_rest
    return out.reshape(shape if len(shape) > 1 else (batch, 1))


@keras_export("keras.layers.Dot")
class Dot(Merge):
    """Dot product between the samples of two inputs along `axes` (an int, or one axis per input).

    With `normalize=True` the samples are L2-normalized along those axes first (cosine similarity).
    The batch axis 0 cannot be an axis of the product.
    """

    def __init__(self, axes, normalize=False, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(axes, int):
            if not isinstance(axes, (list, tuple)):
                raise TypeError(
                    f"Invalid type for argument `axes`: it should be a list or an int. Received: axes={axes}")
            if len(axes) != 2:
                raise ValueError(f"Invalid format for argument `axes`: it should contain two elements. Received: "
                                 f"axes={axes}")
            if not isinstance(axes[0], int) or not isinstance(axes[1], int):
                raise ValueError(f"Invalid format for argument `axes`: list elements should be integers. Received: "
                                 f"axes={axes}")
        self.axes = axes
        self.normalize = normalize

    def _resolve_axes(self, rank1, rank2):
        if isinstance(self.axes, int):
            return [self.axes % rank1, self.axes % rank2] if self.axes < 0 else [self.axes] * 2
        return [a % r if a < 0 else a for a, r in zip(self.axes, (rank1, rank2))]

    def build(self, input_shape):
        if not isinstance(input_shape, (list, tuple)) or not isinstance(input_shape[0], (tuple, list)) or \
                len(input_shape) != 2:
            raise ValueError(
                f"A `Dot` layer should be called on a list of 2 inputs. Received: input_shape={input_shape}")
        shape1, shape2 = input_shape
        if shape1 is None or shape2 is None:
            self.built = True
            return
        axes = self._resolve_axes(len(shape1), len(shape2))
        if shape1[axes[0]] != shape2[axes[1]]:
            raise ValueError(
                f"Incompatible input shapes: axis values {shape1[axes[0]]} (at axis {axes[0]}) != "
                f"{shape2[axes[1]]} (at axis {axes[1]}). Full input shapes: {tuple(shape1)}, {tuple(shape2)}"
            )
        self.built = True

    def call(self, inputs):
        if not isinstance(inputs, (list, tuple)) or len(inputs) != 2:
            raise ValueError(f"A `Dot` layer should be called on exactly 2 inputs. Received: inputs={inputs}")
        x1, x2 = inputs
        if x1.dim() < 2 or x2.dim() < 2:
            raise ValueError(f"Cannot do batch_dot on inputs with rank < 2. Received inputs with shapes "
                             f"{tuple(x1.shape)} and {tuple(x2.shape)}.")
        axes = self._resolve_axes(x1.dim(), x2.dim())
        if 0 in axes:
            raise ValueError(
                "Cannot perform batch_dot over axis 0. If your inputs are not batched, add a dummy batch "
                "dimension to your inputs using keras.ops.expand_dims(x, 0)"
            )
        if self.normalize:
            x1 = _l2_normalize(x1, axes[0])
            x2 = _l2_normalize(x2, axes[1])
        return batch_dot(x1, x2, axes)

    def compute_output_shape(self, input_shape):
        if not isinstance(input_shape, (tuple, list)) or len(input_shape) != 2:
            raise ValueError(
                f"A `Dot` layer should be called on a list of 2 inputs. Received: input_shape={input_shape}")
        shape1, shape2 = list(input_shape[0]), list(input_shape[1])
        axes = self._resolve_axes(len(shape1), len(shape2))
        shape1.pop(axes[0])
        shape2.pop(axes[1])
        shape2.pop(0)
        output = shape1 + shape2
        if len(output) == 1:
            output += [1]
        return tuple(output)

    def compute_mask(self, inputs, mask=None):
        return None

    def get_config(self):
        config = super().get_config()
        config.update({"axes": self.axes, "normalize": self.normalize})
        return config


@keras_export("keras.layers.dot")
def dot(inputs, axes=-1, **kwargs):
    """Functional interface to the `Dot` layer: the batched dot product of two inputs along `axes`."""
    return Dot(axes=axes, **kwargs)(inputs)
