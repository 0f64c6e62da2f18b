"""`keras.layers.CutMix`: paste a random patch of another image of the batch into each image during
training, mixing the labels by area."""
import torch

from torchkeras.api_export import keras_export
from torchkeras.backend.dtypes import to_torch_dtype
from torchkeras.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import \
    BaseImagePreprocessingLayer
from torchkeras.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import images_of
from torchkeras.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import \
    make_seed_generator
from torchkeras.layers.preprocessing.image_preprocessing.mix_up import _take
from torchkeras.layers.preprocessing.image_preprocessing.random_draws import beta
from torchkeras.layers.preprocessing.image_preprocessing.random_erasing import box_masks
from torchkeras.layers.preprocessing.tensor_inputs import to_tensor


@keras_export("keras.layers.CutMix")
class CutMix(BaseImagePreprocessingLayer):
    """During training (on batches), cut a rectangle from a random partner image (a permutation of the batch)
    into each image; its side fractions are `sqrt(1 - w)`, `w ~ Beta(a, a)` with `a` drawn from `factor`.
    Labels are mixed by the pasted area. Bounding boxes are not supported (as in Keras)."""

    _USE_BASE_FACTOR = False
    _FACTOR_BOUNDS = (0, 1)

    def __init__(self, factor=1.0, seed=None, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self._set_factor(factor)
        make_seed_generator(self, seed)
        self.height_axis, self.width_axis, self.channel_axis = self._spatial_axes(4)

    def _compute_crop_bounds(self, generator, batch_size, image_length, crop_ratio, device):
        crop_length = (crop_ratio * image_length).to(to_torch_dtype(self.compute_dtype))
        start = self._uniform(generator, (batch_size,), 0.0, 1.0, device, crop_length.dtype) * \
            (image_length - crop_length)
        return start, start + crop_length

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        images = images_of(data)
        shape = tuple(images.shape)
        if len(shape) == 3:
            return None
        batch_size = shape[0]
        height, width = shape[self.height_axis], shape[self.width_axis]
        device = self._device(images)
        dtype = to_torch_dtype(self.compute_dtype)
        gen = self._torch_generator(seed, images)
        alpha = float(self._uniform(gen, (), self.factor[0], self.factor[1], device, dtype)) + 1e-6
        ratio = torch.sqrt(1.0 - beta(gen, alpha, alpha, (batch_size,), device, dtype))
        x0, x1 = self._compute_crop_bounds(gen, batch_size, width, ratio, device)
        y0, y1 = self._compute_crop_bounds(gen, batch_size, height, ratio, device)
        masks = box_masks(self, shape, x0, x1, y0, y1, dtype)
        mix_weight = 1.0 - (x1 - x0) * (y1 - y0) / (width * height)
        permutation = torch.randperm(batch_size, generator=gen, device=device).to(torch.int32)
        return {"permutation_order": permutation, "batch_masks": masks, "mix_weight": mix_weight}

    def transform_images(self, images, transformation=None, training=True):
        if training and transformation is not None:
            images = self._cast(images)
            masks = transformation["batch_masks"].to(images.device)
            images = torch.where(masks, _take(images, transformation["permutation_order"]), images)
        return self._cast(images)

    def transform_labels(self, labels, transformation, training=True):
        labels = to_tensor(labels)
        if training and transformation is not None:
            weight = transformation["mix_weight"].to(labels.device).reshape(-1, 1)
            labels = weight * labels + (1.0 - weight) * _take(labels, transformation["permutation_order"])
        return labels

    def transform_bounding_boxes(self, bounding_boxes, transformation, training=True):
        raise NotImplementedError(
            "CutMix does not support bounding boxes (as in Keras): pass `images`, `labels` and "
            "`segmentation_masks` only.")

    def transform_segmentation_masks(self, segmentation_masks, transformation, training=True):
        return self.transform_images(segmentation_masks, transformation, training)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({"factor": self.factor, "seed": self.seed})
        return config
