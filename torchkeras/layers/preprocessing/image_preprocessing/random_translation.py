"""`keras.layers.RandomTranslation`: shift images by a random offset during training."""
import torch

from torchkeras.api_export import keras_export
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

_FACTOR_ERROR = "The `factor` argument should be a number (or a list of two numbers) in the range [-1.0, 1.0]. "


@keras_export("keras.layers.RandomTranslation", "keras.layers.experimental.preprocessing.RandomTranslation")
class RandomTranslation(BaseImagePreprocessingLayer):
    """Shift each image by fractions of its height and width drawn from `height_factor` and `width_factor`
    (a number `f` means `[-f, f]`; positive values move the content down / right) during training.
    Identity at inference; outputs are floats."""

    _USE_BASE_FACTOR = False

    def __init__(self, height_factor, width_factor, fill_mode="reflect", interpolation="bilinear", seed=None,
                 fill_value=0.0, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.height_factor = height_factor
        self.height_lower, self.height_upper = factor_range(height_factor, "height_factor", _FACTOR_ERROR)
        self.width_factor = width_factor
        self.width_lower, self.width_upper = factor_range(width_factor, "width_factor", _FACTOR_ERROR)
        check_modes(fill_mode, interpolation)
        self.fill_mode = fill_mode
        self.fill_value = fill_value
        self.interpolation = interpolation
        make_seed_generator(self, seed)
        self.supports_jit = False

    def _transform_images(self, images, transformation, interpolation):
        if transformation is None:
            return images
        matrix = self._get_translation_matrix(transformation["translations"])
        return apply_transform(images, matrix, interpolation, self.fill_mode, self.fill_value, self.data_format)

    def transform_labels(self, labels, transformation, training=True):
        return labels

    def get_transformed_x_y(self, x, y, transform):
        return transformed_x_y(x, y, transform)

    def get_shifted_bbox(self, bounding_boxes, w_shift_factor, h_shift_factor):
        boxes = bounding_boxes["boxes"]
        w_shift = w_shift_factor.to(boxes.dtype)
        h_shift = h_shift_factor.to(boxes.dtype)
        if boxes.dim() == 3:
            w_shift, h_shift = w_shift.unsqueeze(-1), h_shift.unsqueeze(-1)
        x1, y1, x2, y2 = torch.split(boxes, 1, dim=-1)
        bounding_boxes["boxes"] = torch.cat([x1 - w_shift, y1 - h_shift, x2 - w_shift, y2 - h_shift], dim=-1)
        return bounding_boxes

    def transform_bounding_boxes(self, bounding_boxes, transformation, training=True):
        if not training:
            return bounding_boxes
        height, width = self._height_width(transformation["input_shape"])
        bounding_boxes = convert_format(bounding_boxes, source=self.bounding_box_format, target="xyxy",
                                        height=height, width=width)
        translations = transformation["translations"].to(bounding_boxes["boxes"].device)
        w_shift, h_shift = self.get_transformed_x_y(0, 0, self._get_translation_matrix(translations))
        bounding_boxes = self.get_shifted_bbox(bounding_boxes, w_shift, h_shift)
        bounding_boxes = clip_to_image_size(bounding_boxes, height=height, width=width, bounding_box_format="xyxy")
        return convert_format(bounding_boxes, source="xyxy", target=self.bounding_box_format, height=height,
                              width=width)

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        images = images_of(data)
        shape = tuple(images.shape)
        batch_size = self._batch_size(images)
        height, width = self._height_width(shape)
        gen = self._torch_generator(seed, images)
        device = self._device(images)
        height_translate = self._uniform(gen, (batch_size, 1), self.height_lower, self.height_upper, device) * height
        width_translate = self._uniform(gen, (batch_size, 1), self.width_lower, self.width_upper, device) * width
        translations = torch.cat([width_translate, height_translate], dim=1).float()
        return {"translations": translations, "input_shape": shape}

    def _get_translation_matrix(self, translations):
        """`(n, 8)` transforms shifting by `translations[:, 0]` (x) and `translations[:, 1]` (y) pixels."""
        ones = torch.ones_like(translations[:, 0:1])
        zeros = torch.zeros_like(ones)
        return torch.cat([ones, zeros, -translations[:, 0:1], zeros, ones, -translations[:, 1:], zeros, zeros],
                         dim=1)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({"height_factor": self.height_factor, "width_factor": self.width_factor,
                       "fill_mode": self.fill_mode, "interpolation": self.interpolation, "seed": self.seed,
                       "fill_value": self.fill_value, "data_format": self.data_format})
        return config
