"""The base of the augmentation layers that change pixel values only (brightness, contrast, colors, blur, noise,
erasing): labels, segmentation masks and bounding boxes pass through unchanged."""
from torchkeras.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import \
    BaseImagePreprocessingLayer


class PixelValueLayer(BaseImagePreprocessingLayer):
    """An image preprocessing layer whose transformation leaves the geometry alone."""

    def transform_labels(self, labels, transformation, training=True):
        return labels

    def transform_segmentation_masks(self, segmentation_masks, transformation, training=True):
        return segmentation_masks

    def transform_bounding_boxes(self, bounding_boxes, transformation, training=True):
        return bounding_boxes
