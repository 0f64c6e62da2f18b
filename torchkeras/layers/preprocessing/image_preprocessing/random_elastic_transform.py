"""`keras.layers.RandomElasticTransform`: random elastic distortions of images during training."""
import torch

from torchkeras.api_export import keras_export
from torchkeras.backend.dtypes import to_torch_dtype
from torchkeras.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import \
    BaseImagePreprocessingLayer
from torchkeras.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import images_of
from torchkeras.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import \
    make_seed_generator
from torchkeras.layers.preprocessing.image_preprocessing.geometry import check_modes

_FILL_MODES = ("constant", "nearest", "wrap", "mirror", "reflect")


def factor_pair(layer, factor, name):
    """Keras's `_set_factor_by_name`: a number `f` gives `(max(-f, low), f)`, a pair is sorted; within
    `_FACTOR_BOUNDS`."""
    low, high = layer._FACTOR_BOUNDS
    error_msg = (f"The `{name}` argument should be a number (or a list of two numbers) in the range [{low}, {high}]. "
                 f"Received: factor={factor}")
    if isinstance(factor, (tuple, list)):
        if len(factor) != 2 or factor[0] > high or factor[1] < low:
            raise ValueError(error_msg)
        return tuple(sorted(factor))
    if isinstance(factor, (int, float)):
        if factor < low or factor > high:
            raise ValueError(error_msg)
        factor = abs(factor)
        return max(-factor, low), factor
    raise ValueError(error_msg)


@keras_export("keras.layers.RandomElasticTransform")
class RandomElasticTransform(BaseImagePreprocessingLayer):
    """During training, with a probability drawn from `factor`, displace every pixel by Gaussian-smoothed
    random noise (strength and smoothness grow with a `scale` draw: `alpha = 0.1 * s * max(H, W)`,
    `sigma = 0.05 * s * min(H, W)`); results are clipped to `value_range`. Identity at inference; outputs
    are floats."""

    _USE_BASE_FACTOR = False
    _FACTOR_BOUNDS = (0, 1)

    def __init__(self, factor=1.0, scale=1.0, interpolation="bilinear", fill_mode="reflect", fill_value=0.0,
                 value_range=(0, 255), seed=None, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self._set_factor(factor)
        self.scale = factor_pair(self, scale, "scale")
        self.interpolation = interpolation
        self.fill_mode = fill_mode
        self.fill_value = fill_value
        self.value_range = value_range
        make_seed_generator(self, seed)
        check_modes(fill_mode, interpolation, fill_modes=_FILL_MODES)
        self.height_axis, self.width_axis, self.channel_axis = self._spatial_axes(4)

    def get_random_transformation(self, data, training=True, seed=None):
        if not training or self.scale[1] == 0 or self.factor[1] == 0:
            return None
        images = images_of(data)
        batch_size = self._batch_size(images)
        device = self._device(images)
        gen = self._torch_generator(seed, images)
        probability = self._uniform(gen, (batch_size,), self.factor[0], self.factor[1], device)
        threshold = self._uniform(gen, (batch_size,), 0.0, 1.0, device)
        distortion = self._uniform(gen, (), self.scale[0], self.scale[1], device, to_torch_dtype(self.compute_dtype))
        # One integer seed for the noise, so that images and segmentation masks move together.
        noise_seed = int(torch.randint(0, 2 ** 31 - 1, (), generator=gen, device=device))
        return {"apply_transform": threshold < probability, "distortion_factor": distortion, "seed": noise_seed}

    def get_elastic_transform_params(self, height, width, factor):
        alpha = max(height, width) * 0.1 * factor
        sigma = min(height, width) * 0.05 * factor
        return alpha, sigma

    def _transform_images(self, images, transformation, interpolation):
        if transformation is None:
            return images
        from torchkeras.ops.image import elastic_transform

        height, width = images.shape[self.height_axis], images.shape[self.width_axis]
        alpha, sigma = self.get_elastic_transform_params(height, width, transformation["distortion_factor"])
        transformed = elastic_transform(images, alpha=float(alpha), sigma=float(sigma), interpolation=interpolation,
                                        fill_mode=self.fill_mode, fill_value=self.fill_value,
                                        seed=transformation["seed"], data_format=self.data_format)
        apply = transformation["apply_transform"].to(images.device)
        apply = apply.reshape(-1, 1, 1) if images.dim() == 3 else apply.reshape(-1, 1, 1, 1)
        images = torch.where(apply, transformed, images)
        images = torch.clamp(images, self.value_range[0], self.value_range[1])
        return self._cast(images)

    def transform_labels(self, labels, transformation, training=True):
        return labels

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({"factor": self.factor, "scale": self.scale, "interpolation": self.interpolation,
                       "fill_mode": self.fill_mode, "fill_value": self.fill_value, "value_range": self.value_range,
                       "seed": self.seed})
        return config
