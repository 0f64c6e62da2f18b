"""`keras.layers.Resizing`: resize images to a fixed size."""
import torch

from torchkeras.api_export import keras_export
from torchkeras.layers.preprocessing.image_layer import ImagePreprocessingLayer

_INTERPOLATIONS = ("bilinear", "nearest", "bicubic", "area", "lanczos3", "lanczos5")


@keras_export("keras.layers.Resizing", "keras.layers.experimental.preprocessing.Resizing")
class Resizing(ImagePreprocessingLayer):
    """Resize images to `(height, width)`; `crop_to_aspect_ratio` crops the largest centered window with
    the target aspect ratio first, `pad_to_aspect_ratio` pads with `fill_value` instead. Integer images stay
    integer (rounded and saturated); floating images come out in the compute dtype."""

    def __init__(self, height, width, interpolation="bilinear", crop_to_aspect_ratio=False,
                 pad_to_aspect_ratio=False, fill_mode="constant", fill_value=0.0, antialias=False, data_format=None,
                 **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.height = height
        self.width = width
        self.interpolation = interpolation
        self.crop_to_aspect_ratio = crop_to_aspect_ratio
        self.pad_to_aspect_ratio = pad_to_aspect_ratio
        self.fill_mode = fill_mode
        self.fill_value = fill_value
        self.antialias = bool(antialias)

    def transform_images(self, images, training):
        from torchkeras.ops.image import resize

        if images.is_floating_point():
            images = self._compute_tensor(images)
        out = resize(images, size=(self.height, self.width), interpolation=self.interpolation,
                     antialias=self.antialias, crop_to_aspect_ratio=self.crop_to_aspect_ratio,
                     pad_to_aspect_ratio=self.pad_to_aspect_ratio, fill_mode=self.fill_mode,
                     fill_value=self.fill_value, data_format=self.data_format)
        if out.dtype != images.dtype:
            if not images.is_floating_point():
                info = torch.iinfo(images.dtype)
                out = torch.round(out).clamp(info.min, info.max)
            out = out.to(images.dtype)
        return out

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        height_axis, width_axis = self._hw_axes(len(shape))
        shape[height_axis], shape[width_axis] = self.height, self.width
        return tuple(shape)

    def get_config(self):
        config = super().get_config()
        config.update({
            "height": self.height, "width": self.width, "interpolation": self.interpolation,
            "crop_to_aspect_ratio": self.crop_to_aspect_ratio, "pad_to_aspect_ratio": self.pad_to_aspect_ratio,
            "fill_mode": self.fill_mode, "fill_value": self.fill_value, "antialias": self.antialias,
            "data_format": self.data_format,
        })
        return config
