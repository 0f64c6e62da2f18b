"""`keras.layers.Reshape`: reshapes to `(batch,) + target_shape`."""
import math

from torchkeras.api_export import keras_export
from torchkeras.layers.layer import Layer


@keras_export("keras.layers.Reshape")
class Reshape(Layer):
    """Reshape inputs to `target_shape` (the batch axis excluded); one entry may be -1."""

    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        self.target_shape = tuple(int(d) for d in target_shape)
        if sum(1 for d in self.target_shape if d == -1) > 1:
            raise ValueError(f"There must be at most one unknown dimension (-1) in `target_shape`. Received: "
                             f"target_shape={self.target_shape}")
        self.built = True

    def _resolve(self, input_shape):
        known = input_shape[1:]
        if any(d is None for d in known):
            return tuple(None if d == -1 else d for d in self.target_shape)
        total = int(math.prod(known))
        target = list(self.target_shape)
        if -1 in target:
            rest = int(math.prod(d for d in target if d != -1))
            if rest == 0 or total % rest:
                raise ValueError(
                    f"The total size of the tensor must be unchanged. Received: input_shape={tuple(input_shape)}, "
                    f"target_shape={self.target_shape}"
                )
            target[target.index(-1)] = total // rest
        elif int(math.prod(target)) != total:
            raise ValueError(
                f"The total size of the tensor must be unchanged. Received: input_shape={tuple(input_shape)}, "
                f"target_shape={self.target_shape}"
            )
        return tuple(target)

    def call(self, inputs):
        return inputs.reshape((inputs.shape[0],) + self.target_shape)

    def compute_output_shape(self, input_shape):
        return (input_shape[0],) + self._resolve(tuple(input_shape))

    def get_config(self):
        config = super().get_config()
        config["target_shape"] = list(self.target_shape)
        return config
