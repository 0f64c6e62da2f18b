"""`keras.layers.RandomContrast`: scale each image's contrast by a random factor during training."""
import torch

from torchkeras.api_export import keras_export
from torchkeras.backend.dtypes import to_torch_dtype
from torchkeras.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import images_of
from torchkeras.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import \
    make_seed_generator
from torchkeras.layers.preprocessing.image_preprocessing.pixel_value_layer import PixelValueLayer
from torchkeras.layers.preprocessing.tensor_inputs import to_tensor


@keras_export("keras.layers.RandomContrast", "keras.layers.experimental.preprocessing.RandomContrast")
class RandomContrast(PixelValueLayer):
    """For each image and channel during training: `(x - mean) * f + mean`, with `f` drawn from
    `[1 - lower, 1 + upper]` (`factor` a number in [0, 1] or a pair) and `mean` over the pixels; then clip
    to `value_range`. Inputs pass through unchanged at inference."""

    _FACTOR_BOUNDS = (0, 1)

    def __init__(self, factor, value_range=(0, 255), seed=None, **kwargs):
        super().__init__(**kwargs)
        self._set_factor(factor)
        self.value_range = value_range
        make_seed_generator(self, seed)

    def get_random_transformation(self, data, training=True, seed=None):
        images = images_of(data)
        shape = tuple(images.shape)
        if len(shape) not in (3, 4):
            raise ValueError(f"Expected the input image to be rank 3 or 4. Received inputs.shape={shape}")
        factor_shape = (1, 1, 1) if len(shape) == 3 else (shape[0], 1, 1, 1)
        device = self._device(images)
        if not training:
            return {"contrast_factor": torch.zeros(factor_shape, device=device)}
        gen = self._torch_generator(seed, images)
        factor = self._uniform(gen, factor_shape, 1.0 - self.factor[0], 1.0 + self.factor[1], device,
                               dtype=to_torch_dtype(self.compute_dtype))
        return {"contrast_factor": factor}

    def transform_images(self, images, transformation, training=True):
        images = to_tensor(images)
        if not training:
            return images
        outputs = self._adjust_contrast(images, transformation["contrast_factor"])
        return torch.clamp(outputs, self.value_range[0], self.value_range[1])

    def _adjust_contrast(self, inputs, contrast_factor):
        height_axis, width_axis, _ = self._spatial_axes(inputs.dim())
        values = inputs if inputs.is_floating_point() else inputs.to(torch.float32)
        mean = values.mean(dim=height_axis, keepdim=True).mean(dim=width_axis, keepdim=True)
        return (inputs - mean) * contrast_factor.to(inputs.device) + mean

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({"factor": self.factor, "value_range": self.value_range, "seed": self.seed})
        return config
