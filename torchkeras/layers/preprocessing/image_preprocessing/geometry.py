"""Shared pieces of the geometric layers: fill and interpolation modes, applying `(batch, 8)` projective
transforms to images, and mapping points through them."""
import torch
import torch.nn.functional as F

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


_GRID_PADDING = {"constant": "zeros", "nearest": "border", "reflect": "reflection"}


def apply_transform(images, transform, interpolation, fill_mode, fill_value, data_format):
    """Keras's `affine_transform` on a batch or a single image (transform `(8,)` or `(batch, 8)`).

    Bilinear sampling with the `"constant"`, `"nearest"` and `"reflect"` fill modes runs on `grid_sample`
    (the same samples: each of these modes acts on coordinates as Keras's does on neighbour indices);
    the coordinates are computed in float32 as in Keras and sampled in float64, so the grid's
    normalization loses nothing. Other combinations use `keras.ops.image.affine_transform`."""
    from torchkeras.ops.image import affine_transform
    from torchkeras.layers.preprocessing.tensor_inputs import to_tensor

    images = to_tensor(images)
    transform = to_tensor(transform).to(images.device)
    if interpolation != "bilinear" or fill_mode not in _GRID_PADDING:
        return affine_transform(images, transform, interpolation=interpolation, fill_mode=fill_mode,
                                fill_value=fill_value, data_format=data_format)
    unbatched = images.dim() == 3
    x = images.unsqueeze(0) if unbatched else images
    if data_format != "channels_first":
        x = x.permute(0, 3, 1, 2)
    batch, _, height, width = x.shape
    compute = x.dtype if x.is_floating_point() else torch.float32
    transform = transform.reshape(-1, 8).to(compute)
    if transform.shape[0] == 1 and batch > 1:
        transform = transform.expand(batch, 8)
    a0, a1, a2, b0, b1, b2, c0, c1 = (transform[:, i].reshape(-1, 1, 1) for i in range(8))
    ys = torch.arange(height, dtype=compute, device=x.device).reshape(1, -1, 1)
    xs = torch.arange(width, dtype=compute, device=x.device).reshape(1, 1, -1)
    k = c0 * xs + c1 * ys + 1.0
    grid = torch.empty((transform.shape[0], height, width, 2), dtype=torch.float64, device=x.device)
    grid[..., 0] = (a0 * xs + a1 * ys + a2) / k  # input x of each output pixel, computed as Keras does
    grid[..., 1] = (b0 * xs + b1 * ys + b2) / k
    grid[..., 0].mul_(2.0 / width).add_(1.0 / width - 1.0)  # pixel centers -> grid_sample's [-1, 1]
    grid[..., 1].mul_(2.0 / height).add_(1.0 / height - 1.0)
    fill = float(fill_value) if fill_mode == "constant" else 0.0
    source = x.to(torch.float64)
    if fill:
        source = source - fill  # zeros padding, shifted: outside samples get `fill` back below
    out = F.grid_sample(source, grid, mode="bilinear", padding_mode=_GRID_PADDING[fill_mode], align_corners=False)
    if fill:
        out = out + fill
    out = torch.round(out) if not x.is_floating_point() else out
    out = out.to(x.dtype)
    if data_format != "channels_first":
        out = out.permute(0, 2, 3, 1)
    return out.squeeze(0) if unbatched else out


def transformed_x_y(x, y, transform):
    """Where the projective `transform` (`(batch, 8)`) sends the point `(x, y)`: `(batch, 1)` each."""
    a0, a1, a2, b0, b1, b2, c0, c1 = torch.split(transform, 1, dim=-1)
    k = c0 * x + c1 * y + 1
    return (a0 * x + a1 * y + a2) / k, (b0 * x + b1 * y + b2) / k
