"""Convolution layers: Conv1D/2D/3D, their transposes, depthwise and separable convolutions."""
from torchkeras.layers.convolutional.conv1d import Conv1D
from torchkeras.layers.convolutional.conv1d_transpose import Conv1DTranspose
from torchkeras.layers.convolutional.conv2d import Conv2D
from torchkeras.layers.convolutional.conv2d_transpose import Conv2DTranspose
from torchkeras.layers.convolutional.conv3d import Conv3D
from torchkeras.layers.convolutional.conv3d_transpose import Conv3DTranspose
from torchkeras.layers.convolutional.depthwise_conv1d import DepthwiseConv1D
from torchkeras.layers.convolutional.depthwise_conv2d import DepthwiseConv2D
from torchkeras.layers.convolutional.separable_conv1d import SeparableConv1D
from torchkeras.layers.convolutional.separable_conv2d import SeparableConv2D

# Aliases, as in Keras.
Convolution1D = Conv1D
Convolution2D = Conv2D
Convolution3D = Conv3D
Convolution1DTranspose = Conv1DTranspose
Convolution2DTranspose = Conv2DTranspose
Convolution3DTranspose = Conv3DTranspose
SeparableConvolution1D = SeparableConv1D
SeparableConvolution2D = SeparableConv2D
# Keras 2.0's names of the transposed convolutions.
Deconvolution2D = Deconv2D = Conv2DTranspose
Deconvolution3D = Deconv3D = Conv3DTranspose

__all__ = [
    "Conv1D", "Conv2D", "Conv3D", "Conv1DTranspose", "Conv2DTranspose", "Conv3DTranspose", "DepthwiseConv1D",
    "DepthwiseConv2D", "SeparableConv1D", "SeparableConv2D", "Convolution1D", "Convolution2D", "Convolution3D",
    "Convolution1DTranspose", "Convolution2DTranspose", "Convolution3DTranspose", "SeparableConvolution1D",
    "SeparableConvolution2D", "Deconvolution2D", "Deconv2D", "Deconvolution3D", "Deconv3D",
]

# Keras 2's `keras.layers.convolutional` also held the padding, cropping and upsampling layers (and
# re-exported pooling); they resolve lazily (with a one-time warning) to the classes of `keras.layers`.
from torchkeras.utils.keras2_paths import lazy_names as _lazy_names  # noqa: E402

__getattr__ = _lazy_names(__name__, {
    **{f"{kind}{n}D": f"torchkeras.layers.reshaping.{module}{n}d"
       for kind, module in (("UpSampling", "up_sampling"), ("ZeroPadding", "zero_padding"), ("Cropping", "cropping"))
       for n in (1, 2, 3)},
    **{f"{kind}{n}D": f"torchkeras.layers.pooling.{module}{n}d"
       for kind, module in (("MaxPooling", "max_pooling"), ("AveragePooling", "average_pooling")) for n in (1, 2, 3)},
    "AtrousConvolution1D": "torchkeras.legacy.layers", "AtrousConvolution2D": "torchkeras.legacy.layers",
    "AtrousConv1D": "torchkeras.legacy.layers:AtrousConvolution1D",
    "AtrousConv2D": "torchkeras.legacy.layers:AtrousConvolution2D",
}, "keras.layers")
