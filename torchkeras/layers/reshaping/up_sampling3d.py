"""`keras.layers.UpSampling3D`: repeats volumes along their three spatial axes."""
from torchkeras.api_export import keras_export
from torchkeras.backend import config
from torchkeras.layers.convolutional import conv_utils, legacy
from torchkeras.layers.input_spec import InputSpec
from torchkeras.layers.layer import Layer
from torchkeras.layers.reshaping.up_sampling_utils import repeat_axes, scaled


@keras_export("keras.layers.UpSampling3D")
class UpSampling3D(Layer):
    """Repeats the three spatial axes `size[0]`, `size[1]` and `size[2]` times (nearest neighbour).

    Keras 1's `dim_ordering=` is accepted with a DeprecationWarning.
    """

    def __init__(self, size=(2, 2, 2), data_format=None, **kwargs):
        data_format = legacy.translate("UpSampling3D", kwargs, legacy.IMAGE, {"data_format": data_format})[
            "data_format"]
        super().__init__(**kwargs)
        self.data_format = config.standardize_data_format(data_format)
        self.size = conv_utils.standardize_tuple(size, 3, "size")
        self.input_spec = InputSpec(ndim=5)
        self._first_axis = 1 if self.data_format == "channels_last" else 2
        self.built = True

    def call(self, inputs):
        return repeat_axes(inputs, self._first_axis, self.size)

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        for i, factor in enumerate(self.size):
            shape[self._first_axis + i] = scaled(shape[self._first_axis + i], factor)
        return tuple(shape)

    def get_config(self):
        config_ = super().get_config()
        config_.update({"size": self.size, "data_format": self.data_format})
        return config_
