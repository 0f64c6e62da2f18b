"""`keras.layers.ReLU`: rectified linear unit with optional cap, leak and threshold."""
from torchkeras import activations
from torchkeras.activations import rectifiers
from torchkeras.api_export import keras_export
from torchkeras.layers.layer import Layer


@keras_export("keras.layers.ReLU")
class ReLU(Layer):
    """`max_value` if `x >= max_value`; `x` if `threshold <= x < max_value`;
    `negative_slope * (x - threshold)` otherwise."""

    def __init__(self, max_value=None, negative_slope=0.0, threshold=0.0, **kwargs):
        super().__init__(**kwargs)
        if max_value is not None and max_value < 0.0:
            raise ValueError(f"max_value of a ReLU layer cannot be a negative value. Received: max_value={max_value}")
        if negative_slope is None or negative_slope < 0.0:
            raise ValueError(
                f"negative_slope of a ReLU layer cannot be None or a negative value. Received: "
                f"negative_slope={negative_slope}"
            )
        if threshold is None or threshold < 0.0:
            raise ValueError(
                f"threshold of a ReLU layer cannot be None or a negative value. Received: threshold={threshold}"
            )
        self.max_value = max_value
        self.negative_slope = negative_slope
        self.threshold = threshold
        self.supports_masking = True
        self.built = True

    def call(self, inputs):
        return activations.relu(inputs, negative_slope=self.negative_slope, max_value=self.max_value,
                                threshold=self.threshold)

    def _inplace_inference(self):
        """`call` as an in-place function, for the graph plan's inference runs (None where there is none)."""
        if self.negative_slope != 0 or self.threshold != 0:
            return None
        return rectifiers.inplace_relu(self.max_value)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({"max_value": self.max_value, "negative_slope": self.negative_slope,
                       "threshold": self.threshold})
        return config
