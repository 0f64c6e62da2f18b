"""`keras.layers.Add` and `keras.layers.add`: elementwise sum of a list of inputs."""
from torchkeras.api_export import keras_export
from torchkeras.layers.merging.base_merge import Merge


@keras_export("keras.layers.Add")
class Add(Merge):
    """Adds a list of inputs elementwise (same shapes, or broadcastable ones)."""

    @staticmethod
    def _returns_new_tensor(n_inputs):
        """The sum of two or more inputs is a new tensor (one input is returned as it is): the graph plan may let
        a following activation overwrite it in inference."""
        return n_inputs >= 2

    @staticmethod
    def _inplace_any_input(n_inputs):
        """A sum of two can be accumulated into either input (float addition commutes); of more, only into the
        first (the order of the additions is Keras's)."""
        return n_inputs == 2

    def _inplace_inference(self):
        """The sum accumulated into input `target`, for the graph plan's inference runs; None (do the usual
        call) when the inputs differ in shape or dtype (broadcasting, promotion)."""
        def add_into(inputs, target):
            into = inputs[target]
            if any(x.shape != into.shape or x.dtype != into.dtype for x in inputs):
                return None
            for i, x in enumerate(inputs):
                if i != target:
                    into.add_(x)
            return into

        return add_into

    def _merge_function(self, inputs, masks):
        output = inputs[0]
        for x in inputs[1:]:
            output = output + x
        return output


@keras_export("keras.layers.add")
def add(inputs, **kwargs):
    """Functional interface to the `Add` layer: the sum of `inputs` (a list of tensors)."""
    return Add(**kwargs)(inputs)
