"""`keras.layers.AdaptiveMaxPooling2D`: max pooling to a fixed output size over height and width."""
from torchkeras.api_export import keras_export
from torchkeras.layers.pooling.base_adaptive_pooling import BaseAdaptivePooling


@keras_export("keras.layers.AdaptiveMaxPooling2D")
class AdaptiveMaxPooling2D(BaseAdaptivePooling):
    """Max pooling of `(batch, height, width, channels)` inputs (or channels_first) to `output_size`
    (an int, or 2 ints) along height and width.

    Windows start at `floor(i * in / out)` and end at `ceil((i + 1) * in / out)`, like torch's adaptive pooling.
    """

    pool_mode = "max"

    def __init__(self, output_size, data_format=None, **kwargs):
        super().__init__(output_size, 2, data_format=data_format, **kwargs)
