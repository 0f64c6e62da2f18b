"""The base of the global max and average pooling layers (1D, 2D, 3D)."""
from torchkeras.backend import config
from torchkeras.layers.convolutional import legacy
from torchkeras.layers.input_spec import InputSpec
from torchkeras.layers.layer import Layer


class BaseGlobalPooling(Layer):
    """Reduces every spatial axis; `keepdims=True` keeps them with size 1."""

    def __init__(self, pool_dimensions, data_format=None, keepdims=False, **kwargs):
        args = legacy.translate(type(self).__name__, kwargs, legacy.IMAGE, {"data_format": data_format})
        super().__init__(**kwargs)
        self.data_format = config.standardize_data_format(args["data_format"])
        self.keepdims = keepdims
        self.input_spec = InputSpec(ndim=pool_dimensions + 2)
        rank = pool_dimensions
        self._axes = tuple(range(1, rank + 1)) if self.data_format == "channels_last" else tuple(range(2, rank + 2))
        self.built = True

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        rank = len(input_shape) - 2
        if self.data_format == "channels_last":
            if self.keepdims:
                return (input_shape[0],) + (1,) * rank + (input_shape[-1],)
            return (input_shape[0], input_shape[-1])
        if self.keepdims:
            return (input_shape[0], input_shape[1]) + (1,) * rank
        return (input_shape[0], input_shape[1])

    def get_config(self):
        config_ = super().get_config()
        config_.update({"data_format": self.data_format, "keepdims": self.keepdims})
        return config_
