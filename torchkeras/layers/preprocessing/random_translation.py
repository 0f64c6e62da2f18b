"""`keras.layers.RandomTranslation`: shift images by a random offset during training."""
import torch

from torchkeras.api_export import keras_export
from torchkeras.layers.preprocessing.affine_layer import RandomAffineLayer
from torchkeras.layers.preprocessing.affine_layer import factor_range

_FACTOR_ERROR = "The `factor` argument should be a number (or a list of two numbers) in the range [-1.0, 1.0]. "


@keras_export("keras.layers.RandomTranslation", "keras.layers.experimental.preprocessing.RandomTranslation")
class RandomTranslation(RandomAffineLayer):
    """Shift each image by fractions of its height and width drawn from `height_factor` and `width_factor`
    (a number `f` means `[-f, f]`; positive values move the content down / right). Identity at inference."""

    def __init__(self, height_factor, width_factor, fill_mode="reflect", interpolation="bilinear", seed=None,
                 fill_value=0.0, data_format=None, **kwargs):
        super().__init__(fill_mode=fill_mode, interpolation=interpolation, seed=seed, fill_value=fill_value,
                         data_format=data_format, **kwargs)
        self.height_factor = height_factor
        self.height_lower, self.height_upper = factor_range(height_factor, "height_factor", _FACTOR_ERROR)
        self.width_factor = width_factor
        self.width_lower, self.width_upper = factor_range(width_factor, "width_factor", _FACTOR_ERROR)

    def transform_matrix(self, images, height, width):
        batch = images.shape[0]
        ty = self._uniform((batch, 1), self.height_lower, self.height_upper, images) * height
        tx = self._uniform((batch, 1), self.width_lower, self.width_upper, images) * width
        tx, ty = tx.float(), ty.float()
        ones, zeros = torch.ones_like(tx), torch.zeros_like(tx)
        return torch.cat([ones, zeros, -tx, zeros, ones, -ty, zeros, zeros], dim=1)

    def get_config(self):
        config = super().get_config()
        config.update({"height_factor": self.height_factor, "width_factor": self.width_factor})
        return config
