"""The N-D transposed convolution base of `Conv1DTranspose`, `Conv2DTranspose` and `Conv3DTranspose`."""
from torchkeras import activations
from torchkeras.backend import config
from torchkeras.layers.convolutional import conv_args
from torchkeras.layers.convolutional import conv_utils
from torchkeras.layers.input_spec import InputSpec
from torchkeras.layers.layer import Layer
from torchkeras.ops import conv_geometry
from torchkeras.ops.conv_geometry import transpose_crops


def transpose_output_length(size, kernel, stride, dilation, padding, output_padding):
    if size is None:
        return None
    before, after = transpose_crops(kernel, stride, dilation, padding, output_padding)
    return (size - 1) * stride + (kernel - 1) * dilation + 1 - before - after


class BaseConvTranspose(Layer):
    """`activation(conv_transpose(inputs, kernel) + bias)` over `rank` spatial axes.

    The kernel has Keras's layout `(*kernel_size, filters, input_channels)` (filters before inputs).
    """

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid", output_padding=None,
                 data_format=None, dilation_rate=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros", kernel_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        conv_args.check_required(self, filters=filters, kernel_size=kernel_size)
        self.rank = rank
        self.filters = conv_utils.positive_int(filters, "filters")
        conv_args.set_window(self, rank, kernel_size, strides, dilation_rate, padding)
        if output_padding is None:
            self.output_padding = None
        else:
            self.output_padding = conv_utils.standardize_tuple(output_padding, rank, "output_padding",
                                                               allow_zero=True)
            for i, (op, s) in enumerate(zip(self.output_padding, self.strides)):
                if op >= s:
                    raise ValueError(
                        "`output_padding` must be strictly less than `strides` for all dimensions. At dimension "
                        f"{i}, `output_padding` is {op} but `strides` is {s}. Received: "
                        f"output_padding={self.output_padding}, strides={self.strides}"
                    )
        conv_args.check_strides_and_dilation(self)
        self.data_format = config.standardize_data_format(data_format)
        conv_args.set_weight_args(self, activation, use_bias, kernel_initializer=kernel_initializer,
                                  bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
                                  bias_regularizer=bias_regularizer, kernel_constraint=kernel_constraint,
                                  bias_constraint=bias_constraint)
        self.input_spec = InputSpec(min_ndim=rank + 2)
        self._channels_last = self.data_format == "channels_last"
        # channels_last 1D runs as 2D over a (1, steps) image (see conv_utils.lift_1d).
        self._lifted = rank == 1 and self._channels_last
        self._conv_transpose = conv_geometry.CONV_TRANSPOSE[rank + self._lifted]
        self._torch_strides = (1,) * self._lifted + self.strides
        self._torch_dilation = (1,) * self._lifted + self.dilation_rate
        self._plan = self._torch_plan()

    def _torch_plan(self):
        """torch `padding`, `output_padding`, and the crops/zero-pads left to do after torch, per torch axis."""
        padding, output_padding, rest = [0] * self._lifted, [0] * self._lifted, [(0, 0)] * self._lifted
        for i in range(self.rank):
            op = None if self.output_padding is None else self.output_padding[i]
            before, after = transpose_crops(self.kernel_size[i], self.strides[i], self.dilation_rate[i],
                                            self.padding, op)
            limit = max(self.strides[i], self.dilation_rate[i])
            if before >= 0 and 0 <= before - after < limit:
                # torch crops `padding` on both sides and then appends `output_padding` on the right.
                padding.append(before)
                output_padding.append(before - after)
                rest.append((0, 0))
            else:
                # E.g. "same", kernel 3, stride 2: crop 0 before and 1 after. With `output_padding < strides`
                # (checked in __init__) the crops here are never negative, so a slice (a view) finishes the job.
                common = min(before, after)
                padding.append(common)
                output_padding.append(0)
                rest.append((before - common, after - common))
        slices = None
        if any(b or a for b, a in rest):
            slices = tuple([slice(None), slice(None)] + [slice(b, -a if a else None) for b, a in rest])
        return tuple(padding), tuple(output_padding), slices

    def build(self, input_shape):
        channels = conv_args.input_channels(self, input_shape)
        self.input_spec = InputSpec(min_ndim=self.rank + 2,
                                    axes={conv_utils.channel_axis(self.data_format): channels})
        self.kernel = self.add_weight(name="kernel", shape=self.kernel_size + (self.filters, channels),
                                      initializer=self.kernel_initializer, regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self.bias = conv_args.add_bias(self, self.filters)
        self.built = True

    def call(self, inputs):
        kernel = self.kernel
        x = conv_utils.match_dtype(inputs, kernel)
        if self._lifted:
            x, kernel = conv_utils.lift_1d(x), kernel.unsqueeze(0)
        elif self._channels_last:
            x = conv_geometry.to_channels_first(x)
        padding, output_padding, slices = self._plan
        out = self._conv_transpose(x, conv_geometry.torch_conv_kernel(kernel), self.bias, self._torch_strides,
                                   padding, output_padding, 1, self._torch_dilation)
        if slices is not None:
            out = out[slices]
        if self._lifted:
            out = conv_utils.unlift_1d(out)
        elif self._channels_last:
            out = conv_geometry.to_channels_last(out)
        if self.activation is not activations.linear:
            out = self.activation(out)
        return out

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        spatial = input_shape[1:-1] if self._channels_last else input_shape[2:]
        out = []
        for i, size in enumerate(spatial):
            op = None if self.output_padding is None else self.output_padding[i]
            out.append(transpose_output_length(size, self.kernel_size[i], self.strides[i], self.dilation_rate[i],
                                               self.padding, op))
        if self._channels_last:
            return (input_shape[0],) + tuple(out) + (self.filters,)
        return (input_shape[0], self.filters) + tuple(out)

    def get_config(self):
        config_ = super().get_config()
        config_.update({
            "filters": self.filters,
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "output_padding": self.output_padding,
            "data_format": self.data_format,
            "dilation_rate": self.dilation_rate,
            **conv_args.weight_args_config(self, ("kernel", "bias")),
        })
        return config_
