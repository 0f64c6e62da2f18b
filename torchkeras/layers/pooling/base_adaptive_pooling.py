"""The base of the adaptive pooling layers: pool to a fixed spatial `output_size`."""
import numbers

import torch.nn.functional as F

from torchkeras.backend import config
from torchkeras.layers.layer import Layer
from torchkeras.ops import conv_geometry

_AVG = {1: F.adaptive_avg_pool1d, 2: F.adaptive_avg_pool2d, 3: F.adaptive_avg_pool3d}
_MAX = {1: F.adaptive_max_pool1d, 2: F.adaptive_max_pool2d, 3: F.adaptive_max_pool3d}


def standardize_output_size(output_size, rank):
    if isinstance(output_size, numbers.Integral) and not isinstance(output_size, bool):
        return (int(output_size),) * rank
    if isinstance(output_size, (tuple, list)):
        if len(output_size) != rank:
            raise ValueError(
                f"For {rank}D input, `output_size` tuple must have length {rank}. Received: {output_size}"
            )
        return tuple(int(v) for v in output_size)
    raise TypeError(
        f"`output_size` must be an integer or tuple of {rank} integers. Received: {output_size} of type "
        f"{type(output_size)}"
    )


class BaseAdaptivePooling(Layer):
    """Splits each spatial axis into `output_size` windows of (almost) equal size and pools each."""

    pool_mode = None

    def __init__(self, output_size, rank, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.output_size = standardize_output_size(output_size, rank)
        self.data_format = config.standardize_data_format(data_format)
        self._channels_last = self.data_format == "channels_last"
        self._rank = rank
        self.built = True

    def call(self, inputs):
        x = conv_geometry.to_channels_first(inputs) if self._channels_last else inputs
        # Looked up per call: adaptive_max_pool*d are local functions that cannot be pickled.
        out = (_MAX if self.pool_mode == "max" else _AVG)[self._rank](x, self.output_size)
        return conv_geometry.to_channels_last(out) if self._channels_last else out

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if self._channels_last:
            return (input_shape[0],) + self.output_size + (input_shape[-1],)
        return (input_shape[0], input_shape[1]) + self.output_size

    def get_config(self):
        config_ = super().get_config()
        config_.update({"output_size": self.output_size, "data_format": self.data_format})
        return config_
