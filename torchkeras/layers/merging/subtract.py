"""`keras.layers.Subtract` and `keras.layers.subtract`: `inputs[0] - inputs[1]`."""
from torchkeras.api_export import keras_export
from torchkeras.layers.merging.base_merge import Merge


@keras_export("keras.layers.Subtract")
class Subtract(Merge):
    """Subtracts the second of exactly two inputs from the first."""

    def build(self, input_shape):
        super().build(input_shape)
        if len(input_shape) != 2:
            raise ValueError(f"A `Subtract` layer should be called on exactly 2 inputs. Received: "
                             f"input_shape={input_shape}")

    def _merge_function(self, inputs, masks):
        if len(inputs) != 2:
            raise ValueError(f"A `Subtract` layer should be called on exactly 2 inputs. Received: inputs={inputs}")
        return inputs[0] - inputs[1]


@keras_export("keras.layers.subtract")
def subtract(inputs, **kwargs):
    """Functional interface to the `Subtract` layer: `inputs[0] - inputs[1]`."""
    return Subtract(**kwargs)(inputs)
