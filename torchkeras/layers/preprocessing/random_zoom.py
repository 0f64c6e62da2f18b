"""`keras.layers.RandomZoom`: zoom images in or out by a random factor during training."""
import torch

from torchkeras.api_export import keras_export
from torchkeras.layers.preprocessing.affine_layer import RandomAffineLayer
from torchkeras.layers.preprocessing.affine_layer import factor_range

_FACTOR_ERROR = ("The `height_factor` and `width_factor` arguments should be a number (or a list of two numbers) "
                 "in the range (-1.0, 1.0]. ")


@keras_export("keras.layers.RandomZoom", "keras.layers.experimental.preprocessing.RandomZoom")
class RandomZoom(RandomAffineLayer):
    """Zoom each image by a factor drawn from `1 + height_factor` (and `1 + width_factor`, or the same draw
    when it is None): positive values zoom out, negative values zoom in. Identity at inference."""

    def __init__(self, height_factor, width_factor=None, fill_mode="reflect", interpolation="bilinear", seed=None,
                 fill_value=0.0, data_format=None, **kwargs):
        super().__init__(fill_mode=fill_mode, interpolation=interpolation, seed=seed, fill_value=fill_value,
                         data_format=data_format, **kwargs)
        self.height_factor = height_factor
        self.height_lower, self.height_upper = factor_range(height_factor, "height_factor", _FACTOR_ERROR,
                                                            open_below=True)
        self.width_factor = width_factor
        if width_factor is not None:
            self.width_lower, self.width_upper = factor_range(width_factor, "width_factor", _FACTOR_ERROR,
                                                              open_below=True)

    def transform_matrix(self, images, height, width):
        batch = images.shape[0]
        zy = self._uniform((batch, 1), 1.0 + self.height_lower, 1.0 + self.height_upper, images)
        if self.width_factor is not None:
            zx = self._uniform((batch, 1), 1.0 + self.width_lower, 1.0 + self.width_upper, images)
        else:
            zx = zy
        zx, zy = zx.float(), zy.float()
        x_offset = (float(width) - 1.0) / 2.0 * (1.0 - zx)
        y_offset = (float(height) - 1.0) / 2.0 * (1.0 - zy)
        zeros = torch.zeros_like(zx)
        return torch.cat([zx, zeros, x_offset, zeros, zy, y_offset, zeros, zeros], dim=1)

    def get_config(self):
        config = super().get_config()
        config.update({"height_factor": self.height_factor, "width_factor": self.width_factor})
        return config
