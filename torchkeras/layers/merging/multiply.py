"""`keras.layers.Multiply` and `keras.layers.multiply`: elementwise product of a list of inputs."""
import torch

from torchkeras.api_export import keras_export
from torchkeras.layers.merging.base_merge import Merge


@keras_export("keras.layers.Multiply")
class Multiply(Merge):
    """Multiplies a list of inputs elementwise.

    Masked-out positions of an input count as 1; when every input has a mask, positions masked in all of
    them are set to 0.
    """

    def _merge_function(self, inputs, masks):
        all_masked = all(m is not None for m in masks)
        output = None
        output_mask = None
        for x, m in zip(inputs, masks):
            if m is not None:
                m = m.to(torch.bool).unsqueeze(-1)
                x = torch.where(m, x, torch.ones((), dtype=x.dtype, device=x.device))
                if all_masked:
                    output_mask = m if output_mask is None else torch.logical_or(output_mask, m)
            output = x if output is None else output * x
        if all_masked:
            output = torch.where(output_mask, output, torch.zeros((), dtype=output.dtype, device=output.device))
        return output


@keras_export("keras.layers.multiply")
def multiply(inputs, **kwargs):
    """Functional interface to the `Multiply` layer: the elementwise product of `inputs`."""
    return Multiply(**kwargs)(inputs)
