"""`keras.layers.Conv3D`: 3D (volumetric) convolution."""
from torchkeras.api_export import keras_export
from torchkeras.layers.convolutional import legacy
from torchkeras.layers.convolutional.base_conv import BaseConv


@keras_export("keras.layers.Conv3D", "keras.layers.Convolution3D")
class Conv3D(BaseConv):
    """3D convolution over three spatial axes.

    Inputs `(batch, d1, d2, d3, channels)` (channels_last) or `(batch, channels, d1, d2, d3)`
    (channels_first); kernel `(k1, k2, k3, channels // groups, filters)`. Keras 1 spellings
    (`Convolution3D(nb_filter, kernel_dim1, kernel_dim2, kernel_dim3, border_mode=, subsample=, ...)`) are
    accepted with a DeprecationWarning.
    """

    def __init__(self, filters=None, kernel_size=None, strides=(1, 1, 1), padding="valid", data_format=None,
                 dilation_rate=(1, 1, 1), groups=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros", kernel_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 **kwargs):
        args = legacy.translate_conv("Conv3D", 3, {
            "filters": filters, "kernel_size": kernel_size, "strides": strides, "padding": padding,
            "data_format": data_format, "dilation_rate": dilation_rate, "use_bias": use_bias,
            "kernel_initializer": kernel_initializer, "kernel_regularizer": kernel_regularizer,
            "bias_regularizer": bias_regularizer, "kernel_constraint": kernel_constraint,
            "bias_constraint": bias_constraint}, kwargs)
        super().__init__(rank=3, groups=groups, activation=activation, bias_initializer=bias_initializer,
                         activity_regularizer=activity_regularizer, **args, **kwargs)
