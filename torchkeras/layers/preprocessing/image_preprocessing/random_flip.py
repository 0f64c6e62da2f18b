"""`keras.layers.RandomFlip`: randomly flip images horizontally and/or vertically during training."""
import torch

from torchkeras.api_export import keras_export
from torchkeras.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import \
    BaseImagePreprocessingLayer
from torchkeras.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import images_of
from torchkeras.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import \
    make_seed_generator
from torchkeras.utils.bounding_boxes.converters import clip_to_image_size
from torchkeras.utils.bounding_boxes.converters import convert_format

HORIZONTAL = "horizontal"
VERTICAL = "vertical"
HORIZONTAL_AND_VERTICAL = "horizontal_and_vertical"


@keras_export("keras.layers.RandomFlip", "keras.layers.experimental.preprocessing.RandomFlip")
class RandomFlip(BaseImagePreprocessingLayer):
    """Flip each image with probability 1/2 during training (`mode`: `"horizontal"`, `"vertical"` or
    `"horizontal_and_vertical"`, where one draw decides both flips). Identity at inference; outputs are
    floats (the compute dtype). Bounding boxes and segmentation masks follow their images."""

    _USE_BASE_FACTOR = False

    def __init__(self, mode=HORIZONTAL_AND_VERTICAL, seed=None, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        if mode not in (HORIZONTAL, VERTICAL, HORIZONTAL_AND_VERTICAL):
            raise ValueError(
                f"RandomFlip layer {self.name} received an unknown mode argument {mode}. Expected one of "
                f"'{HORIZONTAL}', '{VERTICAL}' or '{HORIZONTAL_AND_VERTICAL}'.")
        make_seed_generator(self, seed)
        self.mode = mode

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        images = images_of(data)
        shape = tuple(images.shape)
        flips_shape = (1, 1, 1) if len(shape) == 3 else (shape[0], 1, 1, 1)
        gen = self._torch_generator(seed, images)
        flips = self._uniform(gen, flips_shape, 0.0, 1.0, self._device(images)) <= 0.5
        return {"flips": flips, "input_shape": shape}

    def transform_images(self, images, transformation, training=True):
        images = self._cast(images)
        if training:
            return self._flip_inputs(images, transformation)
        return images

    def transform_labels(self, labels, transformation, training=True):
        return labels

    def transform_bounding_boxes(self, bounding_boxes, transformation, training=True):
        if not training:
            return bounding_boxes
        flips = transformation["flips"].squeeze(-1)
        height, width = self._height_width(transformation["input_shape"])
        bounding_boxes = convert_format(bounding_boxes, source=self.bounding_box_format, target="rel_xyxy",
                                        height=height, width=width)
        boxes = bounding_boxes["boxes"]
        flips = flips.to(boxes.device)
        if self.mode in (HORIZONTAL, HORIZONTAL_AND_VERTICAL):
            x1, y1, x2, y2 = torch.split(boxes, 1, dim=-1)
            boxes = torch.where(flips, torch.cat([1 - x2, y1, 1 - x1, y2], dim=-1), boxes)
        if self.mode in (VERTICAL, HORIZONTAL_AND_VERTICAL):
            x1, y1, x2, y2 = torch.split(boxes, 1, dim=-1)
            boxes = torch.where(flips, torch.cat([x1, 1 - y2, x2, 1 - y1], dim=-1), boxes)
        bounding_boxes["boxes"] = boxes
        bounding_boxes = clip_to_image_size(bounding_boxes, height=height, width=width,
                                            bounding_box_format="xyxy")
        return convert_format(bounding_boxes, source="rel_xyxy", target=self.bounding_box_format, height=height,
                              width=width)

    def transform_segmentation_masks(self, segmentation_masks, transformation, training=True):
        return self.transform_images(segmentation_masks, transformation, training=training)

    def _flip_inputs(self, inputs, transformation):
        if transformation is None:
            return inputs
        flips = transformation["flips"].to(inputs.device)
        unbatched = inputs.dim() == 3
        if unbatched:
            inputs = inputs.unsqueeze(0)
        if self.data_format == "channels_last":
            horizontal_axis, vertical_axis = -2, -3
        else:
            horizontal_axis, vertical_axis = -1, -2
        outputs = inputs
        if self.mode in (HORIZONTAL, HORIZONTAL_AND_VERTICAL):
            outputs = torch.where(flips, torch.flip(outputs, dims=(horizontal_axis,)), outputs)
        if self.mode in (VERTICAL, HORIZONTAL_AND_VERTICAL):
            outputs = torch.where(flips, torch.flip(outputs, dims=(vertical_axis,)), outputs)
        return outputs.squeeze(0) if unbatched else outputs

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({"seed": self.seed, "mode": self.mode, "data_format": self.data_format})
        return config
