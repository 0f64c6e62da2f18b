"""`keras.layers.SpectralNormalization`: a wrapper that divides a layer's kernel by its spectral norm."""
import torch

from torchkeras import initializers
from torchkeras.api_export import keras_export
from torchkeras.backend import naming
from torchkeras.backend import symbolic
from torchkeras.layers.input_spec import InputSpec
from torchkeras.layers.layer import Layer

_INV_EPSILON = 1e7  # `keras.utils.normalize` caps the inverse norm at 1 / backend.epsilon()


def _unit(x):
    """`x / ||x||` over all its entries (the inverse norm is capped like Keras)."""
    return x * torch.clamp(torch.rsqrt(torch.sum(torch.square(x))), max=_INV_EPSILON)


@keras_export("keras.layers.SpectralNormalization")
class SpectralNormalization(Layer):
    """Wraps a layer with a `kernel` (Dense, Conv*) or `embeddings` (Embedding) and, in training, replaces that
    weight by `kernel / sigma`, where `sigma` (its largest singular value) is estimated by
    `power_iterations` steps of power iteration with the persistent vector `vector_u`.

    Weights, in Keras's order: the wrapped kernel, `vector_u` `(1, kernel.shape[-1])` (non-trainable), then
    the wrapped layer's other weights.
    """

    def __init__(self, layer, power_iterations=1, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(layer, Layer):
            raise ValueError(
                f"Layer {layer} supplied to Wrapper isn't a supported layer type. Please ensure wrapped layer is "
                "a valid Keras layer."
            )
        self.layer = layer
        if power_iterations <= 0:
            raise ValueError(
                f"`power_iterations` should be greater than zero. Received: `power_iterations={power_iterations}`"
            )
        self.power_iterations = power_iterations

    @property
    def kernel(self):
        if hasattr(self.layer, "kernel"):
            return self.layer.kernel
        if hasattr(self.layer, "embeddings"):
            return self.layer.embeddings
        raise ValueError(f"{type(self.layer).__name__} object has no attribute 'kernel' nor 'embeddings'")

    @property
    def kernel_shape(self):
        return tuple(self.kernel.shape)

    def build(self, input_shape):
        input_shape = tuple(input_shape)
        if not self.layer.built:
            with naming.name_scope(self.name, caller=self), naming.name_scope(self.layer.name, caller=self.layer):
                self.layer.build(input_shape)
            self.layer.built = True
            self.layer._build_shapes_dict = {"input_shape": input_shape}
        self.input_spec = InputSpec(min_ndim=1, axes={-1: input_shape[-1]})
        kernel = self.kernel
        # Keras tracks the wrapped kernel as the wrapper's own (first) variable; torch keeps one parameter.
        self._trainable_variables.insert(0, kernel)
        self.vector_u = self.add_weight(shape=(1, kernel.shape[-1]),
                                        initializer=initializers.TruncatedNormal(stddev=0.02), trainable=False,
                                        name="vector_u", dtype=kernel.dtype)
        self.built = True

    def normalized_weights(self):
        """`(new vector_u, kernel / sigma)` after `power_iterations` steps of power iteration."""
        kernel = self.kernel
        weights = kernel.reshape(-1, kernel.shape[-1])
        vector_u = self.vector_u
        vector_v = None
        for _ in range(self.power_iterations):
            vector_v = _unit(vector_u @ weights.t())
            vector_u = _unit(vector_v @ weights)
        vector_u = vector_u.detach()
        vector_v = vector_v.detach()
        sigma = (vector_v @ weights) @ vector_u.t()
        return vector_u.to(self.vector_u.dtype), (kernel / sigma).reshape(kernel.shape).to(kernel.dtype)

    def call(self, inputs, training=False):
        if training and not symbolic.in_symbolic_scope():
            with torch.no_grad():
                kernel = self.kernel
                new_u, new_kernel = self.normalized_weights()
                # An all-zero kernel has no spectral norm: keep it (and vector_u) as they are.
                all_zero = torch.all(kernel == 0)
                self.vector_u.copy_(torch.where(all_zero, self.vector_u, new_u))
                kernel.copy_(torch.where(all_zero, kernel, new_kernel))
        output = self.layer(inputs)
        return output.to(inputs.dtype) if output.dtype != inputs.dtype else output

    def compute_output_shape(self, input_shape):
        return self.layer.compute_output_shape(input_shape)

    def get_config(self):
        from torchkeras.saving import serialization_lib

        config = super().get_config()
        config["layer"] = serialization_lib.serialize_keras_object(self.layer)
        config["power_iterations"] = self.power_iterations
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from torchkeras.saving import serialization_lib

        config = dict(config)
        layer = serialization_lib.deserialize_keras_object(config.pop("layer"), custom_objects=custom_objects)
        return super().from_config({**config, "layer": layer})
