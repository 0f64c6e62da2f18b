"""The depthwise convolution base of `DepthwiseConv1D` and `DepthwiseConv2D`."""

from torchkeras import activations
from torchkeras.backend import config
from torchkeras.layers.convolutional import conv_args
from torchkeras.layers.convolutional import conv_utils
from torchkeras.layers.convolutional.conv_plan import ConvPlanMixin
from torchkeras.layers.input_spec import InputSpec
from torchkeras.layers.layer import Layer
from torchkeras.ops import conv_geometry


def torch_depthwise_kernel(kernel):
    """Keras `(*spatial, in, multiplier)` as a grouped torch weight `(in * multiplier, 1, *spatial)`.

    Output channel `c * multiplier + j` comes from input channel `c`, as in Keras.
    """
    n = kernel.dim()
    flat = kernel.reshape(tuple(kernel.shape[:-2]) + (1, kernel.shape[-2] * kernel.shape[-1]))
    return flat.permute(n - 1, n - 2, *range(n - 2))


class DepthwiseMixin(ConvPlanMixin):
    """The depthwise convolution step shared by depthwise and separable layers (no bias)."""

    def _to_torch(self, x):
        """The input as the channels_first (or lifted 2D) view torch's kernels take."""
        if self._lifted:
            return conv_utils.lift_1d(x)
        return conv_geometry.to_channels_first(x) if self._channels_last else x

    def _from_torch(self, out):
        if self._lifted:
            return conv_utils.unlift_1d(out)
        return conv_geometry.to_channels_last(out) if self._channels_last else out

    def _depthwise(self, x, kernel, bias, absorbed_pads=None):
        """Depthwise convolution of `x` (as given by `_to_torch`) with a Keras-layout `kernel`; `absorbed_pads`:
        the zero padding `x` stands for (see `_absorbs_zero_padding`)."""
        if self._lifted:
            kernel = kernel.unsqueeze(0)
        x, kernel, padding = self._padded(x, kernel, absorbed_pads)
        return self._conv(x, torch_depthwise_kernel(kernel), bias, self._torch_strides, padding,
                          self._torch_dilation, kernel.shape[-2])

    def _check_input_shape(self, input_shape):
        channels = conv_args.input_channels(self, input_shape)
        self.input_spec = InputSpec(min_ndim=self.rank + 2,
                                    axes={conv_utils.channel_axis(self.data_format): channels})
        return channels


class BaseDepthwiseConv(DepthwiseMixin, Layer):
    """`activation(depthwise_conv(inputs, kernel) + bias)`: each input channel is convolved with its own
    `depth_multiplier` filters, giving `channels * depth_multiplier` outputs.

    The kernel has Keras 3's name `kernel` (Keras 2 called it `depthwise_kernel`; that name still reads it)
    and layout `(*kernel_size, channels, depth_multiplier)`.
    """

    # The output is a new tensor (or a view of one) that nothing else holds: the graph plan may let a following
    # activation overwrite it in inference.
    _returns_new_tensor = True

    def __init__(self, rank, depth_multiplier, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, activation=None, use_bias=True, depthwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, depthwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        conv_args.check_required(self, kernel_size=kernel_size)
        self.rank = rank
        self.depth_multiplier = conv_utils.positive_int(depth_multiplier, "depth_multiplier")
        conv_args.set_window(self, rank, kernel_size, strides, dilation_rate, padding)
        self.data_format = config.standardize_data_format(data_format)
        conv_args.check_strides_and_dilation(self)
        conv_args.set_weight_args(self, activation, use_bias, depthwise_initializer=depthwise_initializer,
                                  bias_initializer=bias_initializer, depthwise_regularizer=depthwise_regularizer,
                                  bias_regularizer=bias_regularizer, depthwise_constraint=depthwise_constraint,
                                  bias_constraint=bias_constraint)
        self.input_spec = InputSpec(min_ndim=rank + 2)
        self._init_conv_plan()

    @property
    def depthwise_kernel(self):
        """Keras 2's name for `kernel`."""
        return self.kernel

    def build(self, input_shape):
        channels = self._check_input_shape(input_shape)
        self.compute_output_shape(input_shape)
        self.kernel = self.add_weight(name="kernel", shape=self.kernel_size + (channels, self.depth_multiplier),
                                      initializer=self.depthwise_initializer,
                                      regularizer=self.depthwise_regularizer, constraint=self.depthwise_constraint)
        self.bias = conv_args.add_bias(self, channels * self.depth_multiplier)
        self.built = True

    def _convolve(self, inputs, absorbed_pads):
        kernel = self.kernel
        x = self._to_torch(conv_utils.match_dtype(inputs, kernel))
        out = self._from_torch(self._depthwise(x, kernel, self.bias, absorbed_pads))
        if self.activation is not activations.linear:
            out = self.activation(out)
        return out

    def compute_output_shape(self, input_shape):
        channels = tuple(input_shape)[conv_utils.channel_axis(self.data_format)]
        out_channels = None if channels is None else channels * self.depth_multiplier
        return conv_utils.conv_output_shape(input_shape, out_channels, self.kernel_size, self.strides,
                                            self.padding, self.data_format, self.dilation_rate)

    def get_config(self):
        config_ = super().get_config()
        config_.update({
            "depth_multiplier": self.depth_multiplier,
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "data_format": self.data_format,
            "dilation_rate": self.dilation_rate,
            **conv_args.weight_args_config(self, ("depthwise", "bias")),
        })
        return config_
