"""`keras.layers.Conv2D`: 2D (spatial) convolution."""
from torchkeras.api_export import keras_export
from torchkeras.layers.convolutional import legacy
from torchkeras.layers.convolutional.base_conv import BaseConv


@keras_export("keras.layers.Conv2D", "keras.layers.Convolution2D")
class Conv2D(BaseConv):
    """2D convolution over height and width.

    Inputs `(batch, height, width, channels)` (channels_last) or `(batch, channels, height, width)`
    (channels_first); kernel `(kh, kw, channels // groups, filters)`. Keras 1 spellings
    (`Convolution2D(nb_filter, nb_row, nb_col, border_mode=, subsample=, init=, W_regularizer=, ...)`) are
    accepted with a DeprecationWarning.
    """

    def __init__(self, filters=None, kernel_size=None, strides=(1, 1), padding="valid", data_format=None,
                 dilation_rate=(1, 1), groups=1, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        args = legacy.translate_conv("Conv2D", 2, {
            "filters": filters, "kernel_size": kernel_size, "strides": strides, "padding": padding,
            "data_format": data_format, "dilation_rate": dilation_rate, "use_bias": use_bias,
            "kernel_initializer": kernel_initializer, "kernel_regularizer": kernel_regularizer,
            "bias_regularizer": bias_regularizer, "kernel_constraint": kernel_constraint,
            "bias_constraint": bias_constraint}, kwargs)
        super().__init__(rank=2, groups=groups, activation=activation, bias_initializer=bias_initializer,
                         activity_regularizer=activity_regularizer, **args, **kwargs)
