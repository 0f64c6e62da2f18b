"""`keras.layers.RandomFlip`: randomly flip images horizontally and/or vertically during training."""
import torch

from torchkeras.api_export import keras_export
from torchkeras.layers.preprocessing.image_layer import ImagePreprocessingLayer

HORIZONTAL = "horizontal"
VERTICAL = "vertical"
HORIZONTAL_AND_VERTICAL = "horizontal_and_vertical"


@keras_export("keras.layers.RandomFlip", "keras.layers.experimental.preprocessing.RandomFlip")
class RandomFlip(ImagePreprocessingLayer):
    """Flip each image with probability 1/2 (`mode`: `"horizontal"`, `"vertical"` or
    `"horizontal_and_vertical"`, where one draw decides both flips). Identity at inference."""

    def __init__(self, mode=HORIZONTAL_AND_VERTICAL, seed=None, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        if mode not in (HORIZONTAL, VERTICAL, HORIZONTAL_AND_VERTICAL):
            raise ValueError(
                f"RandomFlip layer {self.name} received an unknown mode argument {mode}. Expected one of "
                f"'{HORIZONTAL}', '{VERTICAL}' or '{HORIZONTAL_AND_VERTICAL}'.")
        self.mode = mode
        self._make_seed_generator(seed)

    def transform_images(self, images, training):
        images = self._compute_tensor(images)
        if not training:
            return images
        flips = self._uniform((images.shape[0], 1, 1, 1), 0.0, 1.0, images) <= 0.5
        height_axis, width_axis = self._hw_axes(4)
        out = images
        if self.mode in (HORIZONTAL, HORIZONTAL_AND_VERTICAL):
            out = torch.where(flips, torch.flip(out, dims=(width_axis,)), out)
        if self.mode in (VERTICAL, HORIZONTAL_AND_VERTICAL):
            out = torch.where(flips, torch.flip(out, dims=(height_axis,)), out)
        return out

    def get_config(self):
        config = super().get_config()
        config.update({"seed": self.seed, "mode": self.mode, "data_format": self.data_format})
        return config
