"""`keras.layers.CenterCrop`: crop the central part of images."""
import torch

from torchkeras.api_export import keras_export
from torchkeras.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import \
    BaseImagePreprocessingLayer
from torchkeras.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import images_of
from torchkeras.utils.bounding_boxes.converters import clip_to_image_size
from torchkeras.utils.bounding_boxes.converters import convert_format


def clip_boxes_to_window(bounding_boxes, h_end, h_start, w_end, w_start):
    """`xyxy` boxes clipped to the window `[w_start, w_end] x [h_start, h_end]`, in its coordinates."""
    x1, y1, x2, y2 = torch.split(bounding_boxes["boxes"], 1, dim=-1)
    bounding_boxes["boxes"] = torch.cat([x1.clamp(w_start, w_end) - w_start, y1.clamp(h_start, h_end) - h_start,
                                         x2.clamp(w_start, w_end) - w_start, y2.clamp(h_start, h_end) - h_start],
                                        dim=-1)
    return bounding_boxes


def aspect_crop_window(height, width, target_height, target_width):
    """(top, left, crop height, crop width) of the largest centered window with the target aspect ratio."""
    crop_height = max(min(height, int(float(width * target_height) / target_width)), 1)
    crop_width = max(min(width, int(float(height * target_width) / target_height)), 1)
    return int(float(height - crop_height) / 2), int(float(width - crop_width) / 2), crop_height, crop_width


@keras_export("keras.layers.CenterCrop", "keras.layers.experimental.preprocessing.CenterCrop")
class CenterCrop(BaseImagePreprocessingLayer):
    """Crop the central `(height, width)` window of each image. An image smaller than the target is first
    cropped to the target aspect ratio and resized (`smart_resize`). Outputs are in the compute dtype."""

    _USE_BASE_FACTOR = False

    def __init__(self, height, width, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.height = height
        self.width = width

    def get_random_transformation(self, data, training=True, seed=None):
        return {"input_shape": tuple(images_of(data).shape)}

    def transform_labels(self, labels, transformation, training=True):
        return labels

    def transform_bounding_boxes(self, bounding_boxes, transformation, training=True):
        init_height, init_width = self._height_width(transformation["input_shape"])
        bounding_boxes = convert_format(bounding_boxes, source=self.bounding_box_format, target="xyxy",
                                        height=init_height, width=init_width)
        h_diff, w_diff = init_height - self.height, init_width - self.width
        if h_diff >= 0 and w_diff >= 0:
            h_start, w_start = int(h_diff / 2), int(w_diff / 2)
            bounding_boxes = clip_boxes_to_window(bounding_boxes, h_start + self.height, h_start,
                                                  w_start + self.width, w_start)
        else:
            h_start, w_start, crop_height, crop_width = aspect_crop_window(init_height, init_width, self.height,
                                                                           self.width)
            bounding_boxes = clip_boxes_to_window(bounding_boxes, h_start + crop_height, h_start,
                                                  w_start + crop_width, w_start)
            bounding_boxes = convert_format(bounding_boxes, source="xyxy", target="rel_xyxy", height=crop_height,
                                            width=crop_width)
            bounding_boxes = convert_format(bounding_boxes, source="rel_xyxy", target="xyxy", height=self.height,
                                            width=self.width)
        bounding_boxes = clip_to_image_size(bounding_boxes, height=self.height, width=self.width,
                                            bounding_box_format="xyxy")
        return convert_format(bounding_boxes, source="xyxy", target=self.bounding_box_format, height=self.height,
                              width=self.width)

    def transform_segmentation_masks(self, segmentation_masks, transformation, training=True):
        return self.transform_images(segmentation_masks, transformation, training=training)

    def transform_images(self, images, transformation=None, training=True):
        from torchkeras.utils.image_utils import smart_resize

        images = self._cast(images)
        height_axis, width_axis, _ = self._spatial_axes(images.dim())
        h_diff = images.shape[height_axis] - self.height
        w_diff = images.shape[width_axis] - self.width
        if h_diff >= 0 and w_diff >= 0:
            return images.narrow(height_axis, h_diff // 2, self.height).narrow(width_axis, w_diff // 2, self.width)
        return smart_resize(images, [self.height, self.width], data_format=self.data_format)

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        if len(shape) not in (3, 4) or isinstance(shape[0], (list, tuple)):
            raise ValueError(
                "`input_shape` must be a non-nested tuple or list of rank-1 with size 3 (unbatched) or 4 "
                "(batched). ")
        height_axis, width_axis, _ = self._spatial_axes(len(shape))
        shape[height_axis], shape[width_axis] = self.height, self.width
        return tuple(shape)

    def get_config(self):
        config = super().get_config()
        config.update({"height": self.height, "width": self.width, "data_format": self.data_format})
        return config
