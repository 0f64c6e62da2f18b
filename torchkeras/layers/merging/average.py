"""`keras.layers.Average` and `keras.layers.average`: elementwise mean of a list of inputs."""
from torchkeras.api_export import keras_export
from torchkeras.layers.merging.base_merge import Merge


@keras_export("keras.layers.Average")
class Average(Merge):
    """Averages a list of inputs elementwise."""

    def _merge_function(self, inputs, masks):
        output = inputs[0]
        for x in inputs[1:]:
            output = output + x
        return output / len(inputs)


@keras_export("keras.layers.average")
def average(inputs, **kwargs):
    """Functional interface to the `Average` layer: the elementwise mean of `inputs`."""
    return Average(**kwargs)(inputs)
