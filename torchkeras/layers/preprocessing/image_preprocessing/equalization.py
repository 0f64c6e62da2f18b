"""`keras.layers.Equalization`: histogram equalization of each channel during training."""
import torch

from torchkeras.api_export import keras_export
from torchkeras.backend.keras_tensor import KerasTensor
from torchkeras.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import \
    checked_value_range
from torchkeras.layers.preprocessing.image_preprocessing.pixel_value_layer import PixelValueLayer


@keras_export("keras.layers.Equalization")
class Equalization(PixelValueLayer):
    """Spread the intensities of each channel over the whole range by histogram equalization (`bins`
    bins; values in `value_range`), as Keras does: one histogram per channel over the batch. Applied in
    training; identity at inference. Outputs are floats."""

    def __init__(self, value_range=(0, 255), bins=256, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.bins = bins
        self.value_range = checked_value_range(value_range)

    def _histogram_indices(self, values):
        """Histogram bin of each value in [0, 255] (truncated, then clipped to the bins)."""
        scaled = values.to(torch.float32) * (self.bins - 1) / 255.0
        return torch.clamp(scaled.to(torch.int32), 0, self.bins - 1).to(torch.int64)

    def _lookup_indices(self, values):
        """Lookup-table entry of each value in [0, 255] (clipped, then truncated), as Keras computes it."""
        scaled = (values / 255.0) * (self.bins - 1)
        return torch.clamp(scaled, 0, self.bins - 1).to(torch.int32).to(torch.int64)

    def _equalize(self, channels):
        """`channels`: `(C, ...)` values in [0, 255]; one lookup table per channel."""
        num_channels = channels.shape[0]
        flat = channels.reshape(num_channels, -1)
        index = self._histogram_indices(flat)
        offsets = torch.arange(num_channels, device=flat.device).unsqueeze(1) * self.bins
        hist = torch.bincount((index + offsets).reshape(-1), minlength=num_channels * self.bins)
        hist = hist.reshape(num_channels, self.bins)
        cdf = torch.cumsum(hist, dim=-1)
        big = torch.iinfo(cdf.dtype).max
        cdf_min = torch.where(cdf > 0, cdf, torch.full_like(cdf, big)).amin(dim=-1, keepdim=True)
        denominator = cdf[:, -1:] - cdf_min
        denominator = torch.where(denominator == 0, torch.ones_like(denominator), denominator)
        lookup = torch.clamp(torch.round(((cdf - cdf_min) * 255) / denominator), 0, 255)
        equalized = torch.gather(lookup, 1, self._lookup_indices(flat))
        single_bin = (hist > 0).sum(dim=-1, keepdim=True) <= 1
        return torch.where(single_bin, flat.to(equalized.dtype), equalized).reshape(channels.shape)

    def transform_images(self, images, transformation, training=True):
        if not training:
            return images
        images = self._cast(images)
        low, high = self.value_range
        channel_axis = images.dim() - 3 if self.data_format == "channels_first" else images.dim() - 1
        channels = images.movedim(channel_axis, 0)
        scaled = channels * (255.0 / (high - low)) + (0.0 - low * (255.0 / (high - low)))
        equalized = self._equalize(scaled)
        equalized = equalized * ((high - low) / 255.0) + (low - 0.0 * ((high - low) / 255.0))
        return self._cast(equalized.movedim(0, channel_axis))

    def compute_output_shape(self, input_shape):
        return input_shape

    def compute_output_spec(self, inputs, **kwargs):
        return KerasTensor(inputs.shape, dtype=inputs.dtype)

    def get_config(self):
        config = super().get_config()
        config.update({"bins": self.bins, "value_range": self.value_range})
        return config
