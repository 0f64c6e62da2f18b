"""The separable convolution base of `SeparableConv1D` and `SeparableConv2D`."""
import torch.nn.functional as F

from torchkeras import activations
from torchkeras.backend import config
from torchkeras.layers.convolutional import conv_args
from torchkeras.layers.convolutional import conv_utils
from torchkeras.layers.convolutional.base_depthwise_conv import DepthwiseMixin
from torchkeras.layers.input_spec import InputSpec
from torchkeras.layers.layer import Layer
from torchkeras.ops import conv_geometry


class BaseSeparableConv(DepthwiseMixin, Layer):
    """A depthwise convolution (`depth_multiplier` filters per input channel, no bias) followed by a pointwise
    (1x1) convolution to `filters` channels, plus bias and activation.

    Weights, in Keras's order: `depthwise_kernel (*kernel_size, channels, depth_multiplier)`,
    `pointwise_kernel (1, ..., channels * depth_multiplier, filters)`, `bias (filters,)`.
    """

    # The output is a new tensor (or a view of one) that nothing else holds: the graph plan may let a following
    # activation overwrite it in inference.
    _returns_new_tensor = True

    def __init__(self, rank, depth_multiplier, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, activation=None, use_bias=True, depthwise_initializer="glorot_uniform",
                 pointwise_initializer="glorot_uniform", bias_initializer="zeros", depthwise_regularizer=None,
                 pointwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, pointwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        conv_args.check_required(self, filters=filters, kernel_size=kernel_size)
        self.rank = rank
        self.depth_multiplier = conv_utils.positive_int(depth_multiplier, "depth_multiplier")
        self.filters = conv_utils.positive_int(filters, "filters")
        conv_args.set_window(self, rank, kernel_size, strides, dilation_rate, padding)
        self.data_format = config.standardize_data_format(data_format)
        conv_args.check_strides_and_dilation(self)
        conv_args.set_weight_args(
            self, activation, use_bias, depthwise_initializer=depthwise_initializer,
            pointwise_initializer=pointwise_initializer, bias_initializer=bias_initializer,
            depthwise_regularizer=depthwise_regularizer, pointwise_regularizer=pointwise_regularizer,
            bias_regularizer=bias_regularizer, depthwise_constraint=depthwise_constraint,
            pointwise_constraint=pointwise_constraint, bias_constraint=bias_constraint)
        self.input_spec = InputSpec(min_ndim=rank + 2)
        self._init_conv_plan()

    def build(self, input_shape):
        channels = self._check_input_shape(input_shape)
        self.compute_output_shape(input_shape)
        self.depthwise_kernel = self.add_weight(
            name="depthwise_kernel", shape=self.kernel_size + (channels, self.depth_multiplier),
            initializer=self.depthwise_initializer, regularizer=self.depthwise_regularizer,
            constraint=self.depthwise_constraint)
        self.pointwise_kernel = self.add_weight(
            name="pointwise_kernel", shape=(1,) * self.rank + (channels * self.depth_multiplier, self.filters),
            initializer=self.pointwise_initializer, regularizer=self.pointwise_regularizer,
            constraint=self.pointwise_constraint)
        self.bias = conv_args.add_bias(self, self.filters)
        self.built = True

    def call(self, inputs):
        depthwise = self.depthwise_kernel
        pointwise = self.pointwise_kernel
        x = self._depthwise(self._to_torch(conv_utils.match_dtype(inputs, depthwise)), depthwise, None)
        if self._channels_last:
            # The pointwise step is a matmul over the (contiguous) channels axis.
            out = F.linear(self._from_torch(x), pointwise.reshape(pointwise.shape[-2:]).t(), self.bias)
        else:
            out = conv_geometry.CONV[self.rank](x, conv_geometry.torch_conv_kernel(pointwise), self.bias)
        if self.activation is not activations.linear:
            out = self.activation(out)
        return out

    def compute_output_shape(self, input_shape):
        return conv_utils.conv_output_shape(input_shape, self.filters, self.kernel_size, self.strides,
                                            self.padding, self.data_format, self.dilation_rate)

    def get_config(self):
        config_ = super().get_config()
        config_.update({
            "depth_multiplier": self.depth_multiplier,
            "filters": self.filters,
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "data_format": self.data_format,
            "dilation_rate": self.dilation_rate,
            **conv_args.weight_args_config(self, ("depthwise", "pointwise", "bias")),
        })
        return config_
