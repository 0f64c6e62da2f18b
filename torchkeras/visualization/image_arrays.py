"""Shared helpers of the plotting functions: tensors to NumPy, image layouts, value ranges, boxes to xyxy."""
import numpy as np

from torchkeras import backend


def to_numpy(x):
    """A NumPy array from an array, a tensor (any device) or a nested list."""
    if hasattr(x, "detach"):
        return x.detach().cpu().numpy()
    return np.asarray(x)


def check_batched(images):
    if images.ndim != 4:
        raise ValueError(f"`images` must be batched 4D tensor. Received: images.shape={tuple(images.shape)}")


def channels_last(images, data_format):
    """Images in (batch, height, width, channels) order."""
    data_format = data_format or backend.image_data_format()
    return images.transpose(0, 2, 3, 1) if data_format == "channels_first" else images


def restore_layout(images, data_format):
    """The inverse of `channels_last`."""
    data_format = data_format or backend.image_data_format()
    return images.transpose(0, 3, 1, 2) if data_format == "channels_first" else images


def transform_value_range(images, original_range, target_range):
    """Map values linearly from `original_range` to `target_range` (float32)."""
    if original_range[0] == target_range[0] and original_range[1] == target_range[1]:
        return images
    images = images.astype("float32")
    lo, hi = np.float32(original_range[0]), np.float32(original_range[1])
    target_lo, target_hi = np.float32(target_range[0]), np.float32(target_range[1])
    return (images - lo) / (hi - lo) * (target_hi - target_lo) + target_lo


def boxes_to_xyxy(boxes, bounding_box_format, height, width):
    """Boxes of shape (..., 4) in `bounding_box_format` as absolute `[left, top, right, bottom]` (NumPy)."""
    from torchkeras.utils.bounding_boxes import converters

    return to_numpy(converters.convert_format(to_numpy(boxes).astype("float32"), bounding_box_format, "xyxy",
                                              height=height, width=width))
