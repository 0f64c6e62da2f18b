"""`keras.layers.Activation`: applies an activation function."""
from torchkeras import activations
from torchkeras.activations import rectifiers
from torchkeras.api_export import keras_export
from torchkeras.layers.layer import Layer


@keras_export("keras.layers.Activation")
class Activation(Layer):
    """Applies `activation` (a name such as `'relu'`, or a callable) to its input."""

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.activation = activations.get(activation)
        self.built = True

    def call(self, inputs):
        return self.activation(inputs)

    def _inplace_inference(self):
        """`call` as an in-place function, for the graph plan's inference runs (None where there is none)."""
        if self.activation is activations.relu:
            return rectifiers.inplace_relu(None)
        if self.activation is activations.relu6:
            return rectifiers.inplace_relu(6)
        return None

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config["activation"] = activations.serialize(self.activation)
        return config
