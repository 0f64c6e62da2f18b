"""`keras.layers.MaxNumBoundingBoxes`: pad or cut the bounding boxes of a batch to a fixed number."""
import torch.nn.functional as F

from torchkeras.api_export import keras_export
from torchkeras.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import \
    BaseImagePreprocessingLayer


@keras_export("keras.layers.MaxNumBoundingBoxes")
class MaxNumBoundingBoxes(BaseImagePreprocessingLayer):
    """Give `bounding_boxes["boxes"]` shape `(batch, max_number, 4)` and `["labels"]` `(batch, max_number)`:
    extra boxes are dropped, missing ones are filled with `fill_value`. Images pass through unchanged."""

    def __init__(self, max_number, fill_value=-1, **kwargs):
        super().__init__(**kwargs)
        self.max_number = int(max_number)
        self.fill_value = int(fill_value)

    def transform_images(self, images, transformation=None, training=True):
        return images

    def transform_labels(self, labels, transformation=None, training=True):
        return labels

    def transform_bounding_boxes(self, bounding_boxes, transformation, training=True):
        boxes, labels = bounding_boxes["boxes"], bounding_boxes["labels"]
        pad = max(self.max_number - boxes.shape[1], 0)
        boxes = F.pad(boxes[:, :self.max_number], (0, 0, 0, pad), value=self.fill_value)
        labels = F.pad(labels[:, :self.max_number], (0, pad), value=self.fill_value)
        result = dict(bounding_boxes)
        result["boxes"] = boxes.reshape(boxes.shape[0], self.max_number, 4)
        result["labels"] = labels.reshape(labels.shape[0], self.max_number)
        return result

    def transform_segmentation_masks(self, segmentation_masks, transformation=None, training=True):
        return self.transform_images(segmentation_masks)

    def compute_output_shape(self, input_shape):
        if isinstance(input_shape, dict) and "bounding_boxes" in input_shape:
            input_shape = dict(input_shape)
            boxes_spec = dict(input_shape["bounding_boxes"])
            extra_keys = set(boxes_spec) - {"boxes", "labels"}
            if extra_keys:
                raise KeyError(
                    f"There are unsupported keys in `bounding_boxes`: {list(extra_keys)}. Only `boxes` and `labels` "
                    "are supported.")
            boxes_shape, labels_shape = list(boxes_spec["boxes"]), list(boxes_spec["labels"])
            boxes_shape[1] = self.max_number
            labels_shape[1] = self.max_number
            boxes_spec["boxes"], boxes_spec["labels"] = tuple(boxes_shape), tuple(labels_shape)
            input_shape["bounding_boxes"] = boxes_spec
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({"max_number": self.max_number})
        return config


