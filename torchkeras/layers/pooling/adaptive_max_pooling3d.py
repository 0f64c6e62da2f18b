"""`keras.layers.AdaptiveMaxPooling3D`: max pooling to a fixed output size over the three spatial axes."""
from torchkeras.api_export import keras_export
from torchkeras.layers.pooling.base_adaptive_pooling import BaseAdaptivePooling


@keras_export("keras.layers.AdaptiveMaxPooling3D")
class AdaptiveMaxPooling3D(BaseAdaptivePooling):
    """Max pooling of `(batch, d1, d2, d3, channels)` inputs (or channels_first) to `output_size`
    (an int, or 3 ints) along the three spatial axes.

    Windows start at `floor(i * in / out)` and end at `ceil((i + 1) * in / out)`, like torch's adaptive pooling.
    """

    pool_mode = "max"

    def __init__(self, output_size, data_format=None, **kwargs):
        super().__init__(output_size, 3, data_format=data_format, **kwargs)
