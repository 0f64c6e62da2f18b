"""`Merge`: the base of the elementwise merge layers (`Add`, `Multiply`, `Maximum`, ...)."""
import torch

from torchkeras.layers.layer import Layer


def broadcast_shape(shape1, shape2):
    """The shape of an elementwise op on `shape1` and `shape2` (batch axis excluded; None = unknown)."""
    if shape1 is None or shape2 is None:
        return None
    if len(shape1) < len(shape2):
        return broadcast_shape(shape2, shape1)
    if not shape2:
        return tuple(shape1)
    out = list(shape1[: -len(shape2)])
    for i, j in zip(shape1[-len(shape2):], shape2):
        if i is None or j is None:
            out.append(None)
        elif i == 1:
            out.append(j)
        elif j == 1 or i == j:
            out.append(i)
        else:
            raise ValueError(f"Inputs have incompatible shapes. Received shapes {tuple(shape1)} and {tuple(shape2)}")
    return tuple(out)


def check_mask_list(inputs, mask, not_a_list):
    """Raise unless `mask` is a list with one mask per input (`not_a_list`: the message when it is no list)."""
    if not isinstance(mask, (tuple, list)):
        raise ValueError(not_a_list)
    if not isinstance(inputs, (tuple, list)):
        raise ValueError(f"`inputs` should be a list. Received: inputs={inputs}")
    if len(mask) != len(inputs):
        raise ValueError(
            f"The lists `inputs` and `mask` should have the same length. Received: inputs={inputs} of length "
            f"{len(inputs)}, and mask={mask} of length {len(mask)}"
        )


def mask_or(masks):
    """The elementwise OR of a list of masks."""
    out = masks[0]
    for m in masks[1:]:
        out = torch.logical_or(out, m)
    return out


def _is_list_of_shapes(input_shape):
    return isinstance(input_shape, (list, tuple)) and len(input_shape) > 0 and \
        all(s is None or isinstance(s, (list, tuple)) for s in input_shape)


class Merge(Layer):
    """Merges a list of tensors elementwise; subclasses implement `_merge_function(inputs, masks)`.

    Inputs of lower rank get size-1 axes inserted after the batch axis, then usual broadcasting applies.
    The output mask (when every input has one) is the OR of the input masks.
    """

    _keras_call_takes_mask = False  # `mask` here only receives torchkeras's mask plumbing

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self._reshape_required = False

    def _merge_function(self, inputs, masks):
        raise NotImplementedError

    def build(self, input_shape):
        if not _is_list_of_shapes(input_shape):
            raise ValueError(
                f"A merge layer should be called on a list of inputs. Received: input_shape={input_shape} "
                "(not a list of shapes)"
            )
        batch_sizes = {s[0] for s in input_shape if s} - {None}
        if len(batch_sizes) > 1:
            raise ValueError(f"Cannot merge tensors with different batch sizes. Received tensors with shapes "
                             f"{list(input_shape)}")
        self._output_shape_without_batch(input_shape)  # raises on incompatible shapes
        self._reshape_required = None in input_shape or len({len(s) for s in input_shape}) != 1
        self.built = True

    def _output_shape_without_batch(self, input_shape):
        out = None if input_shape[0] is None else tuple(input_shape[0][1:])
        for shape in input_shape[1:]:
            out = broadcast_shape(out, None if shape is None else tuple(shape[1:]))
        return out

    def call(self, inputs, mask=None):
        if not isinstance(inputs, (list, tuple)):
            raise ValueError(f"A merge layer should be called on a list of inputs. Received: inputs={inputs} "
                             "(not a list of tensors)")
        inputs = list(inputs)
        masks = list(mask) if isinstance(mask, (list, tuple)) else [None] * len(inputs)
        max_rank = max(x.dim() for x in inputs)
        for i, x in enumerate(inputs):
            if x.dim() < max_rank:  # like Keras: insert axes after the batch axis; such inputs lose their mask
                inputs[i] = x.reshape((x.shape[0],) + (1,) * (max_rank - x.dim()) + tuple(x.shape[1:]))
                masks[i] = None
        return self._merge_function(inputs, masks)

    def compute_output_shape(self, input_shape):
        out = self._output_shape_without_batch(input_shape)
        batch_sizes = {s[0] for s in input_shape if s is not None} - {None}
        batch = next(iter(batch_sizes)) if len(batch_sizes) == 1 else None
        return (batch,) + tuple(out)

    def compute_mask(self, inputs, mask=None):
        if mask is None:
            return None
        check_mask_list(inputs, mask, f"`mask` should be a list. Received: mask={mask}")
        if any(m is None for m in mask):
            return None
        return mask_or(mask)

    def get_config(self):
        return super().get_config()


def merge_with_mask_or(op, inputs, masks):
    """Fold `op` over `inputs`; a masked-out value takes the other operand's value (Keras's Maximum/Minimum).

    Masks have the shape of the inputs without their last axis.
    """
    output = None
    output_mask = None
    for x, m in zip(inputs, masks):
        if m is not None:
            m = m.to(torch.bool).unsqueeze(-1)
        if output is None:
            output, output_mask = x, m
            continue
        if m is not None:
            x = torch.where(m, x, output)
        if output_mask is not None:
            output = torch.where(output_mask, output, x)
        output_mask = torch.logical_or(output_mask, m) if m is not None and output_mask is not None else None
        output = op(output, x)
    return output
