"""Axis helpers shared by the normalization layers."""
import math


def check_axes_in_bounds(axis, input_shape):
    """Raise Keras's error when an `axis` (int or list) does not exist in `input_shape`."""
    axes = [axis] if isinstance(axis, int) else list(axis)
    rank = len(input_shape)
    for a in axes:
        if a >= rank or a < -rank:
            raise ValueError(
                f"Axis {a} is out of bounds for input shape {tuple(input_shape)}. Received: axis={axis}"
            )


def positive_axes(axes, rank):
    """`axes` (ints, possibly negative) as sorted non-negative ints."""
    return sorted(a % rank for a in axes)


def is_trailing(axes, rank):
    """Whether the sorted non-negative `axes` are exactly the last `len(axes)` axes."""
    return list(axes) == list(range(rank - len(axes), rank))


def as_channel_view(x, axis):
    """View `x` as `(pre, C)` or `(pre, C, post)` with the channel `axis` in position 1.

    Reduction over every other axis then becomes a reduction over axes 0 and 2, which is what torch's
    batch-norm kernels do. For a contiguous input this is a free reshape, whatever the axis.
    """
    shape = tuple(x.shape)
    pre = math.prod(shape[:axis])
    post = math.prod(shape[axis + 1:])
    if post == 1:
        return x.reshape(pre, shape[axis])
    return x.reshape(pre, shape[axis], post)
