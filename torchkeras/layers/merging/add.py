"""`keras.layers.Add` and `keras.layers.add`: elementwise sum of a list of inputs."""
from torchkeras.api_export import keras_export
from torchkeras.layers.merging.base_merge import Merge


@keras_export("keras.layers.Add")
class Add(Merge):
    """Adds a list of inputs elementwise (same shapes, or broadcastable ones)."""

    def _merge_function(self, inputs, masks):
        output = inputs[0]
        for x in inputs[1:]:
            output = output + x
        return output


@keras_export("keras.layers.add")
def add(inputs, **kwargs):
    """Functional interface to the `Add` layer: the sum of `inputs` (a list of tensors)."""
    return Add(**kwargs)(inputs)
