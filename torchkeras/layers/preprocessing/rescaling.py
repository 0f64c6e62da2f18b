"""`keras.layers.Rescaling`: `inputs * scale + offset`."""
import numpy as np
import torch

from torchkeras.api_export import keras_export
from torchkeras.backend import config
from torchkeras.backend.dtypes import to_torch_dtype
from torchkeras.layers.layer import Layer
from torchkeras.layers.preprocessing.tensor_inputs import to_tensor


@keras_export("keras.layers.Rescaling", "keras.layers.experimental.preprocessing.Rescaling")
class Rescaling(Layer):
    """Rescale inputs to `inputs * scale + offset` (e.g. `scale=1/255` maps 0-255 pixels to 0-1).

    `scale` and `offset` may be numbers or per-channel lists; the output has the layer's compute dtype.
    """

    def __init__(self, scale, offset=0.0, **kwargs):
        super().__init__(**kwargs)
        self.scale = scale
        self.offset = offset
        self.supports_masking = True

    def call(self, inputs):
        dtype = to_torch_dtype(self.compute_dtype)
        inputs = to_tensor(inputs, dtype)
        scale = torch.as_tensor(np.asarray(self.scale), dtype=dtype, device=inputs.device)
        offset = torch.as_tensor(np.asarray(self.offset), dtype=dtype, device=inputs.device)
        if scale.dim() > 0 and config.image_data_format() == "channels_first":
            scale = scale.reshape(tuple(scale.shape) + (1,) * (3 - scale.dim()))
        return inputs * scale + offset

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        from torchkeras.saving.serialization_lib import serialize_keras_object

        config_ = super().get_config()
        config_.update({"scale": serialize_keras_object(self.scale), "offset": serialize_keras_object(self.offset)})
        return config_

    @classmethod
    def from_config(cls, config_):
        from torchkeras.saving.serialization_lib import deserialize_keras_object

        config_ = dict(config_)
        config_["scale"] = deserialize_keras_object(config_["scale"])
        config_["offset"] = deserialize_keras_object(config_["offset"])
        return super().from_config(config_)
