"""`keras.layers.MixUp`: blend each image (and label) with another image of the batch during training."""
import torch

from torchkeras.api_export import keras_export
from torchkeras.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import \
    BaseImagePreprocessingLayer
from torchkeras.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import images_of
from torchkeras.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import \
    make_seed_generator
from torchkeras.layers.preprocessing.image_preprocessing.random_draws import beta
from torchkeras.layers.preprocessing.tensor_inputs import to_tensor


def _take(values, permutation):
    return values.index_select(0, permutation.to(values.device, torch.int64))


@keras_export("keras.layers.MixUp")
class MixUp(BaseImagePreprocessingLayer):
    """During training, replace each image `x_i` by `w x_i + (1 - w) x_j` and its label likewise, where `j`
    is a random permutation of the batch and `w ~ Beta(alpha, alpha)` per image. Bounding boxes of both
    images are kept; segmentation masks are blended. Labels should be one-hot (floats). Identity at
    inference."""

    def __init__(self, alpha=0.2, data_format=None, seed=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.alpha = alpha
        make_seed_generator(self, seed)

    def get_random_transformation(self, data, training=True, seed=None):
        images = images_of(data)
        batch_size = self._batch_size(images)
        device = self._device(images)
        gen = self._torch_generator(seed, images)
        permutation = torch.randperm(batch_size, generator=gen, device=device)
        mix_weight = beta(gen, self.alpha, self.alpha, (batch_size,), device)
        return {"mix_weight": mix_weight, "permutation_order": permutation}

    def transform_images(self, images, transformation=None, training=True):
        if not training:
            return images
        images = self._cast(images)
        weight = self._cast(transformation["mix_weight"]).to(images.device).reshape(-1, 1, 1, 1)
        partners = _take(images, transformation["permutation_order"])
        return weight * images + (1.0 - weight) * partners

    def transform_labels(self, labels, transformation, training=True):
        labels = to_tensor(labels)
        if not training:
            return labels
        weight = transformation["mix_weight"].to(labels.device).reshape(-1, 1)
        partners = _take(labels, transformation["permutation_order"])
        return weight * labels + (1.0 - weight) * partners

    def transform_bounding_boxes(self, bounding_boxes, transformation, training=True):
        if not training:
            return bounding_boxes
        permutation = transformation["permutation_order"]
        boxes, labels = bounding_boxes["boxes"], bounding_boxes["labels"]
        return {"boxes": torch.cat([boxes, _take(boxes, permutation)], dim=1),
                "labels": torch.cat([labels, _take(labels, permutation)], dim=1)}

    def transform_segmentation_masks(self, segmentation_masks, transformation, training=True):
        if not training:
            return segmentation_masks
        weight = transformation["mix_weight"].to(segmentation_masks.device).reshape(-1, 1, 1, 1)
        partners = _take(segmentation_masks, transformation["permutation_order"])
        return weight * segmentation_masks + (1.0 - weight) * partners

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({"alpha": self.alpha, "seed": self.seed})
        return config
