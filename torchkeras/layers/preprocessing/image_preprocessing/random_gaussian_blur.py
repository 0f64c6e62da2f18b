"""`keras.layers.RandomGaussianBlur`: blur images with a random Gaussian kernel during training."""
import torch
import torch.nn.functional as F

from torchkeras.api_export import keras_export
from torchkeras.backend.dtypes import to_torch_dtype
from torchkeras.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import images_of
from torchkeras.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import \
    make_seed_generator
from torchkeras.layers.preprocessing.image_preprocessing.pixel_value_layer import PixelValueLayer
from torchkeras.layers.preprocessing.image_preprocessing.random_elastic_transform import factor_pair


def _kernel_size(value, name):
    error_msg = f"{name} must be an odd number. Received: {name}={value}"
    if isinstance(value, (tuple, list)):
        if len(value) != 2:
            raise ValueError(f"The `{name}` argument should be a number (or a list of two numbers) "
                             f"Received: {name}={value}")
        if value[0] % 2 == 0 or value[1] % 2 == 0:
            raise ValueError(error_msg)
        return value[0], value[1]
    if isinstance(value, (int, float)):
        if value % 2 == 0:
            raise ValueError(error_msg)
        return value, value
    raise ValueError(error_msg)


def gaussian_blur(images, kernel_size, sigma, data_format):
    """Blur with a Gaussian of `kernel_size` and `sigma`, each `(x, y)`: Keras's pairing, where the first
    entries act along the width (`keras.ops.image.gaussian_blur` in torchkeras pairs them with the height)."""
    unbatched = images.dim() == 3
    x = images.unsqueeze(0) if unbatched else images
    x = x if data_format == "channels_first" else x.permute(0, 3, 1, 2)

    def kernel1d(size, s):
        position = torch.arange(int(size), dtype=x.dtype, device=x.device) - (int(size) - 1) / 2
        kernel = torch.exp(-0.5 * (position / s) ** 2)
        return kernel / kernel.sum()

    size_x, size_y = int(kernel_size[0]), int(kernel_size[1])
    kernel = torch.outer(kernel1d(size_y, sigma[1]), kernel1d(size_x, sigma[0]))
    channels = x.shape[1]
    out = F.conv2d(x, kernel.expand(channels, 1, size_y, size_x), padding=(size_y // 2, size_x // 2), groups=channels)
    out = out if data_format == "channels_first" else out.permute(0, 2, 3, 1)
    return out.squeeze(0) if unbatched else out


@keras_export("keras.layers.RandomGaussianBlur")
class RandomGaussianBlur(PixelValueLayer):
    """During training, with a probability drawn from `factor`, blur each image with a `kernel_size` Gaussian
    whose standard deviations (one for y, one for x, shared by the batch) are drawn from `sigma`; results
    are clipped to `value_range`. Outputs are floats."""

    _USE_BASE_FACTOR = False
    _FACTOR_BOUNDS = (0, 1)

    def __init__(self, factor=1.0, kernel_size=3, sigma=1.0, value_range=(0, 255), data_format=None, seed=None,
                 **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self._set_factor(factor)
        self.kernel_size = _kernel_size(kernel_size, "kernel_size")
        self.sigma = factor_pair(self, sigma, "sigma")
        self.value_range = value_range
        make_seed_generator(self, seed)

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        images = images_of(data)
        batch_size = self._batch_size(images)
        device = self._device(images)
        gen = self._torch_generator(seed, images)
        probability = self._uniform(gen, (batch_size,), self.factor[0], self.factor[1], device)
        threshold = self._uniform(gen, (batch_size,), 0.0, 1.0, device)
        blur_factor = self._uniform(gen, (2,), self.sigma[0], self.sigma[1], device,
                                    to_torch_dtype(self.compute_dtype)) + 1e-6
        return {"should_apply_blur": threshold < probability, "blur_factor": blur_factor}

    def transform_images(self, images, transformation=None, training=True):
        images = self._cast(images)
        if training and transformation is not None:
            sigma = transformation["blur_factor"].to(images.device, images.dtype)
            blurred = gaussian_blur(images, kernel_size=self.kernel_size, sigma=sigma, data_format=self.data_format)
            apply = transformation["should_apply_blur"].to(images.device).reshape(-1, 1, 1, 1)
            images = torch.where(apply, blurred, images)
            images = self._cast(torch.clamp(images, self.value_range[0], self.value_range[1]))
        return images

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({"factor": self.factor, "kernel_size": self.kernel_size, "sigma": self.sigma,
                       "value_range": self.value_range, "seed": self.seed})
        return config
