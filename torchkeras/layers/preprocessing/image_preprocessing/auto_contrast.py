"""`keras.layers.AutoContrast`: stretch each image channel to the full value range."""
import torch

from torchkeras.api_export import keras_export
from torchkeras.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import \
    checked_value_range
from torchkeras.layers.preprocessing.image_preprocessing.pixel_value_layer import PixelValueLayer


@keras_export("keras.layers.AutoContrast")
class AutoContrast(PixelValueLayer):
    """Rescale each channel of each image so that its darkest pixel maps to `value_range[0]` and its
    brightest to `value_range[1]` (constant channels pass through). Deterministic, applied in training and
    inference; outputs are floats."""

    _USE_BASE_FACTOR = False

    def __init__(self, value_range=(0, 255), **kwargs):
        super().__init__(**kwargs)
        self.value_range = checked_value_range(value_range)

    def transform_images(self, images, transformation=None, training=True):
        original = images
        images = self._transform_value_range(images, self.value_range, (0, 255), dtype=self.compute_dtype)
        images = self._cast(images)
        height_axis, width_axis, _ = self._spatial_axes(images.dim())
        axes = (height_axis % images.dim(), width_axis % images.dim())
        low = images.amin(dim=axes, keepdim=True)
        high = images.amax(dim=axes, keepdim=True)
        scale = 255.0 / (high - low)
        results = torch.clamp(images * scale + (-low * scale), 0.0, 255.0)
        results = self._transform_value_range(results, (0, 255), self.value_range, dtype=self.compute_dtype)
        return torch.where(torch.isnan(results), original.to(results.device, results.dtype), results)

    def get_config(self):
        config = super().get_config()
        config.update({"value_range": self.value_range})
        return config

    def compute_output_shape(self, input_shape):
        return input_shape
