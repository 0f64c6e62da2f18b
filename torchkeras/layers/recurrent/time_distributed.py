"""`keras.layers.TimeDistributed`: applies a layer to every temporal slice of an input."""
import torch

from torchkeras.api_export import keras_export
from torchkeras.layers.layer import Layer
from torchkeras.layers.layer import call_signature_info
from torchkeras.layers.recurrent import rnn_utils
from torchkeras.layers.recurrent.wrapper import Wrapper


@keras_export("keras.layers.TimeDistributed")
class TimeDistributed(Wrapper):
    """Applies `layer` to every timestep of a `(batch, time, ...)` input, with the same weights.

    The timesteps are folded into the batch (`(batch * time, ...)`) so the layer runs once; a layer that keeps
    batch statistics (non-trainable weights such as BatchNormalization's) runs once per timestep while
    training, as in Keras.
    """

    def __init__(self, layer, **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError(
                f"Please initialize `TimeDistributed` layer with a `keras.layers.Layer` instance. Received: {layer}"
            )
        super().__init__(layer, **kwargs)
        self.supports_masking = True

    def _get_child_input_shape(self, input_shape):
        if not isinstance(input_shape, (tuple, list)) or len(input_shape) < 3:
            raise ValueError(
                "`TimeDistributed` Layer should be passed an `input_shape` with at least 3 dimensions, "
                f"received: {input_shape}"
            )
        return (input_shape[0], *input_shape[2:])

    def compute_output_shape(self, input_shape):
        child_input_shape = self._get_child_input_shape(input_shape)
        child_output_shape = self.layer.compute_output_shape(child_input_shape)
        return (child_output_shape[0], input_shape[1], *child_output_shape[1:])

    def build(self, input_shape):
        rnn_utils.build_sublayer(self.layer, self._get_child_input_shape(tuple(input_shape)), parent=self)
        self.built = True

    def _check_mask(self, inputs, mask):
        if mask.dim() < 2:
            raise ValueError(
                "The `mask` passed to the `TimeDistributed` layer must be at least 2D (e.g., `(batch_size, "
                f"timesteps)`), but it has {mask.dim()} dimension(s) with shape {tuple(mask.shape)}."
            )
        if tuple(mask.shape[:2]) != tuple(inputs.shape[:2]):
            raise ValueError(
                f"The `mask` passed to the `TimeDistributed` layer has a shape {tuple(mask.shape)} that is "
                f"incompatible with the input shape {tuple(inputs.shape)}. The first two dimensions of the mask "
                "(batch size and timesteps) must match the input's first two dimensions. Expected mask shape "
                f"prefix: ({inputs.shape[0]}, {inputs.shape[1]})."
            )

    def call(self, inputs, training=None, mask=None):
        if mask is not None:
            self._check_mask(inputs, mask)
        has_training, has_mask, _, _ = call_signature_info(self.layer)
        kwargs = {}
        if has_training:
            kwargs["training"] = training
        batch, steps = inputs.shape[0], inputs.shape[1]
        per_step = training and any(not getattr(v, "trainable", True) for v in self.layer.weights)
        if per_step:
            outputs = []
            for t in range(steps):
                if has_mask and mask is not None:
                    kwargs["mask"] = mask[:, t]
                outputs.append(self.layer.call(inputs[:, t], **kwargs))
            return torch.stack(outputs, dim=1)
        if has_mask and mask is not None:
            kwargs["mask"] = mask.reshape((batch * steps,) + tuple(mask.shape[2:]))
        flat = inputs.reshape((batch * steps,) + tuple(inputs.shape[2:]))
        outputs = self.layer.call(flat, **kwargs)
        return outputs.reshape((batch, steps) + tuple(outputs.shape[1:]))
