"""The depthwise convolution base of `DepthwiseConv1D` and `DepthwiseConv2D`."""
import torch.nn.functional as F

from torchkeras import activations, constraints, initializers, regularizers
from torchkeras.backend import config
from torchkeras.layers.convolutional import conv_utils
from torchkeras.layers.input_spec import InputSpec
from torchkeras.layers.layer import Layer


def torch_depthwise_kernel(kernel):
    """Keras `(*spatial, in, multiplier)` as a grouped torch weight `(in * multiplier, 1, *spatial)`.

    Output channel `c * multiplier + j` comes from input channel `c`, as in Keras.
    """
    n = kernel.dim()
    flat = kernel.reshape(tuple(kernel.shape[:-2]) + (1, kernel.shape[-2] * kernel.shape[-1]))
    return flat.permute(n - 1, n - 2, *range(n - 2))


class DepthwiseMixin:
    """The depthwise convolution step shared by depthwise and separable layers (no bias).

    channels_last 1D inputs run as 2D over a (1, steps) image (see `conv_utils.lift_1d`).
    """

    def _init_depthwise(self):
        self._channels_last = self.data_format == "channels_last"
        self._lifted = self.rank == 1 and self._channels_last
        lead = (1,) if self._lifted else ()
        self._conv = conv_utils.CONV[self.rank + len(lead)]
        self._torch_strides = lead + self.strides
        self._torch_dilation = lead + self.dilation_rate
        self._pad_cache = {}

    def _depthwise_padding(self, spatial):
        plan = self._pad_cache.get(spatial)
        if plan is None:
            plan = conv_utils.padding_plan(self.padding, spatial, self.kernel_size, self.strides,
                                           self.dilation_rate, self._lifted)
            self._pad_cache[spatial] = plan
        return plan

    def _to_torch(self, x):
        """The input as the channels_first (or lifted 2D) view torch's kernels take."""
        if self._lifted:
            return conv_utils.lift_1d(x)
        return conv_utils.to_channels_first(x) if self._channels_last else x

    def _from_torch(self, out):
        if self._lifted:
            return conv_utils.unlift_1d(out)
        return conv_utils.to_channels_last(out) if self._channels_last else out

    def _depthwise(self, x, kernel, bias):
        """Depthwise convolution of `x` (as given by `_to_torch`) with a Keras-layout `kernel`."""
        if self._lifted:
            kernel = kernel.unsqueeze(0)
        padding, explicit = self._depthwise_padding(tuple(x.shape[-self.rank:]))
        if explicit is not None:
            x = F.pad(x, explicit)
        return self._conv(x, torch_depthwise_kernel(kernel), bias, self._torch_strides, padding,
                          self._torch_dilation, kernel.shape[-2])

    def _check_input_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if len(input_shape) != self.rank + 2:
            raise ValueError(
                f'Input 0 of layer "{self.name}" is incompatible with the layer: expected ndim={self.rank + 2}, '
                f"found ndim={len(input_shape)}. Full shape received: {input_shape}"
            )
        axis = conv_utils.channel_axis(self.data_format)
        channels = input_shape[axis]
        if channels is None:
            raise ValueError(
                f"The channel dimension of the inputs to {type(self).__name__} should be defined. "
                f"Found None. Full input shape received: {input_shape} (data_format={self.data_format})"
            )
        self.input_spec = InputSpec(min_ndim=self.rank + 2, axes={axis: channels})
        return channels


class BaseDepthwiseConv(DepthwiseMixin, Layer):
    """`activation(depthwise_conv(inputs, kernel) + bias)`: each input channel is convolved with its own
    `depth_multiplier` filters, giving `channels * depth_multiplier` outputs.

    The kernel has Keras 3's name `kernel` (Keras 2 called it `depthwise_kernel`; that name still reads it)
    and layout `(*kernel_size, channels, depth_multiplier)`.
    """

    def __init__(self, rank, depth_multiplier, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, activation=None, use_bias=True, depthwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, depthwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        if kernel_size is None:
            raise TypeError(f"{type(self).__name__}.__init__() missing 1 required positional argument: "
                            "'kernel_size'")
        self.rank = rank
        self.depth_multiplier = conv_utils.positive_int(depth_multiplier, "depth_multiplier")
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
        self.bias_initializer = initializers.get(bias_initializer)
        self.depthwise_regularizer = regularizers.get(depthwise_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.depthwise_constraint = constraints.get(depthwise_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.input_spec = InputSpec(min_ndim=rank + 2)
        self._init_depthwise()

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
        if self.use_bias:
            self.bias = self.add_weight(name="bias", shape=(channels * self.depth_multiplier,),
                                        initializer=self.bias_initializer, regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint)
        else:
            self.bias = None
        self.built = True

    def call(self, inputs):
        kernel = self.kernel
        x = self._to_torch(conv_utils.match_dtype(inputs, kernel))
        out = self._from_torch(self._depthwise(x, kernel, self.bias))
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
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "depthwise_initializer": initializers.serialize(self.depthwise_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "depthwise_regularizer": regularizers.serialize(self.depthwise_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "depthwise_constraint": constraints.serialize(self.depthwise_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
        })
        return config_
