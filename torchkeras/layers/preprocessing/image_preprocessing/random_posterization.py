"""`keras.layers.RandomPosterization`: reduce the bits per color channel during training."""
import torch

from torchkeras.api_export import keras_export
from torchkeras.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import \
    checked_value_range
from torchkeras.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import images_of
from torchkeras.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import \
    make_seed_generator
from torchkeras.layers.preprocessing.image_preprocessing.pixel_value_layer import PixelValueLayer


@keras_export("keras.layers.RandomPosterization")
class RandomPosterization(PixelValueLayer):
    """During training, keep only the `b` most significant bits of each 8-bit channel value (images in
    `value_range` are mapped to [0, 255] first), `b` an integer drawn from `[factor[0], factor[1])` (`factor`
    a number in [1, 8] means `[1, factor)`; equal bounds give exactly that many bits). Outputs are floats."""

    _USE_BASE_FACTOR = False
    _FACTOR_BOUNDS = (1, 8)
    _MAX_FACTOR = 8

    def __init__(self, factor, value_range=(0, 255), data_format=None, seed=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self._set_factor(factor)
        self.value_range = checked_value_range(value_range)
        make_seed_generator(self, seed)

    def get_random_transformation(self, data, training=True, seed=None):
        images = images_of(data)
        batch_size = self._batch_size(images)
        device = self._device(images)
        if self.factor[0] != self.factor[1]:
            gen = self._torch_generator(seed, images)
            factor = torch.randint(int(self.factor[0]), int(self.factor[1]), (batch_size,), generator=gen,
                                   device=device, dtype=torch.uint8)
        else:
            factor = torch.full((batch_size,), int(self.factor[0]), dtype=torch.uint8, device=device)
        return {"shift_factor": self._MAX_FACTOR - factor}

    def transform_images(self, images, transformation=None, training=True):
        if not training:
            return images
        shift = transformation["shift_factor"].to(images.device, torch.uint8).reshape(-1, 1, 1, 1)
        images = self._transform_value_range(images, self.value_range, (0, 255), dtype=self.compute_dtype)
        images = self._cast(images).to(torch.uint8)
        images = torch.bitwise_left_shift(torch.bitwise_right_shift(images, shift), shift)
        return self._transform_value_range(self._cast(images), (0, 255), self.value_range, dtype=self.compute_dtype)

    def get_config(self):
        config = super().get_config()
        config.update({"factor": self.factor, "value_range": self.value_range, "seed": self.seed})
        return config

    def compute_output_shape(self, input_shape):
        return input_shape
