"""`keras.layers.AdaptiveMaxPooling1D`: max pooling to a fixed output size over the steps axis."""
from torchkeras.api_export import keras_export
from torchkeras.layers.pooling.base_adaptive_pooling import BaseAdaptivePooling


@keras_export("keras.layers.AdaptiveMaxPooling1D")
class AdaptiveMaxPooling1D(BaseAdaptivePooling):
    """Max pooling of `(batch, steps, channels)` inputs (or channels_first) to `output_size`
    (an int, or 1 ints) along the steps axis.

    Windows start at `floor(i * in / out)` and end at `ceil((i + 1) * in / out)`, like torch's adaptive pooling.
    """

    pool_mode = "max"

    def __init__(self, output_size, data_format=None, **kwargs):
        super().__init__(output_size, 1, data_format=data_format, **kwargs)
