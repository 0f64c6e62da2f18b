"""`keras.layers.RandomCrop`: crop a random window of each batch during training."""
import torch

from torchkeras.api_export import keras_export
from torchkeras.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import \
    BaseImagePreprocessingLayer
from torchkeras.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import images_of
from torchkeras.layers.preprocessing.image_preprocessing.center_crop import aspect_crop_window
from torchkeras.random.seed_generator import SeedGenerator
from torchkeras.random.seed_generator import make_default_seed
from torchkeras.utils.bounding_boxes.converters import convert_format


@keras_export("keras.layers.RandomCrop", "keras.layers.experimental.preprocessing.RandomCrop")
class RandomCrop(BaseImagePreprocessingLayer):
    """During training, crop a random `(height, width)` window (one position for the whole batch); an
    input not larger than the target on both sides is center-cropped to the target aspect ratio and
    resized instead. Like Keras 3, inputs pass through unchanged at inference (call with `training=True`
    to crop there too). Bounding boxes move by the crop offset (floored at 0, not clipped to the window,
    as in Keras)."""

    def __init__(self, height, width, seed=None, data_format=None, name=None, **kwargs):
        super().__init__(name=name, data_format=data_format, **kwargs)
        self.height = height
        self.width = width
        self.seed = seed if seed is not None else make_default_seed()
        self.generator = SeedGenerator(seed)
        self.height_axis, self.width_axis, _ = self._spatial_axes(4)
        self.supports_masking = False
        self.supports_jit = False

    def get_random_transformation(self, data, training=True, seed=None):
        images = images_of(data)
        shape = tuple(images.shape)
        input_height, input_width = shape[self.height_axis], shape[self.width_axis]
        if input_height is None or input_width is None:
            raise ValueError(
                "RandomCrop requires the input to have a fully defined height and width. Received: "
                f"images.shape={shape}")
        if training and input_height > self.height and input_width > self.width:
            gen = self._torch_generator(seed, images)
            draws = torch.rand((2,), generator=gen, device=self._device(images))
            h_start = (draws[0] * float(input_height - self.height + 1)).to(torch.int32)
            w_start = (draws[1] * float(input_width - self.width + 1)).to(torch.int32)
            return h_start, w_start
        h_start, w_start, _, _ = aspect_crop_window(input_height, input_width, self.height, self.width)
        return h_start, w_start

    def transform_images(self, images, transformation, training=True):
        if not training:
            return images
        from torchkeras.ops.image import resize

        images = self._cast(images)
        h_start, w_start = (int(v) for v in transformation)
        height_axis, width_axis, _ = self._spatial_axes(images.dim())
        height_axis, width_axis = height_axis % images.dim(), width_axis % images.dim()
        index = [slice(None)] * images.dim()
        index[height_axis] = slice(h_start, h_start + self.height)
        index[width_axis] = slice(w_start, w_start + self.width)
        images = images[tuple(index)]
        if images.shape[height_axis] != self.height or images.shape[width_axis] != self.width:
            images = self._cast(resize(images, size=(self.height, self.width), data_format=self.data_format))
        return images

    def transform_labels(self, labels, transformation, training=True):
        return labels

    def transform_bounding_boxes(self, bounding_boxes, transformation, training=True):
        if not training:
            return bounding_boxes
        boxes = convert_format(bounding_boxes["boxes"], source=self.bounding_box_format, target="xyxy",
                               height=self.height, width=self.width)
        h_start, w_start = (torch.as_tensor(v).to(boxes.device, boxes.dtype) for v in transformation)
        zero = torch.zeros((), dtype=boxes.dtype, device=boxes.device)
        shifts = torch.stack([w_start, h_start, w_start, h_start])
        boxes = torch.maximum(boxes - shifts, zero)
        boxes = convert_format(boxes, source="xyxy", target=self.bounding_box_format, height=self.height,
                               width=self.width)
        return {"boxes": boxes, "labels": bounding_boxes["labels"]}

    def transform_segmentation_masks(self, segmentation_masks, transformation, training=True):
        return self.transform_images(segmentation_masks, transformation, training=training)

    def compute_output_shape(self, input_shape, *args, **kwargs):
        shape = list(input_shape)
        shape[self.height_axis] = self.height
        shape[self.width_axis] = self.width
        return tuple(shape)

    def get_config(self):
        config = super().get_config()
        config.update({"height": self.height, "width": self.width, "seed": self.seed,
                       "data_format": self.data_format})
        return config
