"""`keras.visualization.draw_segmentation_masks`: class masks painted (and blended) onto a batch of images."""
import numpy as np

from torchkeras import backend
from torchkeras.api_export import keras_export
from torchkeras.visualization import image_arrays


def _generate_color_palette(num_classes):
    palette = np.array([2**25 - 1, 2**15 - 1, 2**21 - 1])
    return [((i * palette) % 255).tolist() for i in range(num_classes)]


@keras_export("keras.visualization.draw_segmentation_masks")
def draw_segmentation_masks(images, segmentation_masks, num_classes=None, color_mapping=None, alpha=0.8, blend=True,
                            ignore_index=-1, data_format=None):
    """Overlay segmentation masks on a batch of images; returns a NumPy array in the images' layout.

    Args:
        images: 4D images (tensor or array).
        segmentation_masks: integer class masks `(batch, height, width)` or `(batch, height, width, 1)`.
        num_classes: classes `0 .. num_classes - 1` are painted (default: one more than the largest mask
            value, so that every class present is painted).
        color_mapping: `{class: (r, g, b)}` for every painted class (default: a generated palette).
        alpha: opacity of the masks when blending. blend: blend the colors with the images (uint8 result);
            if False, return the painted float32 images.
        ignore_index: mask value whose pixels keep the image's colors (when blending).
        data_format: `"channels_last"` or `"channels_first"` (default: `image_data_format()`).
    """
    data_format = data_format or backend.image_data_format()
    images = image_arrays.to_numpy(images)
    image_arrays.check_batched(images)
    masks = image_arrays.to_numpy(segmentation_masks)
    if not np.issubdtype(masks.dtype, np.integer):
        raise TypeError(
            f"`segmentation_masks` must be in integer dtype. Received: segmentation_masks.dtype={masks.dtype}")
    if masks.ndim == 3:
        masks = masks[:, None] if data_format == "channels_first" else masks[..., None]
    images = image_arrays.channels_last(images, data_format).astype("float32")
    masks = image_arrays.channels_last(masks, data_format)[..., 0]
    if num_classes is None:
        num_classes = int(masks.max()) + 1
    colors = _generate_color_palette(num_classes) if color_mapping is None else [
        color_mapping[i] for i in range(num_classes)]
    painted = images.copy()
    for class_id, color in enumerate(colors):
        painted[masks == class_id] = np.asarray(color, dtype="float32")
    if blend:
        mixed = images * (1 - alpha) + painted * alpha
        painted = np.where((masks != ignore_index)[..., None], mixed, images)
        painted = painted.astype("uint8")
    return image_arrays.restore_layout(painted, data_format)
