"""`keras.layers.RandomContrast`: scale each image's contrast by a random factor during training."""
import torch

from torchkeras.api_export import keras_export
from torchkeras.layers.preprocessing.image_layer import ImagePreprocessingLayer
from torchkeras.layers.preprocessing.image_layer import parse_factor


@keras_export("keras.layers.RandomContrast", "keras.layers.experimental.preprocessing.RandomContrast")
class RandomContrast(ImagePreprocessingLayer):
    """For each image and channel: `(x - mean) * f + mean`, with `f` drawn from `[1 - lower, 1 + upper]`
    (`factor` a number in [0, 1] or a pair) and `mean` over the pixels; then clip to `value_range`.
    Inputs pass through unchanged at inference."""

    def __init__(self, factor, value_range=(0, 255), seed=None, **kwargs):
        super().__init__(**kwargs)
        self.factor = parse_factor(
            factor, (0, 1),
            "The `factor` argument should be a number (or a list of two numbers) in the range [0, 1]. "
            f"Received: factor={factor}")
        self.value_range = value_range
        self._make_seed_generator(seed)

    def transform_images(self, images, training):
        if not training:
            return images if not images.is_floating_point() else self._compute_tensor(images)
        images = self._compute_tensor(images)
        factor = self._uniform((images.shape[0], 1, 1, 1), 1.0 - self.factor[0], 1.0 + self.factor[1], images)
        height_axis, width_axis = self._hw_axes(4)
        mean = images.mean(dim=(height_axis, width_axis), keepdim=True)
        out = (images - mean) * factor + mean
        return torch.clamp(out, self.value_range[0], self.value_range[1])

    def get_config(self):
        config = super().get_config()
        config.update({"factor": self.factor, "value_range": self.value_range, "seed": self.seed})
        return config
