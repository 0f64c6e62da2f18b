"""`keras.layers.Softmax`: softmax along an axis (or several), with an optional mask."""
import torch

from torchkeras import activations
from torchkeras.api_export import keras_export
from torchkeras.layers.layer import Layer


def large_negative_number(dtype):
    """The value masked logits are set to before a softmax (Keras: -1e9, or -3e4 in float16)."""
    return -3e4 if dtype == torch.float16 else -1e9


@keras_export("keras.layers.Softmax")
class Softmax(Layer):
    """`exp(x) / sum(exp(x))` along `axis` (an int, or a list of ints).

    `mask` (broadcastable to the inputs; True = keep) sends masked logits to a large negative number before
    the softmax, and masked outputs to 0.
    """

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis
        self.supports_masking = True
        self.built = True

    def call(self, inputs, mask=None):
        if mask is not None:
            if mask.dim() > inputs.dim():
                raise ValueError(
                    "The `mask` must be broadcastable to `inputs` and must not have more dimensions. Received: "
                    f"inputs.shape={tuple(inputs.shape)}, mask.shape={tuple(mask.shape)}"
                )
            for m_dim, i_dim in zip(reversed(mask.shape), reversed(inputs.shape)):
                if m_dim != 1 and m_dim != i_dim:
                    raise ValueError(
                        "The `mask` must be broadcastable to `inputs`. Each mask dimension must be 1 or match the "
                        f"corresponding input dimension. Received: inputs.shape={tuple(inputs.shape)}, "
                        f"mask.shape={tuple(mask.shape)}"
                    )
            if mask.dtype != torch.bool:
                mask = mask > 0.5
            fill = torch.tensor(large_negative_number(inputs.dtype), dtype=inputs.dtype, device=inputs.device)
            inputs = torch.where(mask, inputs, fill)
        if isinstance(self.axis, (tuple, list)):
            if len(self.axis) > 1:
                axes = list(self.axis)
                outputs = torch.exp(inputs - torch.logsumexp(inputs, dim=axes, keepdim=True))
            else:
                outputs = activations.softmax(inputs, axis=self.axis[0])
        else:
            outputs = activations.softmax(inputs, axis=self.axis)
        if mask is not None:
            outputs = torch.where(mask, outputs, torch.zeros((), dtype=outputs.dtype, device=outputs.device))
        return outputs

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config["axis"] = self.axis
        return config
