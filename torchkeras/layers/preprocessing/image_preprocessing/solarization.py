"""`keras.layers.Solarization`: invert the pixels above a random threshold during training."""
import torch

from torchkeras.api_export import keras_export
from torchkeras.backend.dtypes import to_torch_dtype
from torchkeras.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import \
    checked_value_range
from torchkeras.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import images_of
from torchkeras.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import \
    make_seed_generator
from torchkeras.layers.preprocessing.image_preprocessing.pixel_value_layer import PixelValueLayer

_FACTOR_ERROR = ("The `addition_factor` and `threshold_factor` arguments should be a number (or a list of two "
                 "numbers) in the range [0, 1]. ")


def _solarization_factor(factor, name):
    def check(value):
        if value > 1.0 or value < 0:
            raise ValueError(_FACTOR_ERROR + f"Received: input_number={value}")

    if isinstance(factor, (tuple, list)):
        if len(factor) != 2:
            raise ValueError(_FACTOR_ERROR + f"Received: {name}={factor}")
        check(factor[0])
        check(factor[1])
        return tuple(sorted(factor))
    if isinstance(factor, (int, float)):
        check(factor)
        return 0, factor
    raise ValueError(_FACTOR_ERROR + f"Received: {name}={factor}")


@keras_export("keras.layers.Solarization")
class Solarization(PixelValueLayer):
    """During training, add an offset drawn from `addition_factor` (times 255) to each image, clip to
    [0, 255] and invert (`255 - x`) every value at or above a threshold drawn from `threshold_factor`
    (times 255); images in `value_range` are mapped to [0, 255] and back. Outputs are floats. With
    `threshold_factor=0` every pixel is inverted."""

    _USE_BASE_FACTOR = False

    def __init__(self, addition_factor=0.0, threshold_factor=0.0, value_range=(0, 255), seed=None, **kwargs):
        super().__init__(**kwargs)
        make_seed_generator(self, seed)
        self.addition_factor = _solarization_factor(addition_factor, "addition_factor")
        self.threshold_factor = _solarization_factor(threshold_factor, "threshold_factor")
        self.value_range = checked_value_range(value_range)

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        images = images_of(data)
        shape = tuple(images.shape)
        factor_shape = (shape[0], 1, 1, 1) if len(shape) == 4 else (1, 1, 1)
        device = self._device(images)
        dtype = to_torch_dtype(self.compute_dtype)
        gen = self._torch_generator(seed, images)
        additions = self._uniform(gen, factor_shape, self.addition_factor[0], self.addition_factor[1] * 255, device,
                                  dtype)
        thresholds = self._uniform(gen, factor_shape, self.threshold_factor[0], self.threshold_factor[1] * 255,
                                   device, dtype)
        return {"additions": additions, "thresholds": thresholds}

    def transform_images(self, images, transformation, training=True):
        images = self._cast(images)
        if not training or transformation is None:
            return images
        images = self._transform_value_range(images, self.value_range, (0, 255), dtype=self.compute_dtype)
        results = torch.clamp(images + transformation["additions"].to(images.device), 0, 255)
        thresholds = transformation["thresholds"].to(images.device)
        results = torch.where(results < thresholds, results, 255 - results)
        return self._cast(self._transform_value_range(results, (0, 255), self.value_range, dtype=self.compute_dtype))

    def get_config(self):
        config = super().get_config()
        config.update({"value_range": self.value_range, "addition_factor": self.addition_factor,
                       "threshold_factor": self.threshold_factor, "seed": self.seed})
        return config

    def compute_output_shape(self, input_shape):
        return input_shape
