"""`keras.ops.image`: resizing, color conversion, geometric transforms, padding/cropping and patches.

Images are `(height, width, channels)` or batches `(batch, height, width, channels)` for `channels_last`
(the default), or channels first with `data_format="channels_first"`.
"""
import builtins
import itertools
import math

import torch
import torch.nn.functional as F

from torchkeras.api_export import keras_export
from torchkeras.backend import config
from torchkeras.ops.arguments import as_tensor as _t
from torchkeras.ops.conv_geometry import flat_pad
from torchkeras.ops.conv_geometry import same_paddings
from torchkeras.ops.conv_geometry import to_channels_first
from torchkeras.ops.conv_geometry import to_channels_last
from torchkeras.ops.core import dtype_name
from torchkeras.ops.core import result_type
from torchkeras.ops.core import tensor_like
from torchkeras.ops.core import to_torch_dtype
from torchkeras.ops.operation import keras_op

_IMAGE = "keras.src.ops.image"


def _export(name):
    return keras_export(f"keras.ops.image.{name}")


def _is_int(x):
    return not x.is_floating_point() and not x.is_complex() and x.dtype != torch.bool


def _check_images(images, what="images"):
    if images.dim() not in (3, 4):
        raise ValueError(
            f"Invalid {what} rank: expected rank 3 (single image) or rank 4 (batch of images). Received input "
            f"with shape: {what}.shape={tuple(images.shape)}"
        )


def _batched(images, data_format, layout):
    """A batched view of the images in `layout` (`"channels_first"`: NCHW, `"channels_last"`: NHWC), and a
    function undoing it (a single image becomes a batch of one)."""
    squeeze = images.dim() == 3
    x = images.unsqueeze(0) if squeeze else images
    move = config.standardize_data_format(data_format) != layout
    forth, back = to_channels_first, to_channels_last
    if layout == "channels_last":
        forth, back = back, forth
    if move:
        x = forth(x)

    def restore(y):
        if move:
            y = back(y)
        return y.squeeze(0) if squeeze else y

    return x, restore


def _channel_axis(data_format):
    """The channel axis of an image or a batch of images (counted from the end)."""
    return -1 if config.standardize_data_format(data_format) == "channels_last" else -3


# --------------------------------------------------------------------------------------------------------
# Color
# --------------------------------------------------------------------------------------------------------
@_export("rgb_to_grayscale")
@keras_op("RGBToGrayscale", module=_IMAGE)
def rgb_to_grayscale(images, data_format=None):
    """Convert RGB images to grayscale (one channel) with weights 0.2989, 0.587, 0.114."""
    images = _t(images)
    _check_images(images)
    axis = _channel_axis(data_format)
    if images.shape[axis] not in (1, 3):
        raise ValueError(
            "Invalid channel size: expected 3 (RGB) or 1 (Grayscale). Received input with shape: "
            f"images.shape={tuple(images.shape)}"
        )
    if images.shape[axis] == 1:
        return images.clone()
    r, g, b = images.unbind(dim=axis)
    gray = (0.2989 * r + 0.587 * g + 0.114 * b).to(images.dtype)
    return gray.unsqueeze(axis)


def _check_float(images):
    if not images.is_floating_point():
        raise ValueError(f"Invalid images dtype: expected float dtype. Received: images.dtype={dtype_name(images)}")


@_export("rgb_to_hsv")
@keras_op("RGBToHSV", module=_IMAGE)
def rgb_to_hsv(images, data_format=None):
    """Convert RGB images (values in [0, 1]) to HSV (hue, saturation and value in [0, 1])."""
    images = _t(images)
    _check_images(images)
    _check_float(images)
    axis = _channel_axis(data_format)
    eps = torch.finfo(images.dtype).eps
    images = torch.where(torch.abs(images) < eps, torch.zeros_like(images), images)
    r, g, b = images.unbind(dim=axis)
    value = torch.maximum(torch.maximum(r, g), b)
    spread = value - torch.minimum(torch.minimum(r, g), b)
    one = torch.ones_like(value)
    saturation = torch.where(value > 0, spread / torch.where(value > 0, value, one), torch.zeros_like(value))
    norm = 1.0 / (6.0 * torch.where(spread > 0, spread, one))
    hue = torch.where(value == g, norm * (b - r) + 2.0 / 6.0, norm * (r - g) + 4.0 / 6.0)
    hue = torch.where(value == r, norm * (g - b), hue)
    hue = torch.where(spread > 0, hue, torch.zeros_like(hue)) + (hue < 0).to(hue.dtype)
    return torch.stack([hue, saturation, value], dim=axis)


@_export("hsv_to_rgb")
@keras_op("HSVToRGB", module=_IMAGE)
def hsv_to_rgb(images, data_format=None):
    """Convert HSV images (all channels in [0, 1]) to RGB."""
    images = _t(images)
    _check_images(images)
    _check_float(images)
    axis = _channel_axis(data_format)
    hue, saturation, value = images.unbind(dim=axis)
    dh = torch.remainder(hue, 1.0) * 6.0
    dr = torch.clamp(torch.abs(dh - 3.0) - 1.0, 0.0, 1.0)
    dg = torch.clamp(2.0 - torch.abs(dh - 2.0), 0.0, 1.0)
    db = torch.clamp(2.0 - torch.abs(dh - 4.0), 0.0, 1.0)
    base = 1.0 - saturation
    rgb = [value * (base + saturation * d) for d in (dr, dg, db)]
    return torch.stack(rgb, dim=axis)


# --------------------------------------------------------------------------------------------------------
# Resize
# --------------------------------------------------------------------------------------------------------
_RESIZE_MODES = {"bilinear": "bilinear", "nearest": "nearest-exact", "bicubic": "bicubic", "area": "area"}


@_export("resize")
@keras_op("Resize", module=_IMAGE)
def resize(images, size, interpolation="bilinear", antialias=False, crop_to_aspect_ratio=False,
           pad_to_aspect_ratio=False, fill_mode="constant", fill_value=0.0, data_format=None):
    """Resize images to `size` = `(height, width)` (half-pixel centers, like Keras).

    `interpolation`: `'bilinear'`, `'nearest'`, `'bicubic'` or `'area'`. `crop_to_aspect_ratio` crops the
    largest centered window with the target aspect ratio first; `pad_to_aspect_ratio` pads with `fill_value`.
    """
    if interpolation in ("lanczos3", "lanczos5"):
        raise ValueError(
            f"Resizing with Lanczos interpolation is not supported by the PyTorch backend. Received: "
            f"interpolation={interpolation}."
        )
    if interpolation not in _RESIZE_MODES:
        raise ValueError(
            f"Invalid value for argument `interpolation`. Expected of one {set(_RESIZE_MODES)}. Received: "
            f"interpolation={interpolation}"
        )
    if fill_mode != "constant":
        raise ValueError(f"Invalid value for argument `fill_mode`. Only `'constant'` is supported. Received: fill_mode={fill_mode}")
    if pad_to_aspect_ratio and crop_to_aspect_ratio:
        raise ValueError("Only one of `pad_to_aspect_ratio` & `crop_to_aspect_ratio` can be `True`.")
    if len(size) != 2:
        raise ValueError(f"Argument `size` must be a tuple of two elements (height, width). Received: size={size}")
    images = _t(images)
    _check_images(images)
    out_dtype = images.dtype
    x, restore = _batched(images, data_format, "channels_first")
    if x.dtype not in (torch.float32, torch.float64):
        x = x.to(torch.float32)
    target_h, target_w = int(size[0]), int(size[1])
    height, width = x.shape[-2], x.shape[-1]
    if crop_to_aspect_ratio:
        crop_h = builtins.max(builtins.min(height, int(float(width * target_h) / target_w)), 1)
        crop_w = builtins.max(builtins.min(width, int(float(height * target_w) / target_h)), 1)
        top = int(float(height - crop_h) / 2)
        left = int(float(width - crop_w) / 2)
        x = x[:, :, top:top + crop_h, left:left + crop_w]
    elif pad_to_aspect_ratio:
        pad_h = builtins.max(height, int(float(width * target_h) / target_w))
        pad_w = builtins.max(width, int(float(height * target_w) / target_h))
        top = int(float(pad_h - height) / 2)
        left = int(float(pad_w - width) / 2)
        if top > 0:
            x = F.pad(x, (0, 0, top, top), value=float(fill_value))
        if left > 0:
            x = F.pad(x, (left, left, 0, 0), value=float(fill_value))
    mode = _RESIZE_MODES[interpolation]
    kwargs = {}
    if mode in ("bilinear", "bicubic"):
        kwargs = {"align_corners": False, "antialias": bool(antialias)}
    out = F.interpolate(x, size=(target_h, target_w), mode=mode, **kwargs)
    if interpolation == "bicubic" and out_dtype == torch.uint8:
        out = out.clamp(0, 255)
    out = restore(out)
    if out.dtype != out_dtype:
        if not out_dtype.is_floating_point and out_dtype != torch.bool:
            out = torch.round(out)  # bool: any non-zero value is True, as in Keras
        out = out.to(out_dtype)
    return out


# --------------------------------------------------------------------------------------------------------
# Sampling at coordinates
# --------------------------------------------------------------------------------------------------------
def _mirror(index, size):
    if size == 1:
        return torch.zeros_like(index)
    s = size - 1
    return torch.abs(torch.remainder(index + s, 2 * s) - s)


def _fix_index(index, size, mode):
    if mode in ("constant", "nearest"):
        return index.clamp(0, size - 1)
    if mode == "wrap":
        return torch.remainder(index, size)
    if mode == "mirror":
        return _mirror(index, size)
    if mode == "reflect":
        return torch.div(_mirror(2 * index + 1, 2 * size + 1) - 1, 2, rounding_mode="floor")
    raise ValueError(
        "Invalid value for argument `fill_mode`. Expected one of {'constant', 'nearest', 'wrap', 'mirror', "
        f"'reflect'}}. Received: fill_mode={mode}"
    )


def _nodes(coordinate, order):
    if order == 0:
        c = coordinate if not coordinate.is_floating_point() else torch.round(coordinate)
        return [(c.to(torch.int64), None)]
    lower = torch.floor(coordinate)
    upper_w = coordinate - lower
    index = lower.to(torch.int64)
    return [(index, 1 - upper_w), (index + 1, upper_w)]


@_export("map_coordinates")
@keras_op("MapCoordinates", module=_IMAGE)
def map_coordinates(inputs, coordinates, order, fill_mode="constant", fill_value=0):
    """Sample `inputs` at `coordinates` (one coordinate array per input axis) with spline `order` 0 or 1.

    Outside the input, `fill_mode` decides: `'constant'` (`fill_value`), `'nearest'`, `'wrap'`, `'mirror'`,
    `'reflect'`.
    """
    x = _t(inputs)
    coords = [tensor_like(c, x) for c in coordinates]
    if len(coords) != x.dim():
        raise ValueError(
            "First dim of `coordinates` must be the same as the rank of `inputs`. Received inputs with shape: "
            f"{tuple(x.shape)} and coordinate leading dim of {len(coords)}"
        )
    if coords[0].dim() < 1:
        raise ValueError(f"Invalid coordinates rank: expected at least rank 2. Received input with shape: {(len(coords),)}")
    if order not in (0, 1):
        raise NotImplementedError("map_coordinates currently requires order<=1")
    coords = [c if c.is_floating_point() or order == 0 else c.to(torch.float32) for c in coords]
    is_int = not x.is_floating_point()
    if is_int and isinstance(fill_value, float):
        fill_value = int(fill_value)
    strides = [math.prod(x.shape[d + 1:]) for d in range(x.dim())]
    flat = x.reshape(-1)
    per_axis = []
    for c, size in zip(coords, x.shape):
        entries = []
        for index, weight in _nodes(c, order):
            valid = (index >= 0) & (index < size) if fill_mode == "constant" else None
            entries.append((_fix_index(index, size, fill_mode), valid, weight))
        per_axis.append(entries)
    result = None
    for combo in itertools.product(*per_axis):
        linear = builtins.sum(idx * s for (idx, _, _), s in zip(combo, strides))
        value = flat[linear]
        valids = [v for _, v, _ in combo if v is not None]
        if valids:
            ok = valids[0]
            for v in valids[1:]:
                ok = ok & v
            value = torch.where(ok, value, torch.full_like(value, fill_value))
        weights = [w for _, _, w in combo if w is not None]
        if weights:
            w = weights[0]
            for extra in weights[1:]:
                w = w * extra
            value = w * value
        result = value if result is None else result + value
    if is_int and result.is_floating_point():
        result = torch.round(result)
    return result.to(x.dtype)


def _sample_hw(images, y, x, order, fill_mode, fill_value):
    """Sample batched NHWC `images` at float coordinates `y`, `x` of shape `(batch, h, w)`."""
    batch, height, width, channels = images.shape
    flat = images.reshape(batch, height * width, channels)
    result = None
    for iy, wy in _nodes(y, order):
        for ix, wx in _nodes(x, order):
            value_index = _fix_index(iy, height, fill_mode) * width + _fix_index(ix, width, fill_mode)
            gathered = torch.gather(flat, 1, value_index.reshape(batch, -1, 1).expand(-1, -1, channels))
            gathered = gathered.reshape(batch, iy.shape[1], iy.shape[2], channels)
            if fill_mode == "constant":
                ok = (iy >= 0) & (iy < height) & (ix >= 0) & (ix < width)
                gathered = torch.where(ok.unsqueeze(-1), gathered, torch.full_like(gathered, fill_value))
            if wy is not None:
                gathered = (wy * wx).unsqueeze(-1) * gathered
            result = gathered if result is None else result + gathered
    return result


_TRANSFORM_ORDERS = {"nearest": 0, "bilinear": 1}


def _prepare_transform(images, data_format, interpolation):
    if interpolation not in _TRANSFORM_ORDERS:
        raise ValueError(
            f"Invalid value for argument `interpolation`. Expected of one {set(_TRANSFORM_ORDERS)}. Received: "
            f"interpolation={interpolation}"
        )
    images = _t(images)
    _check_images(images)
    return _batched(images, data_format, "channels_last")


def _apply_projective(x, transform, order, fill_mode, fill_value):
    batch, height, width, _ = x.shape
    compute = x.dtype if x.is_floating_point() else torch.float32
    t = transform.to(compute)
    if t.shape[0] == 1 and batch > 1:
        t = t.expand(batch, -1)
    ys = torch.arange(height, dtype=compute, device=x.device).reshape(1, -1, 1)
    xs = torch.arange(width, dtype=compute, device=x.device).reshape(1, 1, -1)
    a0, a1, a2, b0, b1, b2, c0, c1 = [t[:, i].reshape(-1, 1, 1) for i in range(8)]
    k = c0 * xs + c1 * ys + 1.0
    x_in = (a0 * xs + a1 * ys + a2) / k
    y_in = (b0 * xs + b1 * ys + b2) / k
    out = _sample_hw(x.to(compute), y_in.expand(batch, height, width), x_in.expand(batch, height, width), order,
                     fill_mode, fill_value)
    if not x.is_floating_point():
        out = torch.round(out)
    return out.to(x.dtype)


@_export("affine_transform")
@keras_op("AffineTransform", module=_IMAGE)
def affine_transform(images, transform, interpolation="bilinear", fill_mode="constant", fill_value=0,
                     data_format=None):
    """Apply projective transforms `[a0, a1, a2, b0, b1, b2, c0, c1]` (one row per image, or one for all).

    Output pixel `(x, y)` takes the input at `((a0 x + a1 y + a2) / k, (b0 x + b1 y + b2) / k)` with
    `k = c0 x + c1 y + 1`.
    """
    if fill_mode not in ("constant", "nearest", "wrap", "mirror", "reflect"):
        raise ValueError(
            "Invalid value for argument `fill_mode`. Expected of one {'constant', 'nearest', 'wrap', 'mirror', "
            f"'reflect'}}. Received: fill_mode={fill_mode}"
        )
    x, restore = _prepare_transform(images, data_format, interpolation)
    transform = tensor_like(transform, x)
    if transform.dim() not in (1, 2):
        raise ValueError(
            "Invalid transform rank: expected rank 1 (single transform) or rank 2 (batch of transforms). "
            f"Received input with shape: transform.shape={tuple(transform.shape)}"
        )
    if transform.dim() == 1:
        transform = transform.unsqueeze(0)
    out = _apply_projective(x, transform, _TRANSFORM_ORDERS[interpolation], fill_mode, fill_value)
    return restore(out)


def _homography(start_points, end_points):
    """The 8 projective coefficients mapping `end_points` (output) to `start_points` (input)."""
    dtype = torch.float64
    s, e = start_points.to(dtype), end_points.to(dtype)
    rows, targets = [], []
    zeros = torch.zeros_like(e[:, 0, 0])
    ones = torch.ones_like(zeros)
    for i in range(4):
        ex, ey, sx, sy = e[:, i, 0], e[:, i, 1], s[:, i, 0], s[:, i, 1]
        rows.append(torch.stack([ex, ey, ones, zeros, zeros, zeros, -sx * ex, -sx * ey], dim=-1))
        rows.append(torch.stack([zeros, zeros, zeros, ex, ey, ones, -sy * ex, -sy * ey], dim=-1))
        targets += [sx, sy]
    a = torch.stack(rows, dim=1)
    b = torch.stack(targets, dim=-1).unsqueeze(-1)
    return torch.linalg.solve(a, b).squeeze(-1)


@_export("perspective_transform")
@keras_op("PerspectiveTransform", module=_IMAGE)
def perspective_transform(images, start_points, end_points, interpolation="bilinear", fill_value=0,
                          data_format=None):
    """Warp images so that the 4 `start_points` move to `end_points` (each `(4, 2)` or `(N, 4, 2)` of x, y)."""
    x, restore = _prepare_transform(images, data_format, interpolation)
    start_points, end_points = tensor_like(start_points, x), tensor_like(end_points, x)
    for name, pts in (("start_points", start_points), ("end_points", end_points)):
        if tuple(pts.shape[-2:]) != (4, 2) or pts.dim() not in (2, 3):
            raise ValueError(
                f"Invalid {name} shape: expected (4,2) for a single image or (N,4,2) for a batch. Received "
                f"shape: {tuple(pts.shape)}"
            )
    if tuple(start_points.shape) != tuple(end_points.shape):
        raise ValueError(
            "start_points and end_points must have the same shape. Received "
            f"start_points.shape={tuple(start_points.shape)}, end_points.shape={tuple(end_points.shape)}"
        )
    if start_points.dim() == 2:
        start_points, end_points = start_points.unsqueeze(0), end_points.unsqueeze(0)
    transform = _homography(start_points, end_points)
    out = _apply_projective(x, transform, _TRANSFORM_ORDERS[interpolation], "constant", fill_value)
    return restore(out)


# --------------------------------------------------------------------------------------------------------
# Padding, cropping, patches, filters
# --------------------------------------------------------------------------------------------------------
def _validate_three(a, b, target, names):
    if [a, b, target].count(None) != 1:
        raise ValueError(
            f"Must specify exactly two of {names[0]}, {names[1]}, {names[2]}. Received: {names[0]}={a}, "
            f"{names[1]}={b}, {names[2]}={target}"
        )
    _check_non_negative(zip((a, b, target), names))


def _check_non_negative(pairs):
    """Raise for the first `(value, name)` pair whose value is below 0 (None values are skipped)."""
    for value, name in pairs:
        if value is not None and value < 0:
            raise ValueError(f"{name} must be >= 0. Received: {name}={value}")


def _hw(images, data_format):
    channels_last = config.standardize_data_format(data_format) == "channels_last"
    if channels_last:
        return images.shape[-3], images.shape[-2], channels_last
    return images.shape[-2], images.shape[-1], channels_last


@_export("pad_images")
@keras_op("PadImages", module=_IMAGE)
def pad_images(images, top_padding=None, left_padding=None, bottom_padding=None, right_padding=None,
               target_height=None, target_width=None, data_format=None):
    """Zero-pad images; give exactly two of (top, bottom, target_height) and of (left, right, target_width)."""
    images = _t(images)
    _check_images(images)
    _validate_three(top_padding, bottom_padding, target_height, ("top_padding", "bottom_padding", "target_height"))
    _validate_three(left_padding, right_padding, target_width, ("left_padding", "right_padding", "target_width"))
    height, width, channels_last = _hw(images, data_format)
    if top_padding is None:
        top_padding = target_height - bottom_padding - height
    if bottom_padding is None:
        bottom_padding = target_height - top_padding - height
    if left_padding is None:
        left_padding = target_width - right_padding - width
    if right_padding is None:
        right_padding = target_width - left_padding - width
    _check_non_negative(((top_padding, "top_padding"), (left_padding, "left_padding"),
                         (right_padding, "right_padding"), (bottom_padding, "bottom_padding")))
    if channels_last:
        pads = (0, 0, left_padding, right_padding, top_padding, bottom_padding)
    else:
        pads = (left_padding, right_padding, top_padding, bottom_padding)
    return F.pad(images, pads)


@_export("crop_images")
@keras_op("CropImages", module=_IMAGE)
def crop_images(images, top_cropping=None, left_cropping=None, bottom_cropping=None, right_cropping=None,
                target_height=None, target_width=None, data_format=None):
    """Crop images; give exactly two of (top, bottom, target_height) and of (left, right, target_width)."""
    images = _t(images)
    _check_images(images)
    _validate_three(top_cropping, bottom_cropping, target_height,
                    ("top_cropping", "bottom_cropping", "target_height"))
    _validate_three(left_cropping, right_cropping, target_width,
                    ("left_cropping", "right_cropping", "target_width"))
    height, width, channels_last = _hw(images, data_format)
    if top_cropping is None:
        top_cropping = height - target_height - bottom_cropping
    if target_height is None:
        target_height = height - bottom_cropping - top_cropping
    if left_cropping is None:
        left_cropping = width - target_width - right_cropping
    if target_width is None:
        target_width = width - right_cropping - left_cropping
    _check_non_negative(((top_cropping, "top_cropping"), (target_height, "target_height"),
                         (left_cropping, "left_cropping"), (target_width, "target_width")))
    rows = slice(top_cropping, top_cropping + target_height)
    cols = slice(left_cropping, left_cropping + target_width)
    if channels_last:
        return images[..., rows, cols, :]
    return images[..., rows, cols]


@_export("extract_patches")
@keras_op("ExtractPatches", module=_IMAGE)
def extract_patches(images, size, strides=None, dilation_rate=1, padding="valid", data_format=None):
    """Patches of `size` taken every `strides` pixels, flattened into the channel axis.

    Each output pixel holds its patch in `(row, col, channel)` order: `patch_h * patch_w * channels` values.
    """
    images = _t(images)
    if isinstance(size, int):
        size = (size, size)
    if len(size) != 2:
        raise TypeError(f"Invalid `size` argument. Expected an int or a tuple of length 2. Received: size={size}")
    ph, pw = int(size[0]), int(size[1])
    strides = (ph, pw) if not strides else ((strides, strides) if isinstance(strides, int) else tuple(strides))
    dilation = (dilation_rate, dilation_rate) if isinstance(dilation_rate, int) else tuple(dilation_rate)
    _check_images(images)
    x, restore = _batched(images, data_format, "channels_first")
    return restore(_patches(x, (ph, pw), strides, dilation, padding))


def _patches(x, size, strides, dilation, padding):
    """Patches of a channels-first batch `(B, C, *spatial)`: `(B, prod(size) * C, *out)`, each patch in
    `(*size, channel)` order. Strided views and one copy: exact for every dtype (no im2col kernel needed)."""
    if padding.lower() == "same":
        x = F.pad(x, flat_pad(same_paddings(x.shape[2:], size, strides, dilation)))
    elif padding.lower() != "valid":
        raise ValueError(f"The `padding` argument must be one of 'valid', 'same'. Received: padding={padding}")
    n = len(size)
    for axis, (k, st, d) in enumerate(zip(size, strides, dilation)):
        x = x.unfold(2 + axis, (k - 1) * d + 1, st)  # (B, C, *out, *window)
    window = (builtins.slice(None),) * (2 + n) + tuple(builtins.slice(None, None, d) for d in dilation)
    x = x[window]
    # (B, C, *out, *size) -> (B, *size, C, *out)
    order = (0,) + tuple(range(2 + n, 2 + 2 * n)) + (1,) + tuple(range(2, 2 + n))
    x = x.permute(order)
    return x.reshape((x.shape[0], -1) + tuple(x.shape[2 + n:]))


@_export("gaussian_blur")
@keras_op("GaussianBlur", module=_IMAGE)
def gaussian_blur(images, kernel_size=(3, 3), sigma=(1.0, 1.0), data_format=None):
    """Blur images with a Gaussian kernel of `kernel_size` and standard deviations `sigma` (zero borders)."""
    images = _t(images)
    _check_images(images)
    x, restore = _batched(images, data_format, "channels_first")
    dtype = x.dtype if x.is_floating_point() else to_torch_dtype(config.floatx())
    kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else (int(kernel_size[0]), int(kernel_size[1]))
    sh, sw = (sigma, sigma) if isinstance(sigma, (int, float)) else (float(sigma[0]), float(sigma[1]))

    def kernel1d(n, s):
        pos = torch.arange(n, dtype=dtype, device=x.device) - (n - 1) / 2
        k = torch.exp(-0.5 * (pos / s) ** 2)
        return k / k.sum()

    kernel = torch.outer(kernel1d(kh, sh), kernel1d(kw, sw))
    channels = x.shape[1]
    weight = kernel.expand(channels, 1, kh, kw)
    out = F.conv2d(x.to(dtype), weight, padding=(kh // 2, kw // 2), groups=channels)
    return restore(out.to(images.dtype) if images.is_floating_point() else out)


@_export("sobel_edges")
@keras_op("SobelEdges", module=_IMAGE)
def sobel_edges(images, data_format=None):
    """Sobel gradients of each channel: `(..., channels, 2)` holding (dy, dx), with zero-padded borders."""
    images = _t(images)
    if images.dim() != 4:
        raise ValueError(f"Invalid images rank: expected rank 4 (batch of images). Received: images.shape={tuple(images.shape)}")
    x, _ = _batched(images, data_format, "channels_first")
    # Integers: exact in float64 (then back to their dtype); bool: floatx.
    dtype = x.dtype if x.is_floating_point() else (
        torch.float64 if _is_int(x) else to_torch_dtype(result_type(x.dtype, float)))
    x = x.to(dtype)
    ky = torch.tensor([[-1.0, -2.0, -1.0], [0.0, 0.0, 0.0], [1.0, 2.0, 1.0]], dtype=dtype, device=x.device)
    kx = ky.t()
    channels = x.shape[1]
    gy = F.conv2d(x, ky.expand(channels, 1, 3, 3), padding=1, groups=channels)
    gx = F.conv2d(x, kx.expand(channels, 1, 3, 3), padding=1, groups=channels)
    out = torch.stack([gy, gx], dim=-1)  # (B, C, H, W, 2)
    if _is_int(images):
        out = out.to(images.dtype)  # integer images keep their dtype, as in Keras
    if config.standardize_data_format(data_format) == "channels_last":
        return out.permute(0, 2, 3, 1, 4)
    return out


@_export("extract_patches_3d")
@keras_op("ExtractPatches3D", module=_IMAGE)
def extract_patches_3d(volumes, size, strides=None, dilation_rate=1, padding="valid", data_format=None):
    """3-D patches of `size` (depth, height, width) flattened into the channel axis, in
    `(d, h, w, channel)` order."""
    volumes = _t(volumes)
    if isinstance(size, int):
        size = (size, size, size)
    if len(size) != 3:
        raise TypeError(f"Invalid `size` argument. Expected an int or a tuple of length 3. Received: size={size}")
    strides = tuple(size) if strides is None else ((strides,) * 3 if isinstance(strides, int) else tuple(strides))
    if len(strides) != 3:
        raise ValueError(f"Invalid `strides` argument. Got: {strides}")
    if volumes.dim() not in (4, 5):
        raise ValueError(f"Invalid volumes rank: expected rank 4 or 5. Received: volumes.shape={tuple(volumes.shape)}")
    dilation = (dilation_rate,) * 3 if isinstance(dilation_rate, int) else tuple(dilation_rate)
    squeeze = volumes.dim() == 4
    x = volumes.unsqueeze(0) if squeeze else volumes
    channels_last = config.standardize_data_format(data_format) == "channels_last"
    if channels_last:
        x = x.permute(0, 4, 1, 2, 3)
    out = _patches(x, tuple(int(k) for k in size), strides, dilation, padding)
    if channels_last:
        out = out.permute(0, 2, 3, 4, 1)
    return out.squeeze(0) if squeeze else out


def _gaussian_window(size, sigma, dtype, device):
    pos = torch.arange(size, dtype=dtype, device=device) - (size - 1) / 2.0
    g = torch.exp(-(pos ** 2) / (2.0 * sigma ** 2))
    g = g / g.sum()
    return torch.outer(g, g)


@_export("ssim")
@keras_op("SSIM", module=_IMAGE)
def ssim(image1, image2, max_val=1.0, filter_size=11, filter_sigma=1.5, k1=0.01, k2=0.03, data_format=None):
    """Structural similarity between two images (or batches), averaged over pixels and channels.

    Local statistics use a `filter_size` Gaussian window (`filter_sigma`) without padding.
    """
    image1, image2 = _t(image1), tensor_like(image2, _t(image1))
    for name, img in (("image1", image1), ("image2", image2)):
        if img.dim() not in (3, 4):
            raise ValueError(
                f"Invalid {name} rank: expected rank 3 (single image) or rank 4 (batch of images). Received input "
                f"with shape: {name}.shape={tuple(img.shape)}"
            )
    out_dtype = image1.dtype
    compute = to_torch_dtype(result_type(image1.dtype, float))
    a, restore_a = _batched(image1.to(compute), data_format, "channels_first")
    b, _ = _batched(image2.to(compute), data_format, "channels_first")
    batch, channels, height, width = a.shape
    window = _gaussian_window(filter_size, float(filter_sigma), compute, a.device).reshape(1, 1, filter_size,
                                                                                        filter_size)

    def local_mean(v):
        return F.conv2d(v.reshape(-1, 1, height, width), window)

    c1, c2 = (k1 * max_val) ** 2, (k2 * max_val) ** 2
    mu1, mu2 = local_mean(a), local_mean(b)
    s11 = local_mean(a * a) - mu1 * mu1
    s22 = local_mean(b * b) - mu2 * mu2
    s12 = local_mean(a * b) - mu1 * mu2
    ssim_map = ((2 * mu1 * mu2 + c1) * (2 * s12 + c2)) / ((mu1 * mu1 + mu2 * mu2 + c1) * (s11 + s22 + c2))
    per_image = ssim_map.reshape(batch, channels, -1).mean(dim=-1).mean(dim=-1)
    if image1.dim() == 3:
        per_image = per_image.squeeze(0)
    return per_image.to(out_dtype)  # in the images' dtype, as Keras returns it


@_export("elastic_transform")
@keras_op("ElasticTransform", module=_IMAGE)
def elastic_transform(images, alpha=20.0, sigma=5.0, interpolation="bilinear", fill_mode="reflect",
                      fill_value=0.0, seed=None, data_format=None):
    """Elastic deformation: each pixel moves by `alpha` times Gaussian-smoothed (`sigma`) random noise."""
    if fill_mode not in ("constant", "nearest", "wrap", "mirror", "reflect"):
        raise ValueError(
            "Invalid value for argument `fill_mode`. Expected of one {'constant', 'nearest', 'wrap', 'mirror', "
            f"'reflect'}}. Received: fill_mode={fill_mode}"
        )
    x, restore = _prepare_transform(images, data_format, interpolation)
    from torchkeras.random.seed_generator import torch_generator

    batch, height, width, _ = x.shape
    compute = x.dtype if x.is_floating_point() else torch.float32
    sigma, alpha = float(sigma), float(alpha)
    gen = torch_generator(seed, x.device)
    noise = torch.normal(0.0, 1.0, size=(2, batch, height, width), generator=gen, dtype=compute,
                         device=x.device) * sigma
    size = int(6 * sigma) | 1
    smoothed = gaussian_blur(noise.reshape(2 * batch, 1, height, width), (size, size), (sigma, sigma),
                             data_format="channels_first").reshape(2, batch, height, width)
    ys = torch.arange(height, dtype=compute, device=x.device).reshape(1, -1, 1)
    xs = torch.arange(width, dtype=compute, device=x.device).reshape(1, 1, -1)
    out = _sample_hw(x.to(compute), ys + alpha * smoothed[1], xs + alpha * smoothed[0],
                     _TRANSFORM_ORDERS[interpolation], fill_mode, fill_value)
    if not x.is_floating_point():
        out = torch.round(out)
    return restore(out.to(x.dtype))


def _triangle(x):
    return torch.clamp(1 - torch.abs(x), min=0)


def _keys_cubic(x):
    x = torch.abs(x)
    near = ((1.5 * x - 2.5) * x) * x + 1.0
    far = ((-0.5 * x + 2.5) * x - 4.0) * x + 2.0
    return torch.where(x >= 2.0, torch.zeros_like(x), torch.where(x >= 1.0, far, near))


def _lanczos(radius):
    def kernel(x):
        x = torch.abs(x)
        y = radius * torch.sin(math.pi * x) * torch.sin(math.pi * x / radius)
        safe = torch.where(x > 1e-3, x, torch.ones_like(x))
        out = torch.where(x > 1e-3, y / (math.pi ** 2 * safe ** 2), torch.ones_like(x))
        return torch.where(x > radius, torch.zeros_like(x), out)

    return kernel


_SCALE_KERNELS = {"linear": _triangle, "bilinear": _triangle, "trilinear": _triangle, "cubic": _keys_cubic,
                  "bicubic": _keys_cubic, "tricubic": _keys_cubic, "lanczos3": _lanczos(3.0),
                  "lanczos5": _lanczos(5.0)}


def _resample_weights(in_size, out_size, scale, translation, kernel, antialias):
    """(in_size, out_size) weights: output j samples the input at `(j + 0.5 - t) / s - 0.5`."""
    inv = 1.0 / scale
    kernel_scale = torch.clamp(inv, min=1.0) if antialias else torch.ones_like(inv)
    sample = (torch.arange(out_size, dtype=scale.dtype, device=scale.device) + 0.5 - translation) * inv - 0.5
    dist = torch.abs(sample.unsqueeze(0) - torch.arange(in_size, dtype=scale.dtype, device=scale.device).unsqueeze(1))
    w = kernel(dist / kernel_scale)
    total = w.sum(dim=0, keepdim=True)
    w = torch.where(torch.abs(total) > 1000.0 * float(torch.finfo(torch.float32).eps),
                    w / torch.where(total != 0, total, torch.ones_like(total)), torch.zeros_like(w))
    inside = (sample >= -0.5) & (sample <= in_size - 0.5)
    return torch.where(inside.unsqueeze(0), w, torch.zeros_like(w))


@_export("scale_and_translate")
@keras_op("ScaleAndTranslate", module=_IMAGE)
def scale_and_translate(images, output_shape, scale, translation, spatial_dims, method, antialias=True):
    """Resample `images` to `output_shape` along `spatial_dims` with the given scale and translation.

    `method`: `'linear'`, `'cubic'` (Keys, a = -0.5), `'lanczos3'` or `'lanczos5'`; with `antialias` the
    kernel widens when downsampling.
    """
    if method not in _SCALE_KERNELS:
        raise ValueError(
            f"Invalid value for argument `method`. Expected of one {set(_SCALE_KERNELS)}. Received: method={method}"
        )
    x = _t(images)
    scale, translation = tensor_like(scale, x), tensor_like(translation, x)
    dtype = to_torch_dtype(result_type(scale.dtype, translation.dtype))
    scale, translation = scale.to(dtype), translation.to(dtype)
    rounding = not x.is_floating_point()
    out = x.to(torch.float32) if rounding else x
    for i, d in enumerate(spatial_dims):
        d = d % x.dim()
        w = _resample_weights(x.shape[d], int(output_shape[d]), scale[i], translation[i], _SCALE_KERNELS[method],
                              antialias).to(out.dtype)
        out = torch.movedim(torch.tensordot(out, w, dims=([d], [0])), -1, d)
    if rounding:
        out = torch.clamp(torch.round(out), x.min().to(out.dtype), x.max().to(out.dtype)).to(x.dtype)
    return out
