"""`keras.visualization.plot_segmentation_mask_gallery`: each image beside its true and predicted masks."""
import functools

import numpy as np

from torchkeras import backend
from torchkeras.api_export import keras_export
from torchkeras.visualization import image_arrays
from torchkeras.visualization.draw_segmentation_masks import draw_segmentation_masks
from torchkeras.visualization.plot_image_gallery import plot_image_gallery


@keras_export("keras.visualization.plot_segmentation_mask_gallery")
def plot_segmentation_mask_gallery(images, num_classes, value_range=(0, 255), y_true=None, y_pred=None,
                                   color_mapping=None, blend=True, alpha=0.8, ignore_index=-1, data_format=None,
                                   **kwargs):
    """One row per image: the image, then its `y_true` and `y_pred` masks drawn with
    `draw_segmentation_masks`, shown with `plot_image_gallery` (extra keyword arguments go there)."""
    data_format = data_format or backend.image_data_format()
    images = image_arrays.to_numpy(images)
    image_arrays.check_batched(images)
    images = image_arrays.channels_last(images, data_format)
    draw = functools.partial(draw_segmentation_masks, num_classes=num_classes, color_mapping=color_mapping,
                             alpha=alpha, ignore_index=ignore_index, blend=blend, data_format="channels_last")
    drawn = []
    for masks in (y_true, y_pred):
        if masks is not None:
            masks = image_arrays.to_numpy(masks)
            if masks.ndim == 4:
                masks = image_arrays.channels_last(masks, data_format)
            drawn.append(draw(images, masks.astype("int32")))
    gallery = []
    for i in range(images.shape[0]):
        gallery.append(images[i])
        gallery.extend(d[i] for d in drawn)
    return plot_image_gallery(np.stack(gallery, axis=0), value_range=value_range, rows=images.shape[0],
                              cols=1 + len(drawn), data_format="channels_last", **kwargs)
