"""`keras.layers.RandomSaturation`: scale the saturation of each image by a random factor during training."""
import torch

from torchkeras.api_export import keras_export
from torchkeras.backend import config as backend_config
from torchkeras.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import \
    checked_value_range
from torchkeras.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import images_of
from torchkeras.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import \
    make_seed_generator
from torchkeras.layers.preprocessing.image_preprocessing.pixel_value_layer import PixelValueLayer
from torchkeras.layers.preprocessing.tensor_inputs import to_tensor


@keras_export("keras.layers.RandomSaturation")
class RandomSaturation(PixelValueLayer):
    """Multiply the saturation (HSV) of each image by `f / (1 - f)` during training, `f` drawn from
    `factor` (`0.5` keeps the saturation, `0` gives grayscale, values near 1 saturate fully). Images must be
    floating point; outputs are floats. Identity at inference."""

    def __init__(self, factor, value_range=(0, 255), data_format=None, seed=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self._set_factor(factor)
        self.value_range = checked_value_range(value_range)
        make_seed_generator(self, seed)

    def get_random_transformation(self, data, training=True, seed=None):
        images = images_of(data)
        batch_size = self._batch_size(images)
        gen = self._torch_generator(seed, images)
        factor = self._uniform(gen, (batch_size,), self.factor[0], self.factor[1], self._device(images))
        return {"factor": factor / (1 - factor + backend_config.epsilon())}

    def transform_images(self, images, transformation=None, training=True):
        images = to_tensor(images)
        if not training:
            return images
        from torchkeras.ops.image import hsv_to_rgb
        from torchkeras.ops.image import rgb_to_hsv

        factors = self._cast(transformation["factor"]).to(images.device).reshape(-1, 1, 1)
        hsv = rgb_to_hsv(images, data_format=self.data_format)
        channel_axis = 1 if self.data_format == "channels_first" else -1
        hue, saturation, value = hsv.unbind(dim=channel_axis)
        saturation = torch.clamp(saturation * factors, self.value_range[0], self.value_range[1])
        return hsv_to_rgb(torch.stack([hue, saturation, value], dim=channel_axis), data_format=self.data_format)

    def get_config(self):
        config = super().get_config()
        config.update({"factor": self.factor, "value_range": self.value_range, "seed": self.seed})
        return config

    def compute_output_shape(self, input_shape):
        return input_shape
