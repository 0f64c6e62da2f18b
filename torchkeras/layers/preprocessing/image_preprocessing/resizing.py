"""`keras.layers.Resizing`: resize images to a fixed size."""
import torch

from torchkeras.api_export import keras_export
from torchkeras.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import \
    BaseImagePreprocessingLayer
from torchkeras.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import images_of
from torchkeras.utils.bounding_boxes.converters import clip_to_image_size
from torchkeras.utils.bounding_boxes.converters import convert_format


def saturate_cast(values, dtype):
    """`values` cast to `dtype`, clamped to its range first when it is an integer type."""
    if not dtype.is_floating_point and dtype != torch.bool:
        info = torch.iinfo(dtype)
        values = values.clamp(info.min, info.max)
    return values.to(dtype)


@keras_export("keras.layers.Resizing", "keras.layers.experimental.preprocessing.Resizing")
class Resizing(BaseImagePreprocessingLayer):
    """Resize images to `(height, width)`; `crop_to_aspect_ratio` crops the largest centered window with
    the target aspect ratio first, `pad_to_aspect_ratio` pads with `fill_value` instead. Integer images stay
    integer (rounded and saturated); floating images come out in the compute dtype. Bounding boxes and
    segmentation masks (nearest-neighbour) follow."""

    _USE_BASE_FACTOR = False

    def __init__(self, height, width, interpolation="bilinear", crop_to_aspect_ratio=False,
                 pad_to_aspect_ratio=False, fill_mode="constant", fill_value=0.0, antialias=False, data_format=None,
                 **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.height = height
        self.width = width
        self.interpolation = interpolation
        self.crop_to_aspect_ratio = crop_to_aspect_ratio
        self.pad_to_aspect_ratio = pad_to_aspect_ratio
        self.fill_mode = fill_mode
        self.fill_value = fill_value
        self.antialias = bool(antialias)
        self.height_axis, self.width_axis, _ = self._spatial_axes(4)

    def _transform_images(self, images, transformation, interpolation):
        from torchkeras.ops.image import resize

        if images.is_floating_point():
            images = self._cast(images)
        resized = resize(images, size=(self.height, self.width), interpolation=interpolation,
                         antialias=self.antialias, data_format=self.data_format,
                         crop_to_aspect_ratio=self.crop_to_aspect_ratio, pad_to_aspect_ratio=self.pad_to_aspect_ratio,
                         fill_mode=self.fill_mode, fill_value=self.fill_value)
        if resized.dtype == images.dtype:
            return resized
        if not images.is_floating_point():
            resized = torch.round(resized)
        return saturate_cast(resized, images.dtype)

    def transform_images(self, images, transformation=None, training=True):
        return self._transform_images(images, transformation, self.interpolation)

    def transform_segmentation_masks(self, segmentation_masks, transformation=None, training=True):
        return self._transform_images(segmentation_masks, transformation, "nearest")

    def transform_labels(self, labels, transformation=None, training=True):
        return labels

    def get_random_transformation(self, data, training=True, seed=None):
        shape = tuple(images_of(data).shape)
        return shape[self.height_axis], shape[self.width_axis]

    def transform_bounding_boxes(self, bounding_boxes, transformation, training=True):
        input_height, input_width = transformation
        boxes = bounding_boxes["boxes"]
        boxes_mask = torch.all(boxes == -1, dim=-1) | torch.all(boxes == 0, dim=-1)
        bounding_boxes = convert_format(bounding_boxes, source=self.bounding_box_format, target="xyxy",
                                        height=input_height, width=input_width)
        bounding_boxes["boxes"] = self._transform_xyxy(bounding_boxes["boxes"], float(input_height),
                                                       float(input_width))
        bounding_boxes = clip_to_image_size(bounding_boxes, height=self.height, width=self.width)
        boxes = bounding_boxes["boxes"]
        bounding_boxes["boxes"] = torch.where(boxes_mask.to(boxes.device).unsqueeze(-1), torch.zeros_like(boxes),
                                              boxes)
        return convert_format(bounding_boxes, source="xyxy", target=self.bounding_box_format, height=self.height,
                              width=self.width)

    def _transform_xyxy(self, boxes, input_height, input_width):
        if self.pad_to_aspect_ratio:
            scale = min(self.height / input_height, self.width / input_width)
            x_scale = y_scale = scale
            x_offset = (self.width - input_width * scale) // 2
            y_offset = (self.height - input_height * scale) // 2
        elif self.crop_to_aspect_ratio:
            source_ratio = input_width / input_height
            target_ratio = self.width / self.height
            new_width = self.height * source_ratio if source_ratio > target_ratio else float(self.width)
            new_height = float(self.height) if source_ratio > target_ratio else self.width / source_ratio
            x_scale, y_scale = new_width / input_width, new_height / input_height
            x_offset = -((new_width - self.width) // 2)
            y_offset = -((new_height - self.height) // 2)
        else:
            x_scale, y_scale = self.width / input_width, self.height / input_height
            x_offset = y_offset = 0.0
        x_scale, y_scale = (torch.tensor(v, dtype=boxes.dtype) for v in (x_scale, y_scale))
        return torch.stack([boxes[..., 0] * x_scale + x_offset, boxes[..., 1] * y_scale + y_offset,
                            boxes[..., 2] * x_scale + x_offset, boxes[..., 3] * y_scale + y_offset], dim=-1)

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        height_axis, width_axis, _ = self._spatial_axes(len(shape))
        shape[height_axis], shape[width_axis] = self.height, self.width
        return tuple(shape)

    def get_config(self):
        config = super().get_config()
        config.update({
            "height": self.height, "width": self.width, "interpolation": self.interpolation,
            "crop_to_aspect_ratio": self.crop_to_aspect_ratio, "pad_to_aspect_ratio": self.pad_to_aspect_ratio,
            "fill_mode": self.fill_mode, "fill_value": self.fill_value, "antialias": self.antialias,
            "data_format": self.data_format,
        })
        return config
