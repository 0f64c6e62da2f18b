"""`keras.layers.RandomShear`: shear images along x and/or y by random amounts during training."""
import torch

from torchkeras.api_export import keras_export
from torchkeras.backend.dtypes import to_torch_dtype
from torchkeras.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import \
    BaseImagePreprocessingLayer
from torchkeras.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import images_of
from torchkeras.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import \
    make_seed_generator
from torchkeras.layers.preprocessing.image_preprocessing.geometry import apply_transform
from torchkeras.layers.preprocessing.image_preprocessing.geometry import check_modes
from torchkeras.layers.preprocessing.image_preprocessing.geometry import factor_range
from torchkeras.layers.preprocessing.image_preprocessing.geometry import transformed_x_y
from torchkeras.utils.bounding_boxes.converters import clip_to_image_size
from torchkeras.utils.bounding_boxes.converters import convert_format

_FACTOR_ERROR = "The `factor` argument should be a number (or a list of two numbers) in the range [0, 1.0]. "


@keras_export("keras.layers.RandomShear")
class RandomShear(BaseImagePreprocessingLayer):
    """Shear each image during training: `x' = x + s_x * y` and `y' = y + s_y * x`, with `s_x` drawn from
    `x_factor` and `s_y` from `y_factor` (numbers in [0, 1] or pairs) and a random sign. Pixels from
    outside are filled by `fill_mode`. Identity at inference; outputs are floats."""

    _USE_BASE_FACTOR = False
    _FACTOR_BOUNDS = (0, 1)

    def __init__(self, x_factor=0.0, y_factor=0.0, interpolation="bilinear", fill_mode="reflect", fill_value=0.0,
                 data_format=None, seed=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.x_factor = factor_range(x_factor, "x_factor", _FACTOR_ERROR, low=0.0)
        self.y_factor = factor_range(y_factor, "y_factor", _FACTOR_ERROR, low=0.0)
        check_modes(fill_mode, interpolation)
        self.fill_mode = fill_mode
        self.fill_value = fill_value
        self.interpolation = interpolation
        make_seed_generator(self, seed)
        self.supports_jit = False

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        images = images_of(data)
        shape = tuple(images.shape)
        batch_size = self._batch_size(images)
        device = self._device(images)
        dtype = to_torch_dtype(self.compute_dtype)
        gen = self._torch_generator(seed, images)
        invert = self._uniform(gen, (batch_size, 1), 0.0, 1.0, device, dtype)
        invert = torch.where(invert > 0.5, -torch.ones_like(invert), torch.ones_like(invert))
        shear_y = self._uniform(gen, (batch_size, 1), self.y_factor[0], self.y_factor[1], device, dtype)
        shear_x = self._uniform(gen, (batch_size, 1), self.x_factor[0], self.x_factor[1], device, dtype)
        return {"shear_factor": torch.cat([shear_x, shear_y], dim=1) * invert, "input_shape": shape}

    def _transform_images(self, images, transformation, interpolation):
        if transformation is None:
            return images
        matrix = self._get_shear_matrix(transformation["shear_factor"])
        return apply_transform(images, matrix, interpolation, self.fill_mode, self.fill_value, self.data_format)

    def _get_shear_matrix(self, shear_factors):
        """`(n, 8)` transforms `[1, s_x, 0, s_y, 1, 0, 0, 0]`."""
        ones = torch.ones_like(shear_factors[:, 0])
        zeros = torch.zeros_like(ones)
        return torch.stack([ones, shear_factors[:, 0], zeros, shear_factors[:, 1], ones, zeros, zeros, zeros], dim=1)

    def transform_labels(self, labels, transformation, training=True):
        return labels

    def get_transformed_x_y(self, x, y, transform):
        return transformed_x_y(x, y, transform)

    def transform_bounding_boxes(self, bounding_boxes, transformation, training=True):
        if not training:
            return bounding_boxes
        height, width = self._height_width(transformation["input_shape"])
        bounding_boxes = convert_format(bounding_boxes, source=self.bounding_box_format, target="rel_xyxy",
                                        height=height, width=width, dtype=self.compute_dtype)
        bounding_boxes = self._shear_bboxes(bounding_boxes, transformation)
        bounding_boxes = clip_to_image_size(bounding_boxes, height=height, width=width,
                                            bounding_box_format="rel_xyxy")
        return convert_format(bounding_boxes, source="rel_xyxy", target=self.bounding_box_format, height=height,
                              width=width, dtype=self.compute_dtype)

    def _shear_bboxes(self, bounding_boxes, transformation):
        boxes = bounding_boxes["boxes"]
        shear = transformation["shear_factor"].to(boxes.device, boxes.dtype)
        shear_x, shear_y = shear[:, 0:1], shear[:, 1:2]
        x1, y1, x2, y2 = boxes.unbind(-1)
        x1_top, x1_bottom = x1 - shear_x * y1, x1 - shear_x * y2
        x2_top, x2_bottom = x2 - shear_x * y1, x2 - shear_x * y2
        x1 = torch.where(shear_x < 0, x1_top, x1_bottom)
        x2 = torch.where(shear_x < 0, x2_bottom, x2_top)
        y1_left, y1_right = y1 - shear_y * x1, y1 - shear_y * x2
        y2_left, y2_right = y2 - shear_y * x1, y2 - shear_y * x2
        y1 = torch.where(shear_y > 0, y1_right, y1_left)
        y2 = torch.where(shear_y > 0, y2_left, y2_right)
        bounding_boxes["boxes"] = torch.stack([x1, y1, x2, y2], dim=-1)
        return bounding_boxes

    def get_config(self):
        config = super().get_config()
        config.update({"x_factor": self.x_factor, "y_factor": self.y_factor, "fill_mode": self.fill_mode,
                       "interpolation": self.interpolation, "seed": self.seed, "fill_value": self.fill_value,
                       "data_format": self.data_format})
        return config

    def compute_output_shape(self, input_shape):
        return input_shape

    @classmethod
    def from_config(cls, config):
        # The config holds the ranges, `(-f, f)` for a factor `f`; Keras's own `from_config` rejects the
        # negative bound, so give the factor back.
        config = dict(config)
        for key in ("x_factor", "y_factor"):
            value = config.get(key)
            if isinstance(value, (tuple, list)) and len(value) == 2 and value[0] < 0 and value[0] == -value[1]:
                config[key] = value[1]
        return super().from_config(config)
