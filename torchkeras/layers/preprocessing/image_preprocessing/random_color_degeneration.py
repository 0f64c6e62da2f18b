"""`keras.layers.RandomColorDegeneration`: blend images with their grayscale versions during training."""
import torch

from torchkeras.api_export import keras_export
from torchkeras.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import \
    checked_value_range
from torchkeras.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import images_of
from torchkeras.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import \
    make_seed_generator
from torchkeras.layers.preprocessing.image_preprocessing.pixel_value_layer import PixelValueLayer


@keras_export("keras.layers.RandomColorDegeneration")
class RandomColorDegeneration(PixelValueLayer):
    """Move each image towards its grayscale version by a fraction `f` drawn from `factor` during training
    (`f = 1`: grayscale), clipped to `value_range`. RGB inputs; outputs are floats. Identity at inference."""

    def __init__(self, factor, value_range=(0, 255), data_format=None, seed=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self._set_factor(factor)
        self.value_range = checked_value_range(value_range)
        make_seed_generator(self, seed)

    def get_random_transformation(self, data, training=True, seed=None):
        images = images_of(data)
        batch_size = self._batch_size(images)
        gen = self._torch_generator(seed, images)
        factor = self._uniform(gen, (batch_size, 1, 1, 1), self.factor[0], self.factor[1], self._device(images))
        return {"factor": factor}

    def transform_images(self, images, transformation=None, training=True):
        if not training:
            return images
        from torchkeras.ops.image import rgb_to_grayscale

        images = self._cast(images)
        factor = self._cast(transformation["factor"]).to(images.device)
        degenerates = rgb_to_grayscale(images, data_format=self.data_format)
        images = images + factor * (degenerates - images)
        return self._cast(torch.clamp(images, self.value_range[0], self.value_range[1]))

    def get_config(self):
        config = super().get_config()
        config.update({"factor": self.factor, "value_range": self.value_range, "seed": self.seed})
        return config

    def compute_output_shape(self, input_shape):
        if len(input_shape) not in (3, 4):
            raise ValueError(
                "Invalid images rank: expected rank 3 (single image) or rank 4 (batch of images). "
                f"Received: input_shape={input_shape}")
        channels = input_shape[-1 if self.data_format == "channels_last" else -3]
        if channels is not None and channels != 3:
            raise ValueError(f"Input images must have 3 channels, but received images with {channels} channels.")
        return input_shape
