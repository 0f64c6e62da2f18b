"""`keras.layers.Conv2DTranspose`: 2D transposed convolution (deconvolution)."""
from torchkeras.api_export import keras_export
from torchkeras.layers.convolutional.base_conv_transpose import BaseConvTranspose


@keras_export("keras.layers.Conv2DTranspose", "keras.layers.Convolution2DTranspose",
              "keras.layers.Deconvolution2D", "keras.layers.Deconv2D")
class Conv2DTranspose(BaseConvTranspose):
    """2D transposed convolution: the gradient of a `Conv2D` with respect to its input.

    Inputs `(batch, height, width, channels)` (channels_last) or
    `(batch, channels, height, width)` (channels_first); kernel `(kh, kw, filters, channels)`.
    With `padding="same"` and no `output_padding` the output is `input * strides` along each spatial axis.
    """

    def __init__(self, filters=None, kernel_size=None, strides=(1, 1), padding="valid",
                 output_padding=None, data_format=None,
                 dilation_rate=(1, 1), activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(rank=2, filters=filters, kernel_size=kernel_size, strides=strides, padding=padding,
                         output_padding=output_padding, data_format=data_format, dilation_rate=dilation_rate,
                         activation=activation, use_bias=use_bias, kernel_initializer=kernel_initializer,
                         bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
                         bias_regularizer=bias_regularizer, activity_regularizer=activity_regularizer,
                         kernel_constraint=kernel_constraint, bias_constraint=bias_constraint, **kwargs)
