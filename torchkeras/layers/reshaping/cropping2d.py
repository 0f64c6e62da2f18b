"""`keras.layers.Cropping2D`: removes rows and columns at the borders of images."""
from torchkeras.api_export import keras_export
from torchkeras.backend import config
from torchkeras.layers.convolutional import conv_utils, legacy
from torchkeras.layers.input_spec import InputSpec
from torchkeras.layers.layer import Layer
from torchkeras.layers.reshaping.cropping3d import crop_index, cropped_shape


@keras_export("keras.layers.Cropping2D")
class Cropping2D(Layer):
    """Crops height and width. `cropping`: an int, `(symmetric_height, symmetric_width)`, or
    `((top, bottom), (left, right))`. The result is a view of the input (no copy).

    Keras 1's `dim_ordering=` is accepted with a DeprecationWarning.
    """

    def __init__(self, cropping=((0, 0), (0, 0)), data_format=None, **kwargs):
        data_format = legacy.translate("Cropping2D", kwargs, legacy.IMAGE, {"data_format": data_format})[
            "data_format"]
        super().__init__(**kwargs)
        self.data_format = config.standardize_data_format(data_format)
        self.cropping = conv_utils.standardize_pairs(
            cropping, 2, "cropping", "(symmetric_height_crop, symmetric_width_crop)",
            "((top_crop, bottom_crop), (left_crop, right_crop))")
        self.input_spec = InputSpec(ndim=4)
        self._first_axis = 1 if self.data_format == "channels_last" else 2
        self._index = crop_index(self.cropping, self._first_axis)
        self.built = True

    def call(self, inputs):
        cropped_shape(inputs.shape, self.cropping, self._first_axis, "inputs.shape")
        return inputs[self._index]

    def compute_output_shape(self, input_shape):
        return cropped_shape(input_shape, self.cropping, self._first_axis, "input_shape")

    def get_config(self):
        config_ = super().get_config()
        config_.update({"cropping": self.cropping, "data_format": self.data_format})
        return config_
