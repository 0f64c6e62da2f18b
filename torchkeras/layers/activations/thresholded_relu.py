"""`keras.layers.ThresholdedReLU` (Keras 2): `x` where `x > theta`, else 0."""
from torchkeras.api_export import keras_export
from torchkeras.layers.layer import Layer


@keras_export("keras.layers.ThresholdedReLU")
class ThresholdedReLU(Layer):
    """Keras 2's thresholded ReLU: `x` if `x > theta`, else `0` (default `theta=1.0`).

    Keras 3 removed this layer; `ReLU(threshold=theta)` is its closest Keras 3 spelling.
    """

    def __init__(self, theta=1.0, **kwargs):
        super().__init__(**kwargs)
        if theta is None:
            raise ValueError(
                f"Theta of a Thresholded ReLU layer cannot be None, expecting a float. Received: {theta}")
        if theta < 0:
            raise ValueError(f"The theta value of a Thresholded ReLU layer should be >=0. Received: {theta}")
        self.theta = float(theta)
        self.supports_masking = True
        self.built = True

    def call(self, inputs):
        return inputs * (inputs > self.theta).to(inputs.dtype)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config["theta"] = self.theta
        return config
