"""`keras.layers.CenterCrop`: crop the central part of images."""
from torchkeras.api_export import keras_export
from torchkeras.layers.preprocessing.image_layer import ImagePreprocessingLayer


@keras_export("keras.layers.CenterCrop", "keras.layers.experimental.preprocessing.CenterCrop")
class CenterCrop(ImagePreprocessingLayer):
    """Crop the central `(height, width)` window of each image. An image smaller than the target is first
    cropped to the target aspect ratio and resized (`smart_resize`). Outputs are in the compute dtype."""

    def __init__(self, height, width, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.height = height
        self.width = width

    def transform_images(self, images, training):
        from torchkeras.utils.image_utils import smart_resize

        images = self._compute_tensor(images)
        height_axis, width_axis = self._hw_axes(4)
        h_diff = images.shape[height_axis] - self.height
        w_diff = images.shape[width_axis] - self.width
        if h_diff >= 0 and w_diff >= 0:
            top, left = h_diff // 2, w_diff // 2
            return images.narrow(height_axis, top, self.height).narrow(width_axis, left, self.width)
        return smart_resize(images, [self.height, self.width], data_format=self.data_format)

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        if len(shape) not in (3, 4):
            raise ValueError(
                "`input_shape` must be a non-nested tuple or list of rank-1 with size 3 (unbatched) or 4 "
                "(batched). ")
        height_axis, width_axis = self._hw_axes(len(shape))
        shape[height_axis], shape[width_axis] = self.height, self.width
        return tuple(shape)

    def get_config(self):
        config = super().get_config()
        config.update({"height": self.height, "width": self.width, "data_format": self.data_format})
        return config
