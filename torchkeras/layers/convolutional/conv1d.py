"""`keras.layers.Conv1D`: 1D (temporal) convolution."""
from torchkeras.api_export import keras_export
from torchkeras.layers.convolutional import legacy
from torchkeras.layers.convolutional.base_conv import BaseConv


@keras_export("keras.layers.Conv1D", "keras.layers.Convolution1D")
class Conv1D(BaseConv):
    """1D convolution over the steps axis; `padding` may also be `"causal"` (left padding only).

    Inputs `(batch, steps, channels)` (channels_last) or `(batch, channels, steps)` (channels_first);
    kernel `(kernel_size, channels // groups, filters)`. Keras 1 spellings (`nb_filter`, `filter_length`,
    `border_mode`, `subsample_length`, `init`, `W_regularizer`, ...) are accepted with a DeprecationWarning.
    """

    def __init__(self, filters=None, kernel_size=None, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, groups=1, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        args = legacy.translate_conv("Conv1D", 1, {
            "filters": filters, "kernel_size": kernel_size, "strides": strides, "padding": padding,
            "data_format": data_format, "dilation_rate": dilation_rate, "use_bias": use_bias,
            "kernel_initializer": kernel_initializer, "kernel_regularizer": kernel_regularizer,
            "bias_regularizer": bias_regularizer, "kernel_constraint": kernel_constraint,
            "bias_constraint": bias_constraint}, kwargs)
        super().__init__(rank=1, groups=groups, activation=activation, bias_initializer=bias_initializer,
                         activity_regularizer=activity_regularizer, **args, **kwargs)
