"""`keras.layers.ContrastLimitedAdaptiveHistogramEqualization` (CLAHE)."""
import torch

from torchkeras.api_export import keras_export
from torchkeras.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import \
    BaseImagePreprocessingLayer


def _symmetric_index(size, padded, device):
    """Source rows of NumPy's `"symmetric"` padding of `size` rows to `padded` rows (at the end)."""
    index = torch.arange(padded, device=device) % (2 * size)
    return torch.where(index >= size, 2 * size - 1 - index, index)


@keras_export("keras.layers.ContrastLimitedAdaptiveHistogramEqualization")
class ContrastLimitedAdaptiveHistogramEqualization(BaseImagePreprocessingLayer):
    """Contrast-limited adaptive histogram equalization: each channel is equalized over a `tile_grid_size`
    grid of tiles, each tile's histogram clipped at `clip_limit` times the mean bin count (truncated to an
    integer, as in Keras; the excess spread evenly), and the tiles' mappings blended bilinearly. Values are
    in `value_range`; outputs keep the input dtype. Deterministic, applied in training and inference.
    Images whose size is not a multiple of the grid are padded by mirroring (NumPy's `"symmetric"`)."""

    def __init__(self, value_range=(0, 255), clip_limit=4.0, tile_grid_size=(8, 8), data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.value_range = value_range
        self.clip_limit = clip_limit
        self.tile_grid_size = tile_grid_size

    def transform_images(self, images, transformation=None, training=True):
        images = torch.as_tensor(images)
        channels_first = self.data_format == "channels_first"
        if channels_first:
            images = images.movedim(-3, -1)
        original_dtype = images.dtype
        images = self._transform_value_range(images.to(torch.float32), self.value_range, (0, 255))
        images = self._clahe(images)
        images = self._transform_value_range(images, (0, 255), self.value_range).to(original_dtype)
        return images.movedim(-1, -3) if channels_first else images

    def _clahe(self, images):
        unbatched = images.dim() == 3
        if unbatched:
            images = images.unsqueeze(0)
        batch, height, width, channels = images.shape
        device = images.device
        grid_h, grid_w = (int(v) for v in self.tile_grid_size)
        tile_h, tile_w = -(-height // grid_h), -(-width // grid_w)
        padded_h, padded_w = tile_h * grid_h, tile_w * grid_w
        padded = images
        if padded_h != height or padded_w != width:
            padded = images[:, _symmetric_index(height, padded_h, device)][:, :, _symmetric_index(width, padded_w,
                                                                                                   device)]
        # Histograms of each (image, tile, channel).
        tiled = padded.reshape(batch, grid_h, tile_h, grid_w, tile_w, channels).permute(0, 1, 3, 5, 2, 4)
        values = torch.clamp(tiled.to(torch.int32), 0, 255).to(torch.int64)
        groups = batch * grid_h * grid_w * channels
        offsets = torch.arange(groups, device=device).reshape(batch, grid_h, grid_w, channels, 1, 1) * 256
        hists = torch.bincount((values + offsets).reshape(-1), minlength=groups * 256)
        hists = hists.reshape(batch, grid_h, grid_w, channels, 256)
        if self.clip_limit > 0:
            # Counts are integers, so the limit is too (truncated, as in Keras).
            limit = int(self.clip_limit * (tile_h * tile_w) / 256.0)
            clipped = torch.clamp(hists, 0, limit)
            hists = clipped + (hists - clipped).sum(dim=-1, keepdim=True) / 256.0
        hists = hists.to(torch.float32)
        cdf = torch.cumsum(hists, dim=-1)
        cdf_min = cdf.amin(dim=-1, keepdim=True)
        denominator = float(tile_h * tile_w) - cdf_min
        denominator = torch.where(denominator == 0, torch.ones_like(denominator), denominator)
        cdf = torch.clamp((cdf - cdf_min) * 255.0 / denominator, 0, 255)
        # Replicate the border tiles, then blend the four nearest tiles' mappings bilinearly.
        cdf = torch.cat([cdf[:, :1], cdf, cdf[:, -1:]], dim=1)
        cdf = torch.cat([cdf[:, :, :1], cdf, cdf[:, :, -1:]], dim=2)

        def grid(size, tile, count):
            position = (torch.arange(size, dtype=torch.float32, device=device) - tile / 2.0) / tile + 1.0
            low = torch.floor(position)
            weight = position - low
            low_index = torch.clamp(low, 0, count + 1).to(torch.int64)
            high_index = torch.clamp(low + 1.0, 0, count + 1).to(torch.int64)
            return low_index, high_index, weight

        y0, y1, wy = grid(padded_h, tile_h, grid_h)
        x0, x1, wx = grid(padded_w, tile_w, grid_w)
        pixels = torch.clamp(padded, 0, 255).to(torch.int32).to(torch.int64)
        b = torch.arange(batch, device=device).reshape(-1, 1, 1, 1)
        c = torch.arange(channels, device=device).reshape(1, 1, 1, -1)
        y0, y1, wy = (v.reshape(1, -1, 1, 1) for v in (y0, y1, wy))
        x0, x1, wx = (v.reshape(1, 1, -1, 1) for v in (x0, x1, wx))
        top = cdf[b, y0, x0, c, pixels] * (1.0 - wx) + cdf[b, y0, x1, c, pixels] * wx
        bottom = cdf[b, y1, x0, c, pixels] * (1.0 - wx) + cdf[b, y1, x1, c, pixels] * wx
        result = (top * (1.0 - wy) + bottom * wy)[:, :height, :width, :]
        return result.squeeze(0) if unbatched else result

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({"value_range": self.value_range, "clip_limit": self.clip_limit,
                       "tile_grid_size": self.tile_grid_size, "data_format": self.data_format})
        return config
