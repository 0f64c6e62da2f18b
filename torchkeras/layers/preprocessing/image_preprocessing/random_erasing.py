"""`keras.layers.RandomErasing`: erase a random rectangle of each image during training."""
import torch

from torchkeras.api_export import keras_export
from torchkeras.backend.dtypes import to_torch_dtype
from torchkeras.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import images_of
from torchkeras.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import \
    make_seed_generator
from torchkeras.layers.preprocessing.image_preprocessing.pixel_value_layer import PixelValueLayer
from torchkeras.layers.preprocessing.image_preprocessing.random_elastic_transform import factor_pair


def box_masks(layer, shape, x0, x1, y0, y1, dtype):
    """Boolean masks (broadcast over the batch and repeated over the channels) of the pixels inside the
    boxes `[x0, x1) x [y0, y1)` (one box per image)."""
    height_axis, width_axis, channel_axis = layer._spatial_axes(len(shape))
    device = x0.device
    grid_y = torch.arange(shape[height_axis], dtype=dtype, device=device).reshape(-1, 1)
    grid_x = torch.arange(shape[width_axis], dtype=dtype, device=device).reshape(1, -1)
    x0, x1, y0, y1 = (v.reshape(-1, 1, 1) for v in (x0, x1, y0, y1))
    masks = (grid_x >= x0) & (grid_x < x1) & (grid_y >= y0) & (grid_y < y1)
    masks = masks.unsqueeze(1 if layer.data_format == "channels_first" else -1)
    return masks.repeat_interleave(shape[channel_axis], dim=channel_axis)


@keras_export("keras.layers.RandomErasing")
class RandomErasing(PixelValueLayer):
    """During training, with a probability drawn from `factor`, fill a random rectangle covering a fraction
    of the image drawn from `scale` (of its width and height, each the square root of a draw) with
    `fill_value` (a number, three numbers, or random noise when None), clipped to `value_range`. Outputs are
    floats."""

    _USE_BASE_FACTOR = False
    _FACTOR_BOUNDS = (0, 1)

    def __init__(self, factor=1.0, scale=(0.02, 0.33), fill_value=None, value_range=(0, 255), seed=None,
                 data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self._set_factor(factor)
        self.scale = factor_pair(self, scale, "scale")
        self.fill_value = fill_value
        self.value_range = value_range
        make_seed_generator(self, seed)
        self.height_axis, self.width_axis, self.channel_axis = self._spatial_axes(4)

    def _compute_crop_bounds(self, generator, batch_size, image_length, crop_ratio, device):
        crop_length = (crop_ratio * image_length).to(to_torch_dtype(self.compute_dtype))
        start = self._uniform(generator, (batch_size,), 0.0, 1.0, device, crop_length.dtype) * \
            (image_length - crop_length)
        return start, start + crop_length

    def _get_fill_value(self, images, shape, generator, device):
        dtype = to_torch_dtype(self.compute_dtype)
        fill_value = self.fill_value
        if fill_value is None:
            fill = torch.randn(shape, generator=generator, device=device, dtype=dtype) * self.value_range[1]
        elif isinstance(fill_value, (tuple, list)):
            if len(fill_value) != 3:
                raise ValueError("The `fill_value` argument should be a number (or a list of three numbers) ")
            channels = torch.tensor(fill_value, dtype=dtype, device=device)
            if self.data_format == "channels_first":
                channels = channels.reshape(3, 1, 1)
            fill = torch.broadcast_to(channels, shape).clone()
        elif isinstance(fill_value, (int, float)):
            fill = torch.full(shape, float(fill_value), dtype=dtype, device=device)
        else:
            raise ValueError("The `fill_value` argument should be a number (or a list of three numbers) ")
        return torch.clamp(fill, self.value_range[0], self.value_range[1])

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        images = images_of(data)
        shape = tuple(images.shape)
        batch_size = self._batch_size(images)
        height, width = shape[self.height_axis], shape[self.width_axis]
        device = self._device(images)
        dtype = to_torch_dtype(self.compute_dtype)
        gen = self._torch_generator(seed, images)
        mix_weight = torch.sqrt(self._uniform(gen, (batch_size, 2), self.scale[0], self.scale[1], device, dtype))
        x0, x1 = self._compute_crop_bounds(gen, batch_size, width, mix_weight[:, 0], device)
        y0, y1 = self._compute_crop_bounds(gen, batch_size, height, mix_weight[:, 1], device)
        masks = box_masks(self, shape, x0, x1, y0, y1, dtype)
        probability = self._uniform(gen, (batch_size,), self.factor[0], self.factor[1], device)
        threshold = self._uniform(gen, (batch_size,), 0.0, 1.0, device)
        return {"apply_erasing": threshold < probability, "batch_masks": masks,
                "fill_value": self._get_fill_value(images, shape, gen, device)}

    def transform_images(self, images, transformation=None, training=True):
        images = self._cast(images)
        if training:
            masks = transformation["batch_masks"].to(images.device)
            fill = transformation["fill_value"].to(images.device, images.dtype)
            erased = torch.where(masks, fill, images)
            apply = transformation["apply_erasing"].to(images.device).reshape(-1, 1, 1, 1)
            images = torch.where(apply, erased, images)
        return self._cast(images)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({"factor": self.factor, "scale": self.scale, "fill_value": self.fill_value,
                       "value_range": self.value_range, "seed": self.seed})
        return config
