"""`keras.layers.RandomSharpness`: sharpen or blur images by a random amount during training."""
import torch
import torch.nn.functional as F

from torchkeras.api_export import keras_export
from torchkeras.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import \
    checked_value_range
from torchkeras.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import images_of
from torchkeras.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import \
    make_seed_generator
from torchkeras.layers.preprocessing.image_preprocessing.pixel_value_layer import PixelValueLayer


@keras_export("keras.layers.RandomSharpness")
class RandomSharpness(PixelValueLayer):
    """During training, blend each image with a smoothed copy (3x3 kernel, 5/13 at the center and 1/13
    around): `x + (1 - 2f) * (smooth(x) - x)`, `f` drawn from `factor` in [0, 1] (`f < 0.5` blurs,
    `f > 0.5` sharpens); clipped to `value_range`. Outputs are floats."""

    _USE_BASE_FACTOR = False
    _FACTOR_BOUNDS = (0, 1)

    def __init__(self, factor, value_range=(0, 255), data_format=None, seed=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self._set_factor(factor)
        self.value_range = checked_value_range(value_range)
        make_seed_generator(self, seed)

    def get_random_transformation(self, data, training=True, seed=None):
        images = images_of(data)
        batch_size = self._batch_size(images)
        gen = self._torch_generator(seed, images)
        return {"factor": self._uniform(gen, (batch_size,), self.factor[0], self.factor[1], self._device(images))}

    def transform_images(self, images, transformation=None, training=True):
        images = self._cast(images)
        if not training:
            return images
        unbatched = images.dim() == 3
        x = images.unsqueeze(0) if unbatched else images
        nchw = x if self.data_format == "channels_first" else x.permute(0, 3, 1, 2)
        factor = self._cast(transformation["factor"] * 2).to(images.device).reshape(-1, 1, 1, 1)
        a, b = 1.0 / 13.0, 5.0 / 13.0
        kernel = torch.tensor([[a, a, a], [a, b, a], [a, a, a]], dtype=nchw.dtype, device=nchw.device)
        channels = nchw.shape[1]
        smoothed = F.conv2d(nchw, kernel.expand(channels, 1, 3, 3), padding=1, groups=channels)
        out = nchw + (1.0 - factor) * (smoothed - nchw)
        out = torch.clamp(out, self.value_range[0], self.value_range[1])
        if self.data_format != "channels_first":
            out = out.permute(0, 2, 3, 1)
        return out.squeeze(0) if unbatched else out

    def get_config(self):
        config = super().get_config()
        config.update({"factor": self.factor, "value_range": self.value_range, "seed": self.seed})
        return config

    def compute_output_shape(self, input_shape):
        return input_shape
