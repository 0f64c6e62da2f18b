"""`keras.layers.RandomBrightness`: add a random brightness offset to each image during training."""
import torch

from torchkeras.api_export import keras_export
from torchkeras.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import \
    checked_value_range
from torchkeras.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import images_of
from torchkeras.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import \
    make_seed_generator
from torchkeras.layers.preprocessing.image_preprocessing.pixel_value_layer import PixelValueLayer
from torchkeras.layers.preprocessing.image_preprocessing.resizing import saturate_cast
from torchkeras.layers.preprocessing.tensor_inputs import to_tensor


@keras_export("keras.layers.RandomBrightness")
class RandomBrightness(PixelValueLayer):
    """Add `delta * (high - low)` to every pixel of each image during training, with `delta` drawn from
    `factor` (a number `f` in [-1, 1] means `[-f, f]`; a pair gives the range) and `(low, high) =
    value_range`; results are clipped to `value_range`. Outputs keep the input dtype (integer images get
    the offset truncated to an integer, with saturation). Identity at inference."""

    def __init__(self, factor, value_range=(0, 255), seed=None, **kwargs):
        super().__init__(factor=factor, **kwargs)
        make_seed_generator(self, seed)
        self.value_range = checked_value_range(value_range)

    def get_random_transformation(self, data, training=True, seed=None):
        images = images_of(data)
        shape = tuple(images.shape)
        if len(shape) not in (3, 4):
            raise ValueError(f"Expected the input image to be rank 3 or 4. Received inputs.shape={shape}")
        delta_shape = (1, 1, 1) if len(shape) == 3 else (shape[0], 1, 1, 1)
        device = self._device(images)
        if not training:
            return {"rgb_delta": torch.zeros(delta_shape, device=device)}
        gen = self._torch_generator(seed, images)
        rgb_delta = self._uniform(gen, delta_shape, self.factor[0], self.factor[1], device)
        return {"rgb_delta": rgb_delta * (self.value_range[1] - self.value_range[0])}

    def transform_images(self, images, transformation, training=True):
        images = to_tensor(images)
        if not training:
            return images
        delta = transformation["rgb_delta"].to(images.device)
        if images.is_floating_point():
            return torch.clamp(images + delta.to(images.dtype), self.value_range[0], self.value_range[1])
        # Keras casts the offset to the image dtype (truncating); the sum is formed in float so that
        # negative offsets saturate at 0 instead of wrapping around.
        shifted = images.to(torch.float32) + torch.trunc(delta.to(torch.float32))
        return saturate_cast(torch.clamp(shifted, self.value_range[0], self.value_range[1]), images.dtype)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({"factor": self.factor, "value_range": self.value_range, "seed": self.seed})
        return config
