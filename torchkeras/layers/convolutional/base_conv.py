"""The N-D convolution base of `Conv1D`, `Conv2D` and `Conv3D`."""
import torch.nn.functional as F

from torchkeras import activations, constraints, initializers, regularizers
from torchkeras.backend import config
from torchkeras.layers.convolutional import conv_utils
from torchkeras.layers.input_spec import InputSpec
from torchkeras.layers.layer import Layer


class BaseConv(Layer):
    """`activation(conv(inputs, kernel) + bias)` over `rank` spatial axes.

    The kernel has Keras's layout `(*kernel_size, input_channels // groups, filters)`; `call` hands torch a
    permuted view of it, and a channels_first view of channels_last inputs (no copies).
    """

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid", data_format=None, dilation_rate=1,
                 groups=1, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None, lora_rank=None,
                 lora_alpha=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        name = type(self).__name__
        if filters is None:
            raise TypeError(f"{name}.__init__() missing 1 required positional argument: 'filters'")
        if kernel_size is None:
            raise TypeError(f"{name}.__init__() missing 1 required positional argument: 'kernel_size'")
        if lora_rank:
            raise ValueError(
                f"{name} does not support LoRA in torchkeras (received lora_rank={lora_rank}). "
                "Remove the `lora_rank` argument."
            )
        self.rank = rank
        self.filters = conv_utils.positive_int(filters, "filters")
        self.groups = groups
        if isinstance(groups, bool) or not isinstance(groups, int) or groups <= 0:
            raise ValueError(f"The number of groups must be a positive integer. Received: groups={groups}.")
        if self.filters % groups != 0:
            raise ValueError(
                "The number of filters must be evenly divisible by the number of groups. "
                f"Received: groups={groups}, filters={filters}."
            )
        self.kernel_size = conv_utils.standardize_tuple(kernel_size, rank, "kernel_size")
        self.strides = conv_utils.standardize_tuple(strides, rank, "strides")
        self.dilation_rate = conv_utils.standardize_tuple(dilation_rate, rank, "dilation_rate")
        self.padding = conv_utils.standardize_padding(padding, allow_causal=rank == 1)
        self.data_format = config.standardize_data_format(data_format)
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(
                "`strides > 1` not supported in conjunction with `dilation_rate > 1`. "
                f"Received: strides={self.strides} and dilation_rate={self.dilation_rate}"
            )
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.input_spec = InputSpec(min_ndim=rank + 2)
        self._channels_last = self.data_format == "channels_last"
        # channels_last 1D runs as 2D over a (1, steps) image (see conv_utils.lift_1d).
        self._lifted = rank == 1 and self._channels_last
        lead = (1,) if self._lifted else ()
        self._conv = conv_utils.CONV[rank + len(lead)]
        self._torch_strides = lead + self.strides
        self._torch_dilation = lead + self.dilation_rate
        self._pad_cache = {}

    # --- build ---------------------------------------------------------------------------------------
    def _input_channels(self, input_shape):
        input_shape = tuple(input_shape)
        if len(input_shape) != self.rank + 2:
            raise ValueError(
                f'Input 0 of layer "{self.name}" is incompatible with the layer: expected ndim={self.rank + 2}, '
                f"found ndim={len(input_shape)}. Full shape received: {input_shape}"
            )
        channels = input_shape[conv_utils.channel_axis(self.data_format)]
        if channels is None:
            raise ValueError(
                f"The channel dimension of the inputs to {type(self).__name__} should be defined. "
                f"Found None. Full input shape received: {input_shape} (data_format={self.data_format})"
            )
        return channels

    def build(self, input_shape):
        channels = self._input_channels(input_shape)
        if channels % self.groups != 0:
            raise ValueError(
                "The number of input channels must be evenly divisible by the number of groups. Received "
                f"groups={self.groups}, but the input has {channels} channels (full input shape is "
                f"{tuple(input_shape)})."
            )
        self.compute_output_shape(input_shape)
        self.input_spec = InputSpec(min_ndim=self.rank + 2,
                                    axes={conv_utils.channel_axis(self.data_format): channels})
        self.kernel = self.add_weight(name="kernel", shape=self.kernel_size + (channels // self.groups, self.filters),
                                      initializer=self.kernel_initializer, regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        if self.use_bias:
            self.bias = self.add_weight(name="bias", shape=(self.filters,), initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer, constraint=self.bias_constraint)
        else:
            self.bias = None
        self.built = True

    # --- call ----------------------------------------------------------------------------------------
    def _padding(self, spatial):
        """(torch `padding=`, explicit `F.pad` list or None) for inputs of this spatial shape (cached)."""
        plan = self._pad_cache.get(spatial)
        if plan is None:
            plan = conv_utils.padding_plan(self.padding, spatial, self.kernel_size, self.strides,
                                           self.dilation_rate, self._lifted)
            self._pad_cache[spatial] = plan
        return plan

    def call(self, inputs):
        kernel = self.kernel
        x = conv_utils.match_dtype(inputs, kernel)
        if self._lifted:
            x, kernel = conv_utils.lift_1d(x), kernel.unsqueeze(0)
        elif self._channels_last:
            x = conv_utils.to_channels_first(x)
        padding, explicit = self._padding(tuple(x.shape[-self.rank:]))
        if explicit is not None:
            x = F.pad(x, explicit)
        out = self._conv(x, conv_utils.torch_conv_kernel(kernel), self.bias, self._torch_strides, padding,
                         self._torch_dilation, self.groups)
        if self._lifted:
            out = conv_utils.unlift_1d(out)
        elif self._channels_last:
            out = conv_utils.to_channels_last(out)
        if self.activation is not activations.linear:
            out = self.activation(out)
        return out

    def compute_output_shape(self, input_shape):
        return conv_utils.conv_output_shape(input_shape, self.filters, self.kernel_size, self.strides,
                                            self.padding, self.data_format, self.dilation_rate)

    def get_config(self):
        config_ = super().get_config()
        config_.update({
            "filters": self.filters,
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "data_format": self.data_format,
            "dilation_rate": self.dilation_rate,
            "groups": self.groups,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
        })
        return config_
