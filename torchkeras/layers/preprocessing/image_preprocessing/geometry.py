"""Shared pieces of the geometric layers: fill and interpolation modes, applying `(batch, 8)` projective
transforms to images, and mapping points through them."""
import torch

FILL_MODES = ("reflect", "wrap", "constant", "nearest")
INTERPOLATIONS = ("nearest", "bilinear")


def check_modes(fill_mode, interpolation, fill_modes=FILL_MODES, interpolations=INTERPOLATIONS):
    if fill_mode is not None and fill_mode not in fill_modes:
        raise NotImplementedError(f"Unknown `fill_mode` {fill_mode}. Expected of one {fill_modes}.")
    if interpolation not in interpolations:
        raise NotImplementedError(f"Unknown `interpolation` {interpolation}. Expected of one {interpolations}.")


def factor_range(factor, name, message, low=-1.0, high=1.0, open_low=False):
    """`(lower, upper)` from a number `f` (meaning `[-|f|, |f|]`) or a pair, each value in `[low, high]`
    (`(low, high]` with `open_low`); Keras's error starts with `message`."""
    def check(value):
        if value > high or value < low or (open_low and value == low):
            raise ValueError(message + f"Received: input_number={value}")

    if isinstance(factor, (tuple, list)):
        if len(factor) != 2:
            raise ValueError(message + f"Received: {name}={factor}")
        check(factor[0])
        check(factor[1])
        return tuple(sorted(factor))
    if isinstance(factor, (int, float)):
        check(factor)
        return -abs(factor), abs(factor)
    raise ValueError(message + f"Received: {name}={factor}")


def apply_transform(images, transform, interpolation, fill_mode, fill_value, data_format):
    """`keras.ops.image.affine_transform` on a batch or a single image (transform `(8,)` or `(batch, 8)`)."""
    from torchkeras.ops.image import affine_transform

    transform = transform.to(images.device) if isinstance(transform, torch.Tensor) else transform
    return affine_transform(images, transform, interpolation=interpolation, fill_mode=fill_mode,
                            fill_value=fill_value, data_format=data_format)


def transformed_x_y(x, y, transform):
    """Where the projective `transform` (`(batch, 8)`) sends the point `(x, y)`: `(batch, 1)` each."""
    a0, a1, a2, b0, b1, b2, c0, c1 = torch.split(transform, 1, dim=-1)
    k = c0 * x + c1 * y + 1
    return (a0 * x + a1 * y + a2) / k, (b0 * x + b1 * y + b2) / k
