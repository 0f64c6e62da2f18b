"""The N-D convolution base of `Conv1D`, `Conv2D` and `Conv3D`."""

from torchkeras import activations
from torchkeras.backend import config
from torchkeras.layers.convolutional import conv_args
from torchkeras.layers.convolutional import conv_utils
from torchkeras.layers.convolutional.conv_plan import ConvPlanMixin
from torchkeras.layers.core import lora
from torchkeras.layers.core import own_variables
from torchkeras.layers.input_spec import InputSpec
from torchkeras.layers.layer import Layer
from torchkeras.ops import conv_geometry


class BaseConv(ConvPlanMixin, Layer):
    """`activation(conv(inputs, kernel) + bias)` over `rank` spatial axes.

    The kernel has Keras's layout `(*kernel_size, input_channels // groups, filters)`; `call` hands torch a
    permuted view of it, and a channels_first view of channels_last inputs (no copies).
    """

    # The output is a new tensor (or a view of one) that nothing else holds: the graph plan may let a following
    # activation overwrite it in inference.
    _returns_new_tensor = True

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid", data_format=None, dilation_rate=1,
                 groups=1, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None, lora_rank=None,
                 lora_alpha=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        conv_args.check_required(self, filters=filters, kernel_size=kernel_size)
        self.lora_rank = lora_rank
        self.lora_alpha = lora_alpha if lora_alpha is not None else lora_rank
        self.lora_enabled = False
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
        conv_args.set_window(self, rank, kernel_size, strides, dilation_rate, padding, allow_causal=rank == 1)
        self.data_format = config.standardize_data_format(data_format)
        conv_args.check_strides_and_dilation(self)
        conv_args.set_weight_args(self, activation, use_bias, kernel_initializer=kernel_initializer,
                                  bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
                                  bias_regularizer=bias_regularizer, kernel_constraint=kernel_constraint,
                                  bias_constraint=bias_constraint)
        self.input_spec = InputSpec(min_ndim=rank + 2)
        self._init_conv_plan()

    # --- build ---------------------------------------------------------------------------------------
    def build(self, input_shape):
        channels = conv_args.input_channels(self, input_shape)
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
        self.bias = conv_args.add_bias(self, self.filters)
        self.built = True
        if self.lora_rank:
            self.enable_lora(self.lora_rank, lora_alpha=self.lora_alpha)

    # --- call ----------------------------------------------------------------------------------------
    def _convolve(self, inputs, absorbed_pads):
        kernel = self.kernel
        if self.lora_enabled:
            kernel = lora.merged(self, kernel, self.lora_kernel_a, self.lora_kernel_b)
        x = conv_utils.match_dtype(inputs, kernel)
        if self._lifted:
            x, kernel = conv_utils.lift_1d(x), kernel.unsqueeze(0)
        elif self._channels_last:
            x = conv_geometry.to_channels_first(x)
        x, kernel, padding = self._padded(x, kernel, absorbed_pads)
        out = self._conv(x, conv_geometry.torch_conv_kernel(kernel), self.bias, self._torch_strides, padding,
                         self._torch_dilation, self.groups)
        if self._lifted:
            out = conv_utils.unlift_1d(out)
        elif self._channels_last:
            out = conv_geometry.to_channels_last(out)
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
            **conv_args.weight_args_config(self, ("kernel", "bias")),
        })
        if self.lora_rank:
            config_["lora_rank"] = self.lora_rank
            config_["lora_alpha"] = self.lora_alpha
        return config_

    # --- LoRA ----------------------------------------------------------------------------------------
    def enable_lora(self, rank, lora_alpha=None, a_initializer="he_uniform", b_initializer="zeros"):
        """Freeze the kernel and learn `(lora_alpha / rank) * lora_kernel_a @ lora_kernel_b` in its place
        (`lora_kernel_a` has the kernel's shape with `rank` output channels)."""
        lora.check_can_enable(self, self.kernel_constraint)
        self.lora_kernel_a, self.lora_kernel_b = lora.add_weights(
            self, ("lora_kernel_a", "lora_kernel_b"), tuple(self.kernel.shape[:-1]) + (rank,), (rank, self.filters),
            a_initializer, b_initializer, self.kernel_regularizer)
        lora.freeze(self, self.kernel, rank, lora_alpha)

    # --- saving --------------------------------------------------------------------------------------
    def save_own_variables(self, store):
        """The kernel (with a LoRA update merged in) and the bias."""
        if not self.built:
            return
        kernel = self.kernel
        if self.lora_enabled:
            kernel = lora.merged(self, kernel, self.lora_kernel_a, self.lora_kernel_b)
        own_variables.write(store, [kernel] + ([self.bias] if self.use_bias else []))

    def _check_load_own_variables(self, store):
        """Raise if `load_own_variables(store)` would fail (count, shapes); changes nothing."""
        if self.built:
            own_variables.check(self, store, self._variables_to_load(), count=not self.lora_enabled)
        elif not self.lora_enabled:
            own_variables.check_count(self, store, self._trainable_variables + self._non_trainable_variables)

    def load_own_variables(self, store):
        """Read the kernel and bias; LoRA weights restart from zero (the file's kernel is merged)."""
        if not self.built:
            self._check_load_own_variables(store)
            return
        targets = self._variables_to_load()
        own_variables.assign(targets, own_variables.check(self, store, targets, count=not self.lora_enabled))
        if self.lora_enabled:
            lora.reset(self.lora_kernel_a, self.lora_kernel_b)

    def _variables_to_load(self):
        return [self.kernel] + ([self.bias] if self.use_bias else [])
