"""The separable convolution base of `SeparableConv1D` and `SeparableConv2D`."""
import torch.nn.functional as F

from torchkeras import activations, constraints, initializers, regularizers
from torchkeras.backend import config
from torchkeras.layers.convolutional import conv_utils
from torchkeras.layers.convolutional.base_depthwise_conv import DepthwiseMixin
from torchkeras.layers.input_spec import InputSpec
from torchkeras.layers.layer import Layer


class BaseSeparableConv(DepthwiseMixin, Layer):
    """A depthwise convolution (`depth_multiplier` filters per input channel, no bias) followed by a pointwise
    (1x1) convolution to `filters` channels, plus bias and activation.

    Weights, in Keras's order: `depthwise_kernel (*kernel_size, channels, depth_multiplier)`,
    `pointwise_kernel (1, ..., channels * depth_multiplier, filters)`, `bias (filters,)`.
    """

    def __init__(self, rank, depth_multiplier, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, activation=None, use_bias=True, depthwise_initializer="glorot_uniform",
                 pointwise_initializer="glorot_uniform", bias_initializer="zeros", depthwise_regularizer=None,
                 pointwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, pointwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        name = type(self).__name__
        if filters is None:
            raise TypeError(f"{name}.__init__() missing 1 required positional argument: 'filters'")
        if kernel_size is None:
            raise TypeError(f"{name}.__init__() missing 1 required positional argument: 'kernel_size'")
        self.rank = rank
        self.depth_multiplier = conv_utils.positive_int(depth_multiplier, "depth_multiplier")
        self.filters = conv_utils.positive_int(filters, "filters")
        self.kernel_size = conv_utils.standardize_tuple(kernel_size, rank, "kernel_size")
        self.strides = conv_utils.standardize_tuple(strides, rank, "strides")
        self.dilation_rate = conv_utils.standardize_tuple(dilation_rate, rank, "dilation_rate")
        self.padding = conv_utils.standardize_padding(padding)
        self.data_format = config.standardize_data_format(data_format)
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(
                "`strides > 1` not supported in conjunction with `dilation_rate > 1`. "
                f"Received: strides={self.strides} and dilation_rate={self.dilation_rate}"
            )
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.depthwise_initializer = initializers.get(depthwise_initializer)
        self.pointwise_initializer = initializers.get(pointwise_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.depthwise_regularizer = regularizers.get(depthwise_regularizer)
        self.pointwise_regularizer = regularizers.get(pointwise_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.depthwise_constraint = constraints.get(depthwise_constraint)
        self.pointwise_constraint = constraints.get(pointwise_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.input_spec = InputSpec(min_ndim=rank + 2)
        self._init_depthwise()

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
        if self.use_bias:
            self.bias = self.add_weight(name="bias", shape=(self.filters,), initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer, constraint=self.bias_constraint)
        else:
            self.bias = None
        self.built = True

    def call(self, inputs):
        depthwise = self.depthwise_kernel
        pointwise = self.pointwise_kernel
        x = self._depthwise(self._to_torch(conv_utils.match_dtype(inputs, depthwise)), depthwise, None)
        if self._channels_last:
            # The pointwise step is a matmul over the (contiguous) channels axis.
            out = F.linear(self._from_torch(x), pointwise.reshape(pointwise.shape[-2:]).t(), self.bias)
        else:
            out = conv_utils.CONV[self.rank](x, conv_utils.torch_conv_kernel(pointwise), self.bias)
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
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "depthwise_initializer": initializers.serialize(self.depthwise_initializer),
            "pointwise_initializer": initializers.serialize(self.pointwise_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "depthwise_regularizer": regularizers.serialize(self.depthwise_regularizer),
            "pointwise_regularizer": regularizers.serialize(self.pointwise_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "depthwise_constraint": constraints.serialize(self.depthwise_constraint),
            "pointwise_constraint": constraints.serialize(self.pointwise_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
        })
        return config_
