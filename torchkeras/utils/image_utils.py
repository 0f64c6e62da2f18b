"""Image files <-> arrays: `load_img`, `img_to_array`, `array_to_img`, `save_img`, `smart_resize`.

File reading and writing use Pillow (`pip install pillow`); the array functions work without it.
"""
import io
import pathlib
import warnings

import numpy as np
import torch

from torchkeras.api_export import keras_export
from torchkeras.backend import config

try:
    from PIL import Image as pil_image
except ImportError:  # pragma: no cover - exercised only without Pillow
    pil_image = None


def _resampling():
    methods = getattr(pil_image, "Resampling", pil_image)
    return {"nearest": methods.NEAREST, "bilinear": methods.BILINEAR, "bicubic": methods.BICUBIC,
            "hamming": methods.HAMMING, "box": methods.BOX, "lanczos": methods.LANCZOS}


def _require_pil(what):
    if pil_image is None:
        raise ImportError(
            f"Could not import PIL.Image. The use of `{what}` requires PIL: install it with `pip install pillow`.")


@keras_export("keras.utils.array_to_img", "keras.preprocessing.image.array_to_img")
def array_to_img(x, data_format=None, scale=True, dtype=None):
    """A PIL image from a rank-3 array (`(height, width, channels)` for channels_last).

    With `scale=True` the values are shifted and scaled to 0-255. 1 channel gives a grayscale image ("L",
    or "I" when values exceed 255), 3 an RGB image, 4 an RGBA image.
    """
    data_format = config.standardize_data_format(data_format)
    dtype = dtype or config.floatx()
    _require_pil("array_to_img")
    if isinstance(x, torch.Tensor):
        x = x.detach().cpu().numpy()
    x = np.asarray(x, dtype=dtype)
    if x.ndim != 3:
        raise ValueError(f"Expected image array to have rank 3 (single image). Got array with shape: {x.shape}")
    if data_format == "channels_first":
        x = x.transpose(1, 2, 0)
    if scale:
        x = x - np.min(x)
        x_max = np.max(x)
        if x_max != 0:
            x /= x_max
        x *= 255
    channels = x.shape[2]
    if channels == 4:
        return pil_image.fromarray(x.astype("uint8"), "RGBA")
    if channels == 3:
        return pil_image.fromarray(x.astype("uint8"), "RGB")
    if channels == 1:
        if np.max(x) > 255:
            return pil_image.fromarray(x[:, :, 0].astype("int32"), "I")
        return pil_image.fromarray(x[:, :, 0].astype("uint8"), "L")
    raise ValueError(f"Unsupported channel number: {channels}")


@keras_export("keras.utils.img_to_array", "keras.preprocessing.image.img_to_array")
def img_to_array(img, data_format=None, dtype=None):
    """A NumPy array (`floatx` by default) from a PIL image: `(height, width, channels)` for channels_last."""
    data_format = config.standardize_data_format(data_format)
    x = np.asarray(img, dtype=dtype or config.floatx())
    if x.ndim == 3:
        if data_format == "channels_first":
            x = x.transpose(2, 0, 1)
    elif x.ndim == 2:
        x = x.reshape((1,) + x.shape if data_format == "channels_first" else x.shape + (1,))
    else:
        raise ValueError(f"Unsupported image shape: {x.shape}")
    return x


@keras_export("keras.utils.save_img", "keras.preprocessing.image.save_img")
def save_img(path, x, data_format=None, file_format=None, scale=True, **kwargs):
    """Save an image array to `path`; the format comes from the extension unless `file_format` is given."""
    data_format = config.standardize_data_format(data_format)
    if file_format is None and isinstance(path, (str, pathlib.Path)):
        file_format = pathlib.Path(path).suffix[1:].lower()
    if file_format and file_format.lower() == "jpg":
        file_format = "jpeg"
    img = array_to_img(x, data_format=data_format, scale=scale)
    if img.mode == "RGBA" and file_format == "jpeg":
        warnings.warn("The JPEG format does not support RGBA images, converting to RGB.", stacklevel=2)
        img = img.convert("RGB")
    img.save(path, format=file_format, **kwargs)


def _crop_box(width, height, target_width, target_height):
    """The centered box `[left, top, right, bottom]` with the target aspect ratio."""
    crop_height = min(height, width * target_height // target_width)
    crop_width = min(width, height * target_width // target_height)
    top = (height - crop_height) // 2
    left = (width - crop_width) // 2
    return [left, top, left + crop_width, top + crop_height]


@keras_export("keras.utils.load_img", "keras.preprocessing.image.load_img")
def load_img(path, color_mode="rgb", target_size=None, interpolation="nearest", keep_aspect_ratio=False):
    """Load an image file into a PIL image.

    `color_mode`: `"rgb"`, `"rgba"` or `"grayscale"`. `target_size=(height, width)` resizes with
    `interpolation` (`"nearest"`, `"bilinear"`, `"bicubic"`, `"hamming"`, `"box"`, `"lanczos"`);
    `keep_aspect_ratio=True` first crops the centered region with the target aspect ratio.
    """
    _require_pil("load_img")
    if isinstance(path, io.BytesIO):
        img = pil_image.open(path)
    elif isinstance(path, (pathlib.Path, bytes, str)):
        if isinstance(path, pathlib.Path):
            path = str(path.resolve())
        with open(path, "rb") as f:
            img = pil_image.open(io.BytesIO(f.read()))
    else:
        raise TypeError(f"path should be path-like or io.BytesIO, not {type(path)}")
    if color_mode == "grayscale":
        if img.mode not in ("L", "I;16", "I"):
            img = img.convert("L")
    elif color_mode == "rgba":
        if img.mode != "RGBA":
            img = img.convert("RGBA")
    elif color_mode == "rgb":
        if img.mode != "RGB":
            img = img.convert("RGB")
    else:
        raise ValueError('color_mode must be "grayscale", "rgb", or "rgba"')
    if target_size is not None:
        size = (target_size[1], target_size[0])
        if img.size != size:
            methods = _resampling()
            if interpolation not in methods:
                raise ValueError(
                    f"Invalid interpolation method {interpolation} specified. Supported methods are "
                    f"{', '.join(methods)}")
            if keep_aspect_ratio:
                img = img.resize(size, methods[interpolation], box=_crop_box(img.size[0], img.size[1], *size))
            else:
                img = img.resize(size, methods[interpolation])
    return img


@keras_export("keras.preprocessing.image.smart_resize")
def smart_resize(x, size, interpolation="bilinear", data_format="channels_last"):
    """Resize images to `size=(height, width)` without distorting them: crop the largest centered window
    with the target aspect ratio, then resize it. Works on one image or a batch, NumPy or torch; a NumPy
    input gives a NumPy output."""
    from torchkeras.ops.image import resize

    if len(size) != 2:
        raise ValueError(f"Expected `size` to be a tuple of 2 integers, but got: {size}.")
    img = x if isinstance(x, torch.Tensor) else torch.as_tensor(np.asarray(x))
    if img.dim() not in (3, 4):
        raise ValueError(
            "Expected an image array with shape `(height, width, channels)`, or `(batch_size, height, width, "
            f"channels)`, but got input with incorrect rank, of shape {tuple(img.shape)}.")
    channels_last = data_format == "channels_last"
    height, width = (img.shape[-3], img.shape[-2]) if channels_last else (img.shape[-2], img.shape[-1])
    target_height, target_width = size
    crop_height = max(min(height, int(float(width * target_height) / target_width)), 1)
    crop_width = max(min(width, int(float(height * target_width) / target_height)), 1)
    top = int(float(height - crop_height) / 2)
    left = int(float(width - crop_width) / 2)
    if channels_last:
        img = img[..., top:top + crop_height, left:left + crop_width, :]
    else:
        img = img[..., top:top + crop_height, left:left + crop_width]
    img = resize(img, size=size, interpolation=interpolation, data_format=data_format)
    if isinstance(x, np.ndarray):
        return img.cpu().numpy()
    return img
