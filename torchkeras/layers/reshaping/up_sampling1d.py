"""`keras.layers.UpSampling1D`: repeats each step `size` times."""
import numbers

from torchkeras.api_export import keras_export
from torchkeras.layers.input_spec import InputSpec
from torchkeras.layers.layer import Layer
from torchkeras.layers.reshaping.up_sampling_utils import repeat_axes, scaled
from torchkeras.utils import legacy_args


@keras_export("keras.layers.UpSampling1D")
class UpSampling1D(Layer):
    """`(batch, steps, features) -> (batch, steps * size, features)`, each step repeated `size` times.

    Keras 1's `length=` is accepted with a DeprecationWarning.
    """

    def __init__(self, size=2, **kwargs):
        if "length" in kwargs:
            size = legacy_args.translate("UpSampling1D", {"length": kwargs.pop("length")},
                                         {"length": "size"})["size"]
        super().__init__(**kwargs)
        if isinstance(size, bool) or not isinstance(size, numbers.Integral):
            raise TypeError(f"Expected an integer value for `size`, got {type(size)}.")
        if size <= 0:
            raise ValueError(f"Argument `size` should be a positive integer. Received: size={size}")
        self.size = int(size)
        self.input_spec = InputSpec(ndim=3)
        self.built = True

    def call(self, inputs):
        return repeat_axes(inputs, 1, (self.size,))

    def compute_output_shape(self, input_shape):
        return (input_shape[0], scaled(input_shape[1], self.size), input_shape[2])

    def get_config(self):
        config = super().get_config()
        config["size"] = self.size
        return config
