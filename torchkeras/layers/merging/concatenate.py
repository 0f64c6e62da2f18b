"""`keras.layers.Concatenate` and `keras.layers.concatenate`: join a list of inputs along `axis`."""
import torch

from torchkeras.api_export import keras_export
from torchkeras.layers.merging.base_merge import Merge, check_mask_list, mask_or


@keras_export("keras.layers.Concatenate")
class Concatenate(Merge):
    """Concatenates a list of inputs along `axis`; all other axes must match.

    The output mask (when some input has one) concatenates the masks along `axis`, treating a missing mask
    as all-True, and reduces the feature axis with OR.
    """

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis

    def build(self, input_shape):
        if not isinstance(input_shape, (list, tuple)) or len(input_shape) < 1 or \
                not isinstance(input_shape[0], (tuple, list)):
            raise ValueError(
                f"A `Concatenate` layer should be called on a list of at least 1 input. Received: "
                f"input_shape={input_shape}"
            )
        shapes = [tuple(s) for s in input_shape if s is not None]
        error = ValueError(
            "A `Concatenate` layer requires inputs with matching shapes except for the concatenation axis. "
            f"Received: input_shape={list(input_shape)}"
        )
        if len({len(s) for s in shapes}) > 1:
            raise error
        if shapes:
            rank = len(shapes[0])
            if not -rank <= self.axis < rank:
                raise ValueError(f"Invalid `axis` for Concatenate: {self.axis} for inputs of rank {rank}.")
            axis = self.axis % rank
            for dim in range(rank):
                if dim == axis:
                    continue
                sizes = {s[dim] for s in shapes if s[dim] is not None}
                if len(sizes) > 1:
                    raise error
        self.built = True

    def call(self, inputs):
        if not isinstance(inputs, (list, tuple)):
            raise ValueError(f"A `Concatenate` layer should be called on a list of inputs. Received: inputs={inputs}")
        return torch.cat(list(inputs), dim=self.axis)

    def compute_output_shape(self, input_shape):
        if not isinstance(input_shape, (tuple, list)) or not isinstance(input_shape[0], (tuple, list)):
            raise ValueError(
                f"A `Concatenate` layer should be called on a list of inputs. Received: input_shape={input_shape}"
            )
        output = list(input_shape[0])
        for shape in input_shape[1:]:
            if output[self.axis] is None or shape[self.axis] is None:
                output[self.axis] = None
                break
            output[self.axis] += shape[self.axis]
        return tuple(output)

    def compute_mask(self, inputs, mask=None):
        if mask is None:
            return None
        check_mask_list(inputs, mask, f"`mask` should be a list. Received mask={mask}")
        if all(m is None for m in mask):
            return None
        rank = inputs[0].dim()
        axis = self.axis % rank
        if all(m is None or m.dim() == x.dim() - 1 for x, m in zip(inputs, mask)):
            masks = [torch.ones(x.shape[:-1], dtype=torch.bool, device=x.device) if m is None else m.to(torch.bool)
                     for x, m in zip(inputs, mask)]
            if axis == rank - 1:  # joining features: a step is kept if any input keeps it
                return mask_or(masks)
            return torch.cat(masks, dim=axis)
        full = []
        for x, m in zip(inputs, mask):
            if m is None:
                full.append(torch.ones(x.shape, dtype=torch.bool, device=x.device))
            elif m.dim() < x.dim():
                full.append(m.to(torch.bool).unsqueeze(-1).expand(x.shape))
            else:
                full.append(m.to(torch.bool))
        return torch.any(torch.cat(full, dim=axis), dim=-1)

    def get_config(self):
        config = super().get_config()
        config["axis"] = self.axis
        return config


@keras_export("keras.layers.concatenate")
def concatenate(inputs, axis=-1, **kwargs):
    """Functional interface to the `Concatenate` layer: `inputs` joined along `axis`."""
    return Concatenate(axis=axis, **kwargs)(inputs)
