"""`keras.layers.RandomGrayscale`: turn images to grayscale at random during training."""
import torch

from torchkeras.api_export import keras_export
from torchkeras.backend.keras_tensor import KerasTensor
from torchkeras.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import \
    BaseImagePreprocessingLayer
from torchkeras.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import images_of
from torchkeras.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import \
    make_seed_generator
from torchkeras.layers.preprocessing.tensor_inputs import to_tensor


@keras_export("keras.layers.RandomGrayscale")
class RandomGrayscale(BaseImagePreprocessingLayer):
    """During training, replace each image by its grayscale version (repeated over the channels) with
    probability `factor`. Outputs keep the input dtype. Identity at inference."""

    def __init__(self, factor=0.5, data_format=None, seed=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        if factor < 0 or factor > 1:
            raise ValueError(f"`factor` should be between 0 and 1. Received: factor={factor}")
        self.factor = factor
        make_seed_generator(self, seed)

    def get_random_transformation(self, images, training=True, seed=None):
        images = images_of(images)
        batch_size = self._batch_size(images)
        gen = self._torch_generator(seed, images)
        draws = self._uniform(gen, (batch_size,), 0.0, 1.0, self._device(images))
        return (draws < self.factor).reshape(batch_size, 1, 1, 1)

    def transform_images(self, images, transformation, training=True):
        images = to_tensor(images)
        if not training:
            return images
        from torchkeras.ops.image import rgb_to_grayscale

        should_apply = transformation if transformation is not None else self.get_random_transformation(images)
        gray = rgb_to_grayscale(images, data_format=self.data_format)
        return torch.where(should_apply.to(images.device), gray, images)

    def compute_output_shape(self, input_shape):
        return input_shape

    def compute_output_spec(self, inputs, **kwargs):
        return KerasTensor(inputs.shape, dtype=inputs.dtype)

    def transform_bounding_boxes(self, bounding_boxes, transformation=None, training=True):
        return bounding_boxes

    def transform_labels(self, labels, transformation=None, training=True):
        return labels

    def transform_segmentation_masks(self, segmentation_masks, transformation=None, training=True):
        return segmentation_masks

    def get_config(self):
        config = super().get_config()
        config.update({"factor": self.factor})
        return config
