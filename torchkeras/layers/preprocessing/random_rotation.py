"""`keras.layers.RandomRotation`: rotate images by a random angle during training."""
import torch

from torchkeras.api_export import keras_export
from torchkeras.layers.preprocessing.affine_layer import RandomAffineLayer
from torchkeras.layers.preprocessing.image_layer import affine_matrix
from torchkeras.layers.preprocessing.image_layer import parse_factor


@keras_export("keras.layers.RandomRotation", "keras.layers.experimental.preprocessing.RandomRotation")
class RandomRotation(RandomAffineLayer):
    """Rotate each image by an angle drawn uniformly from `factor * 2π` (a fraction of a full turn:
    `factor=0.1` means ±36°; a pair `(lo, hi)` gives the range), about the image center. Pixels from
    outside are filled by `fill_mode` (`"reflect"`, `"wrap"`, `"constant"` with `fill_value`, `"nearest"`).
    Identity at inference."""

    def __init__(self, factor, fill_mode="reflect", interpolation="bilinear", seed=None, fill_value=0.0,
                 data_format=None, **kwargs):
        super().__init__(fill_mode=fill_mode, interpolation=interpolation, seed=seed, fill_value=fill_value,
                         data_format=data_format, **kwargs)
        self.factor = parse_factor(
            factor, (-1, 1),
            "The `factor` argument should be a number (or a list of two numbers) in the range [-1, 1]. "
            f"Received: factor={factor}")

    def transform_matrix(self, images, height, width):
        batch = images.shape[0]
        angle = self._uniform((batch,), self.factor[0] * 360.0, self.factor[1] * 360.0, images)
        zeros = torch.zeros_like(angle)
        return affine_matrix(angle, zeros, zeros, torch.ones_like(angle), height, width)

    def get_config(self):
        config = super().get_config()
        config["factor"] = self.factor
        return config
