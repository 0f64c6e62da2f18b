"""`keras.layers.RandomHue`: shift the hue of each image by a random amount during training."""
import torch

from torchkeras.api_export import keras_export
from torchkeras.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import images_of
from torchkeras.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import \
    make_seed_generator
from torchkeras.layers.preprocessing.image_preprocessing.pixel_value_layer import PixelValueLayer


@keras_export("keras.layers.RandomHue")
class RandomHue(PixelValueLayer):
    """Rotate the hue of each image by `±f / 2` of the color wheel during training, `f` drawn from `factor`
    (a number in [0, 1] or a pair) and the sign at random. Images are in `value_range` (RGB); outputs are
    floats. Identity at inference."""

    _USE_BASE_FACTOR = True
    _FACTOR_BOUNDS = (0, 1)

    def __init__(self, factor, value_range=(0, 255), data_format=None, seed=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self._set_factor(factor)
        self.value_range = value_range
        make_seed_generator(self, seed)

    def get_random_transformation(self, data, training=True, seed=None):
        images = images_of(data)
        batch_size = self._batch_size(images)
        device = self._device(images)
        gen = self._torch_generator(seed, images)
        invert = self._uniform(gen, (batch_size,), 0.0, 1.0, device)
        invert = torch.where(invert > 0.5, -torch.ones_like(invert), torch.ones_like(invert))
        factor = self._uniform(gen, (batch_size,), self.factor[0], self.factor[1], device)
        return {"factor": invert * factor * 0.5}

    def transform_images(self, images, transformation=None, training=True):
        if not training:
            return images
        from torchkeras.ops.image import hsv_to_rgb
        from torchkeras.ops.image import rgb_to_hsv

        images = self._transform_value_range(self._cast(images), self.value_range, (0, 1))
        images = self._cast(images)
        shift = transformation["factor"].to(images.device, images.dtype).reshape(-1, 1, 1)
        hsv = rgb_to_hsv(images, data_format=self.data_format)
        channel_axis = 1 if self.data_format == "channels_first" else -1
        hue, saturation, value = hsv.unbind(dim=channel_axis)
        hue = hue + shift
        hue = torch.where(hue > 1.0, hue - 1.0, hue)
        hue = torch.where(hue < 0.0, hue + 1.0, hue)
        images = hsv_to_rgb(torch.stack([hue, saturation, value], dim=channel_axis), data_format=self.data_format)
        images = torch.clamp(images, 0, 1)
        return self._cast(self._transform_value_range(images, (0, 1), self.value_range))

    def get_config(self):
        config = super().get_config()
        config.update({"factor": self.factor, "value_range": self.value_range, "seed": self.seed})
        return config

    def compute_output_shape(self, input_shape):
        return input_shape
