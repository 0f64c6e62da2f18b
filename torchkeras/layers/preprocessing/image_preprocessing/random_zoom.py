"""`keras.layers.RandomZoom`: zoom images in or out by a random factor during training."""
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

_FACTOR_ERROR = ("The `height_factor` and `width_factor` arguments should be a number (or a list of two numbers) "
                 "in the range (-1.0, 1.0]. ")


@keras_export("keras.layers.RandomZoom", "keras.layers.experimental.preprocessing.RandomZoom")
class RandomZoom(BaseImagePreprocessingLayer):
    """Zoom each image by a factor drawn from `1 + height_factor` (and `1 + width_factor`, or the same draw
    when it is None) during training: positive values zoom out, negative values zoom in. Identity at
    inference; outputs are floats."""

    _USE_BASE_FACTOR = False

    def __init__(self, height_factor, width_factor=None, fill_mode="reflect", interpolation="bilinear", seed=None,
                 fill_value=0.0, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.height_factor = height_factor
        self.height_lower, self.height_upper = factor_range(height_factor, "height_factor", _FACTOR_ERROR,
                                                            open_low=True)
        self.width_factor = width_factor
        if width_factor is not None:
            self.width_lower, self.width_upper = factor_range(width_factor, "width_factor", _FACTOR_ERROR,
                                                              open_low=True)
        check_modes(fill_mode, interpolation)
        self.fill_mode = fill_mode
        self.fill_value = fill_value
        self.interpolation = interpolation
        make_seed_generator(self, seed)
        self.supports_jit = False

    def _transform_images(self, images, transformation, interpolation):
        if transformation is None:
            return images
        zooms = torch.cat([transformation["width_zoom"], transformation["height_zoom"]], dim=1).float()
        height, width = self._height_width(tuple(images.shape))
        return apply_transform(images, self._get_zoom_matrix(zooms, height, width), interpolation, self.fill_mode,
                               self.fill_value, self.data_format)

    def transform_labels(self, labels, transformation, training=True):
        return labels

    def get_transformed_x_y(self, x, y, transform):
        return transformed_x_y(x, y, transform)

    def get_clipped_bbox(self, bounding_boxes, h_end, h_start, w_end, w_start):
        boxes = bounding_boxes["boxes"]
        if boxes.dim() == 3:
            h_end, h_start, w_end, w_start = (v.unsqueeze(-1) for v in (h_end, h_start, w_end, w_start))
        x1, y1, x2, y2 = torch.split(boxes, 1, dim=-1)

        def clip(v, low, high):
            return torch.minimum(torch.maximum(v, low), high) - low

        bounding_boxes["boxes"] = torch.cat([clip(x1, w_start, w_end), clip(y1, h_start, h_end),
                                             clip(x2, w_start, w_end), clip(y2, h_start, h_end)], dim=-1)
        return bounding_boxes

    def transform_bounding_boxes(self, bounding_boxes, transformation, training=True):
        if not training:
            return bounding_boxes
        height, width = self._height_width(transformation["input_shape"])
        bounding_boxes = convert_format(bounding_boxes, source=self.bounding_box_format, target="xyxy",
                                        height=height, width=width)
        zooms = torch.cat([transformation["width_zoom"], transformation["height_zoom"]], dim=1).float()
        zooms = zooms.to(bounding_boxes["boxes"].device)
        transform = self._get_zoom_matrix(zooms, height, width)
        w_start, h_start = self.get_transformed_x_y(0, 0, transform)
        w_end, h_end = self.get_transformed_x_y(width, height, transform)
        bounding_boxes = self.get_clipped_bbox(bounding_boxes, h_end, h_start, w_end, w_start)
        height_transformed = (h_end - h_start).unsqueeze(-1)
        width_transformed = (w_end - w_start).unsqueeze(-1)
        bounding_boxes = convert_format(bounding_boxes, source="xyxy", target="rel_xyxy",
                                        height=height_transformed, width=width_transformed)
        bounding_boxes = clip_to_image_size(bounding_boxes, height=height_transformed, width=width_transformed,
                                            bounding_box_format="rel_xyxy")
        return convert_format(bounding_boxes, source="rel_xyxy", target=self.bounding_box_format, height=height,
                              width=width)

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        images = images_of(data)
        shape = tuple(images.shape)
        zoom_shape = (shape[0], 1) if len(shape) == 4 else (1, 1)
        gen = self._torch_generator(seed, images)
        device = self._device(images)
        height_zoom = self._uniform(gen, zoom_shape, 1.0 + self.height_lower, 1.0 + self.height_upper, device)
        if self.width_factor is not None:
            width_zoom = self._uniform(gen, zoom_shape, 1.0 + self.width_lower, 1.0 + self.width_upper, device)
        else:
            width_zoom = height_zoom
        return {"height_zoom": height_zoom, "width_zoom": width_zoom, "input_shape": shape}

    def _get_zoom_matrix(self, zooms, image_height, image_width):
        """`(n, 8)` transforms scaling by `zooms[:, 0]` (x) and `zooms[:, 1]` (y) about the image center."""
        x_offset = (float(image_width) - 1.0) / 2.0 * (1.0 - zooms[:, 0:1])
        y_offset = (float(image_height) - 1.0) / 2.0 * (1.0 - zooms[:, 1:])
        zeros = torch.zeros_like(zooms[:, 0:1])
        return torch.cat([zooms[:, 0:1], zeros, x_offset, zeros, zooms[:, 1:], y_offset, zeros, zeros], dim=1)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({"height_factor": self.height_factor, "width_factor": self.width_factor,
                       "fill_mode": self.fill_mode, "interpolation": self.interpolation, "seed": self.seed,
                       "fill_value": self.fill_value, "data_format": self.data_format})
        return config
