"""`keras.layers.Cropping1D`: removes steps at the start and end of sequences."""
from torchkeras.api_export import keras_export
from torchkeras.layers.convolutional import conv_utils
from torchkeras.layers.input_spec import InputSpec
from torchkeras.layers.layer import Layer


@keras_export("keras.layers.Cropping1D")
class Cropping1D(Layer):
    """Crops `(batch, steps, features)` inputs along steps: `cropping` is an int or `(start, end)`."""

    def __init__(self, cropping=(1, 1), **kwargs):
        super().__init__(**kwargs)
        self.cropping = conv_utils.standardize_tuple(cropping, 2, "cropping", allow_zero=True)
        self.input_spec = InputSpec(ndim=3)
        start, end = self.cropping
        self._index = (slice(None), slice(start, -end if end else None))
        self.built = True

    def _check(self, shape, what):
        if shape[1] is not None and sum(self.cropping) >= shape[1]:
            raise ValueError(
                "`cropping` parameter of `Cropping1D` layer must be smaller than the input length. Received: "
                f"{what}={tuple(shape)}, cropping={self.cropping}"
            )

    def call(self, inputs):
        self._check(inputs.shape, "inputs.shape")
        return inputs[self._index]

    def compute_output_shape(self, input_shape):
        self._check(input_shape, "input_shape")
        length = None if input_shape[1] is None else input_shape[1] - sum(self.cropping)
        return (input_shape[0], length, input_shape[2])

    def get_config(self):
        config = super().get_config()
        config["cropping"] = self.cropping
        return config
