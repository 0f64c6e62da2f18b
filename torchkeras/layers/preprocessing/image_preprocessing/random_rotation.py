"""`keras.layers.RandomRotation`: rotate images by a random angle during training."""
import torch

from torchkeras.api_export import keras_export
from torchkeras.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import \
    BaseImagePreprocessingLayer
from torchkeras.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import images_of
from torchkeras.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import \
    make_seed_generator
from torchkeras.layers.preprocessing.image_preprocessing.geometry import apply_transform
from torchkeras.layers.preprocessing.image_preprocessing.geometry import check_modes
from torchkeras.utils.bounding_boxes import converters


@keras_export("keras.layers.RandomRotation", "keras.layers.experimental.preprocessing.RandomRotation")
class RandomRotation(BaseImagePreprocessingLayer):
    """Rotate each image by an angle drawn from `factor * 360°` (a fraction of a full turn: `factor=0.1`
    means ±36°; a pair `(lo, hi)` gives the range), about the image center, during training. Pixels from
    outside are filled by `fill_mode` (`"reflect"`, `"wrap"`, `"constant"` with `fill_value`, `"nearest"`).
    Identity at inference; outputs are floats."""

    def __init__(self, factor, fill_mode="reflect", interpolation="bilinear", seed=None, fill_value=0.0,
                 data_format=None, **kwargs):
        super().__init__(factor=factor, data_format=data_format, **kwargs)
        make_seed_generator(self, seed)
        self.fill_mode = fill_mode
        self.interpolation = interpolation
        self.fill_value = fill_value
        self.supports_jit = False
        check_modes(fill_mode, interpolation)

    def _transform_images(self, images, transformation, interpolation):
        return apply_transform(images, transformation["rotation_matrix"], interpolation, self.fill_mode,
                               self.fill_value, self.data_format)

    def transform_labels(self, labels, transformation, training=True):
        return labels

    def transform_bounding_boxes(self, bounding_boxes, transformation, training=True):
        if not training:
            return bounding_boxes
        height, width = transformation["image_height"], transformation["image_width"]
        angle = transformation["angle"]
        zeros, ones = torch.zeros_like(angle), torch.ones_like(angle)
        bounding_boxes = converters.convert_format(bounding_boxes, source=self.bounding_box_format, target="xyxy",
                                                   height=height, width=width)
        bounding_boxes["boxes"] = converters.affine_transform(
            bounding_boxes["boxes"], angle=angle, translate_x=zeros, translate_y=zeros, scale=ones, shear_x=zeros,
            shear_y=zeros, height=height, width=width)
        bounding_boxes = converters.clip_to_image_size(bounding_boxes, height=height, width=width,
                                                       bounding_box_format="xyxy")
        return converters.convert_format(bounding_boxes, source="xyxy", target=self.bounding_box_format,
                                         height=height, width=width)

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        images = images_of(data)
        shape = tuple(images.shape)
        batch_size = self._batch_size(images)
        height, width = self._height_width(shape)
        gen = self._torch_generator(seed, images)
        device = self._device(images)
        angle = self._uniform(gen, (batch_size,), self.factor[0] * 360.0, self.factor[1] * 360.0, device)
        zeros, ones = torch.zeros_like(angle), torch.ones_like(angle)
        matrix = self._compute_affine_matrix(0.5, 0.5, angle, zeros, zeros, ones, zeros, zeros, height, width)
        if len(shape) == 3:
            matrix = matrix.squeeze(0)
        return {"angle": angle, "rotation_matrix": matrix, "image_height": height, "image_width": width,
                "batch_size": batch_size}

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({"factor": self.factor, "data_format": self.data_format, "fill_mode": self.fill_mode,
                       "fill_value": self.fill_value, "interpolation": self.interpolation, "seed": self.seed})
        return config
