"""`keras.layers.PReLU`: leaky ReLU with a learned slope `alpha` per position (or shared along axes)."""
import torch

from torchkeras import constraints, initializers, regularizers
from torchkeras.api_export import keras_export
from torchkeras.layers.input_spec import InputSpec
from torchkeras.layers.layer import Layer


@keras_export("keras.layers.PReLU")
class PReLU(Layer):
    """`x` if `x >= 0`, else `alpha * x`, with `alpha` learned.

    `alpha` has the input's shape without the batch axis, with size 1 along `shared_axes` (e.g.
    `shared_axes=[1, 2]` shares one slope per channel of an image).
    """

    def __init__(self, alpha_initializer="Zeros", alpha_regularizer=None, alpha_constraint=None, shared_axes=None,
                 **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.alpha_initializer = initializers.get(alpha_initializer)
        self.alpha_regularizer = regularizers.get(alpha_regularizer)
        self.alpha_constraint = constraints.get(alpha_constraint)
        if shared_axes is None:
            self.shared_axes = None
        elif not isinstance(shared_axes, (list, tuple)):
            self.shared_axes = [shared_axes]
        else:
            self.shared_axes = list(shared_axes)

    def build(self, input_shape):
        input_shape = tuple(input_shape)
        param_shape = list(input_shape[1:])
        if self.shared_axes is not None:
            for i in self.shared_axes:
                if not 1 <= i < len(input_shape):
                    raise ValueError(
                        f"Invalid `shared_axes` {self.shared_axes} for an input of shape {input_shape}: each axis "
                        f"must be in [1, {len(input_shape) - 1}]."
                    )
                param_shape[i - 1] = 1
        if any(d is None for d in param_shape):
            raise ValueError(
                f"PReLU needs defined sizes for the axes it does not share. Received input shape {input_shape} "
                f"with shared_axes={self.shared_axes}. Set `shared_axes` to the axes of unknown size."
            )
        self.alpha = self.add_weight(shape=param_shape, name="alpha", initializer=self.alpha_initializer,
                                     regularizer=self.alpha_regularizer, constraint=self.alpha_constraint)
        axes = {}
        if self.shared_axes:
            axes = {i: input_shape[i] for i in range(1, len(input_shape)) if i not in self.shared_axes}
        self.input_spec = InputSpec(ndim=len(input_shape), axes=axes)
        self.built = True

    def call(self, inputs):
        alpha = self.alpha.to(inputs.dtype) if self.alpha.dtype != inputs.dtype else self.alpha
        return torch.relu(inputs) - alpha * torch.relu(-inputs)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({
            "alpha_initializer": initializers.serialize(self.alpha_initializer),
            "alpha_regularizer": regularizers.serialize(self.alpha_regularizer),
            "alpha_constraint": constraints.serialize(self.alpha_constraint),
            "shared_axes": self.shared_axes,
        })
        return config
