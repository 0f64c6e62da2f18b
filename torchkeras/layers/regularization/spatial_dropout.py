"""`keras.layers.SpatialDropout1D/2D/3D`: dropout of whole feature maps (channels) in training."""
from torchkeras import random
from torchkeras.api_export import keras_export
from torchkeras.backend import config as backend_config
from torchkeras.layers.input_spec import InputSpec
from torchkeras.layers.layer import Layer
from torchkeras.layers.regularization.noise_utils import check_unit_interval, make_seed_generator


class BaseSpatialDropout(Layer):
    """Zeroes whole channels with probability `rate` (scaling the rest by `1 / (1 - rate)`) during training."""

    rank = None

    def __init__(self, rate, seed=None, name=None, dtype=None, data_format=None, **kwargs):
        kwargs.pop("noise_shape", None)  # Keras 2 configs carry `noise_shape: None`
        super().__init__(name=name, dtype=dtype, **kwargs)
        check_unit_interval("rate", rate)
        self.rate = rate
        self.seed = seed
        self.noise_shape = None
        self.seed_generator = make_seed_generator(seed) if rate > 0 else None
        self.data_format = backend_config.standardize_data_format(data_format)
        self.input_spec = InputSpec(ndim=self.rank + 2)
        self.supports_masking = True
        self.built = True

    def _noise_shape(self, shape):
        spatial = (1,) * self.rank
        if self.data_format == "channels_first":
            return (shape[0], shape[1]) + spatial
        return (shape[0],) + spatial + (shape[-1],)

    def call(self, inputs, training=False):
        if not training or self.rate <= 0:
            return inputs
        return random.dropout(inputs, self.rate, noise_shape=self._noise_shape(tuple(inputs.shape)),
                              seed=self.seed_generator)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        # Keras writes this short config (dtype as a plain string, no `trainable`), and the 2D/3D layers'
        # `data_format`.
        config = {"rate": self.rate, "seed": self.seed, "name": self.name, "dtype": self.dtype}
        if self.rank > 1:
            config["data_format"] = self.data_format
        return config


@keras_export("keras.layers.SpatialDropout1D")
class SpatialDropout1D(BaseSpatialDropout):
    """Drops entire 1D feature maps: inputs `(batch, timesteps, channels)`, one mask value per channel."""

    rank = 1

    def __init__(self, rate, seed=None, name=None, dtype=None, **kwargs):
        super().__init__(rate, seed=seed, name=name, dtype=dtype, data_format="channels_last", **kwargs)


@keras_export("keras.layers.SpatialDropout2D")
class SpatialDropout2D(BaseSpatialDropout):
    """Drops entire 2D feature maps of 4D inputs (`data_format` says where the channels are)."""

    rank = 2

    def __init__(self, rate, data_format=None, seed=None, name=None, dtype=None, **kwargs):
        super().__init__(rate, seed=seed, name=name, dtype=dtype, data_format=data_format, **kwargs)


@keras_export("keras.layers.SpatialDropout3D")
class SpatialDropout3D(BaseSpatialDropout):
    """Drops entire 3D feature maps of 5D inputs (`data_format` says where the channels are)."""

    rank = 3

    def __init__(self, rate, data_format=None, seed=None, name=None, dtype=None, **kwargs):
        super().__init__(rate, seed=seed, name=name, dtype=dtype, data_format=data_format, **kwargs)
