"""`keras.layers.RandomInvert`: invert images at random during training."""
import torch

from torchkeras.api_export import keras_export
from torchkeras.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import images_of
from torchkeras.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import \
    make_seed_generator
from torchkeras.layers.preprocessing.image_preprocessing.pixel_value_layer import PixelValueLayer


@keras_export("keras.layers.RandomInvert")
class RandomInvert(PixelValueLayer):
    """During training, replace each image `x` by `value_range[1] - x` with a probability drawn from
    `factor` (`1.0`: always). Outputs are floats. Identity at inference."""

    _USE_BASE_FACTOR = False
    _FACTOR_BOUNDS = (0, 1)

    def __init__(self, factor=1.0, value_range=(0, 255), seed=None, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self._set_factor(factor)
        self.value_range = value_range
        make_seed_generator(self, seed)

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        images = images_of(data)
        batch_size = self._batch_size(images)
        device = self._device(images)
        gen = self._torch_generator(seed, images)
        probability = self._uniform(gen, (batch_size,), self.factor[0], self.factor[1], device)
        threshold = self._uniform(gen, (batch_size,), 0.0, 1.0, device)
        return {"apply_inversion": threshold < probability}

    def transform_images(self, images, transformation, training=True):
        if not training:
            return images
        images = self._cast(images)
        apply = transformation["apply_inversion"].to(images.device).reshape(-1, 1, 1, 1)
        return torch.where(apply, self.value_range[1] - images, images)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({"factor": self.factor, "value_range": self.value_range, "seed": self.seed})
        return config
