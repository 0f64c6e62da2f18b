"""Keras 2's NumPy image transforms (`keras.preprocessing.image.apply_affine_transform`, `random_rotation`, ...).

They act on one image, a rank-3 array, and return a new array. The geometric ones build Keras's 3x3
transform (rotation, then shift, shear and zoom, about the image centre) and resample with
`scipy.ndimage.affine_transform`'s semantics (see `torchkeras.utils.affine_sampling`). Random variants draw
from NumPy's global random state, as in Keras 2 (seed it with `np.random.seed`). Keras 3 keeps these only as
legacy utilities; its preprocessing layers (`RandomRotation`, ...) are the modern spelling.
"""
import numpy as np

from torchkeras.api_export import keras_export
from torchkeras.utils import image_utils
from torchkeras.utils.affine_sampling import affine_transform_planes


def _rng(rng):
    return np.random if rng is None else rng


def transform_matrix_offset_center(matrix, x, y):
    """`matrix` conjugated by a shift to the centre of an `x` by `y` image (so it acts about the centre)."""
    o_x, o_y = float(x) / 2 - 0.5, float(y) / 2 - 0.5
    to_center = np.array([[1, 0, o_x], [0, 1, o_y], [0, 0, 1]])
    from_center = np.array([[1, 0, -o_x], [0, 1, -o_y], [0, 0, 1]])
    return to_center @ matrix @ from_center


def _affine_matrix(theta, tx, ty, shear, zx, zy):
    """Keras 2's transform (in (row, col) coordinates): rotation, shift, shear, zoom, in that order; None
    when it is the identity."""
    parts = []
    if theta != 0:
        t = np.deg2rad(theta)
        parts.append(np.array([[np.cos(t), -np.sin(t), 0], [np.sin(t), np.cos(t), 0], [0, 0, 1]]))
    if tx != 0 or ty != 0:
        parts.append(np.array([[1, 0, tx], [0, 1, ty], [0, 0, 1]]))
    if shear != 0:
        s = np.deg2rad(shear)
        parts.append(np.array([[1, -np.sin(s), 0], [0, np.cos(s), 0], [0, 0, 1]]))
    if zx != 1 or zy != 1:
        parts.append(np.array([[zx, 0, 0], [0, zy, 0], [0, 0, 1]]))
    if not parts:
        return None
    matrix = parts[0]
    for part in parts[1:]:
        matrix = np.dot(matrix, part)
    return matrix


@keras_export("keras.preprocessing.image.apply_affine_transform",
              "keras._legacy.preprocessing.image.apply_affine_transform")
def apply_affine_transform(x, theta=0, tx=0, ty=0, shear=0, zx=1, zy=1, row_axis=1, col_axis=2, channel_axis=0,
                           fill_mode="nearest", cval=0.0, order=1):
    """Rotate (`theta` degrees), shift (`tx` rows, `ty` columns), shear (`shear` degrees) and zoom (`zx`, `zy`)
    the rank-3 image `x` about its centre.

    Output pixels whose source lies outside the image are filled by `fill_mode` (`"constant"` with `cval`,
    `"nearest"`, `"reflect"` or `"wrap"`); `order` is the interpolation order (0 nearest, 1 bilinear).
    """
    x = np.asarray(x)
    if len({row_axis, col_axis, channel_axis}) != 3 or not {row_axis, col_axis, channel_axis} <= {0, 1, 2}:
        raise ValueError(f"Invalid axis' indices: row_axis={row_axis}, col_axis={col_axis}, "
                         f"channel_axis={channel_axis}; they must be 0, 1 and 2 in some order.")
    if x.ndim != 3:
        raise ValueError("Input arrays must be multi-channel 2D images.")
    if channel_axis not in (0, 2):
        raise ValueError("Channels are allowed and the first and last dimensions.")
    matrix = _affine_matrix(theta, tx, ty, shear, zx, zy)
    if matrix is None:
        return x
    matrix = transform_matrix_offset_center(matrix, x.shape[row_axis], x.shape[col_axis])
    planes = np.moveaxis(x, channel_axis, 0)
    if col_axis > row_axis:
        # The matrix is written in (row, col) order; the channel-first planes are indexed (row, col) too once
        # both coordinates are swapped, as Keras 2 did before calling SciPy.
        matrix = matrix[[1, 0, 2]][:, [1, 0, 2]]
    out = affine_transform_planes(planes, matrix[:2, :2], matrix[:2, 2], order=order, mode=fill_mode, cval=cval)
    return np.moveaxis(out, 0, channel_axis)


@keras_export("keras.preprocessing.image.random_rotation",
              "keras._legacy.preprocessing.image.random_rotation")
def random_rotation(x, rg, row_axis=1, col_axis=2, channel_axis=0, fill_mode="nearest", cval=0.0,
                    interpolation_order=1, rng=None):
    """Rotate `x` by an angle drawn uniformly in `[-rg, rg]` degrees."""
    theta = _rng(rng).uniform(-rg, rg)
    return apply_affine_transform(x, theta=theta, row_axis=row_axis, col_axis=col_axis, channel_axis=channel_axis,
                                  fill_mode=fill_mode, cval=cval, order=interpolation_order)


@keras_export("keras.preprocessing.image.random_shift",
              "keras._legacy.preprocessing.image.random_shift")
def random_shift(x, wrg, hrg, row_axis=1, col_axis=2, channel_axis=0, fill_mode="nearest", cval=0.0,
                 interpolation_order=1, rng=None):
    """Shift `x` by fractions of its height (`[-hrg, hrg]`) and width (`[-wrg, wrg]`) drawn uniformly."""
    rng = _rng(rng)
    h, w = x.shape[row_axis], x.shape[col_axis]
    tx = rng.uniform(-hrg, hrg) * h
    ty = rng.uniform(-wrg, wrg) * w
    return apply_affine_transform(x, tx=tx, ty=ty, row_axis=row_axis, col_axis=col_axis, channel_axis=channel_axis,
                                  fill_mode=fill_mode, cval=cval, order=interpolation_order)


@keras_export("keras.preprocessing.image.random_shear",
              "keras._legacy.preprocessing.image.random_shear")
def random_shear(x, intensity, row_axis=1, col_axis=2, channel_axis=0, fill_mode="nearest", cval=0.0,
                 interpolation_order=1, rng=None):
    """Shear `x` by an angle drawn uniformly in `[-intensity, intensity]` degrees."""
    shear = _rng(rng).uniform(-intensity, intensity)
    return apply_affine_transform(x, shear=shear, row_axis=row_axis, col_axis=col_axis, channel_axis=channel_axis,
                                  fill_mode=fill_mode, cval=cval, order=interpolation_order)


@keras_export("keras.preprocessing.image.random_zoom",
              "keras._legacy.preprocessing.image.random_zoom")
def random_zoom(x, zoom_range, row_axis=1, col_axis=2, channel_axis=0, fill_mode="nearest", cval=0.0,
                interpolation_order=1, rng=None):
    """Zoom `x` by factors `(zx, zy)` drawn uniformly in `zoom_range = (lower, upper)` (below 1 enlarges)."""
    if len(zoom_range) != 2:
        raise ValueError(f"`zoom_range` should be a tuple or list of two floats. Received: {zoom_range}")
    if zoom_range[0] == 1 and zoom_range[1] == 1:
        zx, zy = 1, 1
    else:
        zx, zy = _rng(rng).uniform(zoom_range[0], zoom_range[1], 2)
    return apply_affine_transform(x, zx=zx, zy=zy, row_axis=row_axis, col_axis=col_axis, channel_axis=channel_axis,
                                  fill_mode=fill_mode, cval=cval, order=interpolation_order)


@keras_export("keras.preprocessing.image.apply_channel_shift",
              "keras._legacy.preprocessing.image.apply_channel_shift")
def apply_channel_shift(x, intensity, channel_axis=0):
    """Add `intensity` to every channel of `x`, clipped to the image's original value range."""
    x = np.asarray(x)
    low, high = np.min(x), np.max(x)
    return np.clip(x + intensity, low, high)


@keras_export("keras.preprocessing.image.random_channel_shift",
              "keras._legacy.preprocessing.image.random_channel_shift")
def random_channel_shift(x, intensity_range, channel_axis=0, rng=None):
    """`apply_channel_shift` with an intensity drawn uniformly in `[-intensity_range, intensity_range]`."""
    intensity = _rng(rng).uniform(-intensity_range, intensity_range)
    return apply_channel_shift(x, intensity, channel_axis=channel_axis)


@keras_export("keras.preprocessing.image.apply_brightness_shift",
              "keras._legacy.preprocessing.image.apply_brightness_shift")
def apply_brightness_shift(x, brightness, scale=True):
    """Change the brightness of the channels_last image `x` by the factor `brightness` (Pillow's
    `ImageEnhance.Brightness`), on 0-255 values: with `scale=True` (or values outside 0-255) the image is first
    rescaled to 0-255; with `scale=False` such values are mapped back to their original range afterwards."""
    try:
        from PIL import ImageEnhance
    except ImportError:
        raise ImportError("Using brightness shifts requires PIL. Install it with `pip install pillow`.") from None
    x = np.asarray(x)
    x_min, x_max = np.min(x), np.max(x)
    local_scale = (x_min < 0) or (x_max > 255)
    img = image_utils.array_to_img(x, scale=local_scale or scale)
    img = ImageEnhance.Brightness(img).enhance(brightness)
    out = image_utils.img_to_array(img)
    if not scale and local_scale:
        out = out / 255 * (x_max - x_min) + x_min
    return out


@keras_export("keras.preprocessing.image.random_brightness",
              "keras._legacy.preprocessing.image.random_brightness")
def random_brightness(x, brightness_range, scale=True, rng=None):
    """`apply_brightness_shift` with a factor drawn uniformly in `brightness_range = (lower, upper)`."""
    if len(brightness_range) != 2:
        raise ValueError(f"`brightness_range should be tuple or list of two floats. Received: {brightness_range}")
    factor = _rng(rng).uniform(brightness_range[0], brightness_range[1])
    return apply_brightness_shift(x, factor, scale)


def flip_axis(x, axis):
    """`x` reversed along `axis`."""
    return np.flip(np.asarray(x), axis=axis)
