"""`keras.layers.Conv1DTranspose`: 1D transposed convolution (deconvolution)."""
from torchkeras.api_export import keras_export
from torchkeras.layers.convolutional.base_conv_transpose import BaseConvTranspose


@keras_export("keras.layers.Conv1DTranspose", "keras.layers.Convolution1DTranspose")
class Conv1DTranspose(BaseConvTranspose):
    """1D transposed convolution: the gradient of a `Conv1D` with respect to its input.

    Inputs `(batch, steps, channels)` (channels_last) or
    `(batch, channels, steps)` (channels_first); kernel `(kernel_size, filters, channels)`.
    With `padding="same"` and no `output_padding` the output is `input * strides` along each spatial axis.
    """

    def __init__(self, filters=None, kernel_size=None, strides=1, padding="valid",
                 output_padding=None, data_format=None,
                 dilation_rate=1, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(rank=1, filters=filters, kernel_size=kernel_size, strides=strides, padding=padding,
                         output_padding=output_padding, data_format=data_format, dilation_rate=dilation_rate,
                         activation=activation, use_bias=use_bias, kernel_initializer=kernel_initializer,
                         bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
                         bias_regularizer=bias_regularizer, activity_regularizer=activity_regularizer,
                         kernel_constraint=kernel_constraint, bias_constraint=bias_constraint, **kwargs)
