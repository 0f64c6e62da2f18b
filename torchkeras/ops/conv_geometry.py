"""Window geometry of convolutions and pooling on torch, shared by `keras.ops` and the layers.

Keras's `"same"` padding puts the extra pixel (when the total is odd) at the end, like TensorFlow; torch's
`padding=` argument is symmetric. Keras kernels are `(*spatial, in, out)`, torch weights `(out, in, *spatial)`;
channels_last tensors are handed to torch as permuted views (no copies).
"""
import torch.nn.functional as F

CONV = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}
CONV_TRANSPOSE = {1: F.conv_transpose1d, 2: F.conv_transpose2d, 3: F.conv_transpose3d}


def same_padding(size, kernel, stride, dilation=1):
    """(before, after) padding of one spatial axis for Keras's `"same"` (the extra pixel goes after)."""
    effective = (kernel - 1) * dilation + 1
    out = -(-size // stride)
    total = max((out - 1) * stride + effective - size, 0)
    return total // 2, total - total // 2


def same_paddings(spatial, kernel_size, strides, dilation_rate):
    return tuple(same_padding(s, k, st, d) for s, k, st, d in zip(spatial, kernel_size, strides, dilation_rate))


def zero_padding_as_kernel(kernel, pads):
    """Zero padding `pads` ((before, after) per spatial axis) followed by a `"valid"` convolution (dilation 1) as a
    convolution of the unpadded input with torch's symmetric `padding=`: `(kernel, padding)`, or None.

    An axis padded `(p, p + 1)` (Keras's padding before strided convolutions) becomes padding `p + 1` on both sides
    and a kernel one tap longer, its first tap zero: each window then reads the same pixels with the same weights
    (and one zero), without the padded copy of the input. `kernel` has Keras's layout `(*spatial, in, out)`.
    """
    lead = []
    for before, after in pads:
        if after - before not in (0, 1):
            return None
        lead.append(after - before)
    if any(lead):
        flat = [0, 0, 0, 0]  # F.pad starts from the last axis: out, in, then the spatial axes backwards
        for extra in reversed(lead):
            flat.extend((extra, 0))
        kernel = F.pad(kernel, flat)
    return kernel, tuple(after for _, after in pads)


def torch_padding(pads):
    """`pads` ((before, after) per spatial axis) as torch's symmetric `padding=`, or None if asymmetric."""
    if all(before == after for before, after in pads):
        return tuple(before for before, _ in pads)
    return None


def flat_pad(pads):
    """((before, after), ...) per spatial axis as `F.pad`'s flat list, which starts from the last axis."""
    flat = []
    for before, after in reversed(pads):
        flat.extend((before, after))
    return flat


def transpose_crops(kernel, stride, dilation, padding, output_padding):
    """(crop_before, crop_after) of torch's full transposed-conv output `(in - 1) * stride + effective_kernel`
    that gives Keras's output along one axis. A negative crop means the output is longer than that: torch's
    `output_padding` appends those positions (they get the bias only).

    Keras: `"valid"` gives `(in - 1) * stride + max(effective_kernel, stride)` (or `+ effective_kernel +
    output_padding`); `"same"` gives `in * stride` (or `(in - 1) * stride + effective_kernel % 2 +
    output_padding`), the larger share of the cropping going before.
    """
    effective = (kernel - 1) * dilation + 1
    if padding == "valid":
        extra = max(effective, stride) - effective if output_padding is None else output_padding
        return 0, -extra
    if output_padding is None:
        total = stride + effective - 2
    else:
        total = effective + effective % 2 - 2 + output_padding
    before = min(total // 2 + total % 2, effective - 1)
    after = total - before
    return effective - 1 - before, effective - 1 - after


def to_channels_first(x):
    """A channels_last tensor as a channels_first *view* (torch's kernels read channels_last strides)."""
    n = x.dim()
    return x.permute(0, n - 1, *range(1, n - 1))


def to_channels_last(x):
    n = x.dim()
    return x.permute(0, *range(2, n), 1)


def torch_conv_kernel(kernel):
    """A Keras kernel `(*spatial, in, out)` as a torch weight view `(out, in, *spatial)`."""
    n = kernel.dim()
    return kernel.permute(n - 1, n - 2, *range(n - 2))
