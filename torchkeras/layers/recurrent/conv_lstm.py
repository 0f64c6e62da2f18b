"""`ConvLSTMCell` and the `ConvLSTM` base of `ConvLSTM1D/2D/3D`: an LSTM whose input and recurrent
transformations are convolutions.

Weights: `kernel (*kernel_size, in, 4 * filters)`, `recurrent_kernel (*kernel_size, filters, 4 * filters)`,
`bias (4 * filters,)`, gate blocks i, f, c, o. The recurrent convolution always uses stride 1 and "same"
padding. The input convolution runs once for all timesteps (time folded into the batch).
"""
import torch

from torchkeras import activations, constraints, initializers, regularizers
from torchkeras import random as keras_random
from torchkeras.backend import config as backend_config
from torchkeras.layers.input_spec import InputSpec
from torchkeras.layers.layer import Layer
from torchkeras.layers.recurrent import conv_ops
from torchkeras.layers.recurrent import rnn_utils
from torchkeras.layers.recurrent.dropout_rnn_cell import DropoutRNNCell
from torchkeras.layers.recurrent.dropout_rnn_cell import clip_rate
from torchkeras.layers.recurrent.rnn import RNN
from torchkeras.layers.recurrent.weights_config import initializers_config
from torchkeras.layers.recurrent.weights_config import penalties_config
from torchkeras.utils import tree


def _apply_mask(x, mask):
    if x.dim() == mask.dim() + 1:
        mask = mask.unsqueeze(1)
    return x * mask


class ConvLSTMCell(Layer, DropoutRNNCell):
    """One ConvLSTM step over `(batch, *spatial, channels)` inputs (or channels_first)."""

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid", data_format=None, dilation_rate=1,
                 activation="tanh", recurrent_activation="sigmoid", use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros", unit_forget_bias=True,
                 kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, seed=None,
                 **kwargs):
        super().__init__(**kwargs)
        self.seed = seed
        self.seed_generator = keras_random.SeedGenerator(seed=seed)
        self.rank = rank
        if self.rank > 3:
            raise ValueError(f"Rank {rank} convolutions are not currently implemented. Received: rank={rank}")
        self.filters = filters
        self.kernel_size = conv_ops.standardize_tuple(kernel_size, rank, "kernel_size")
        self.strides = conv_ops.standardize_tuple(strides, rank, "strides", allow_zero=True)
        self.padding = conv_ops.standardize_padding(padding)
        self.data_format = backend_config.standardize_data_format(data_format)
        self.dilation_rate = conv_ops.standardize_tuple(dilation_rate, rank, "dilation_rate")
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(
                "Specifying `strides > 1` is not compatible with `dilation_rate > 1`. Please provide `strides=1` "
                f"or `dilation_rate=1`. Received: strides={self.strides} and dilation_rate={self.dilation_rate}"
            )
        self.activation = activations.get(activation)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.unit_forget_bias = unit_forget_bias
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = regularizers.get(recurrent_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.recurrent_constraint = constraints.get(recurrent_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.dropout = clip_rate(dropout)
        self.recurrent_dropout = clip_rate(recurrent_dropout)
        self.dropout_mask_count = 4
        self.input_spec = InputSpec(ndim=rank + 2)
        self.state_size = -1  # the states are feature maps; see get_initial_state

    @property
    def _channel_axis(self):
        return -1 if self.data_format == "channels_last" else 1

    def build(self, inputs_shape, states_shape=None):
        inputs_shape = tuple(inputs_shape)
        if self.data_format == "channels_first":
            channel_axis = 1
            self.spatial_dims = tuple(inputs_shape[2:])
        else:
            channel_axis = -1
            self.spatial_dims = tuple(inputs_shape[1:-1])
        if None in self.spatial_dims:
            raise ValueError(
                "ConvLSTM layers only support static input shapes for the spatial dimension. Received invalid "
                f"input shape: input_shape={inputs_shape}"
            )
        if inputs_shape[channel_axis] is None:
            raise ValueError(
                "The channel dimension of the inputs (last axis) should be defined. Found None. Full input shape "
                f"received: input_shape={inputs_shape}"
            )
        self.input_spec = InputSpec(ndim=self.rank + 3, shape=(None,) + inputs_shape[1:])
        input_dim = inputs_shape[channel_axis]
        self.input_dim = input_dim
        self.kernel_shape = self.kernel_size + (input_dim, self.filters * 4)
        self.kernel = self.add_weight(shape=self.kernel_shape, initializer=self.kernel_initializer, name="kernel",
                                      regularizer=self.kernel_regularizer, constraint=self.kernel_constraint)
        self.recurrent_kernel = self.add_weight(
            shape=self.kernel_size + (self.filters, self.filters * 4), initializer=self.recurrent_initializer,
            name="recurrent_kernel", regularizer=self.recurrent_regularizer, constraint=self.recurrent_constraint)
        if self.use_bias:
            initializer = self._forget_bias_initializer if self.unit_forget_bias else self.bias_initializer
            self.bias = self.add_weight(shape=(self.filters * 4,), name="bias", initializer=initializer,
                                        regularizer=self.bias_regularizer, constraint=self.bias_constraint)
        else:
            self.bias = None
        self.built = True

    def _forget_bias_initializer(self, shape, dtype=None):
        return rnn_utils.forget_gate_bias(self.bias_initializer, self.filters, dtype)

    def _dtype(self):
        return rnn_utils.compute_torch_dtype(self)

    # --- computation ---------------------------------------------------------------------------------------
    def _input_conv(self, x, kernel, bias):
        return conv_ops.conv(x, kernel, self.strides, self.padding, self.dilation_rate, self.data_format, bias)

    def _recurrent_conv(self, h, kernel):
        ones = (1,) * self.rank
        return conv_ops.conv(h, kernel, ones, "same", ones, self.data_format)

    def project_inputs(self, inputs, training=False):
        """The input convolution of every timestep at once (inputs with or without a time axis)."""
        dtype = self._dtype()
        kernel = rnn_utils.weight(self.kernel, dtype)
        bias = None if self.bias is None else rnn_utils.weight(self.bias, dtype)
        masks = getattr(self, "_dropout_mask", None) if training and 0.0 < self.dropout < 1.0 else None
        has_time = inputs.dim() == self.rank + 3
        if masks is None:
            parts_in = [(inputs, kernel, bias)]
        else:
            f = self.filters
            parts_in = [(_apply_mask(inputs, masks[k]), kernel[..., k * f:(k + 1) * f],
                         None if bias is None else bias[k * f:(k + 1) * f]) for k in range(4)]
        outs = []
        for x, w, b in parts_in:
            if has_time:
                flat, unfold = conv_ops.fold_time(x)
                outs.append(unfold(self._input_conv(flat, w, b)))
            else:
                outs.append(self._input_conv(x, w, b))
        if len(outs) == 1:
            return outs[0]
        return torch.cat(outs, dim=self._channel_axis)

    def step(self, projected, states, training=False):
        h_tm1, c_tm1 = states[0], states[1]
        recurrent = rnn_utils.weight(self.recurrent_kernel, self._dtype())
        masks = getattr(self, "_recurrent_dropout_mask", None) if training and 0.0 < self.recurrent_dropout < 1.0 \
            else None
        axis = self._channel_axis
        if masks is None:
            z = projected + self._recurrent_conv(h_tm1, recurrent)
        else:
            f = self.filters
            z = projected + torch.cat([self._recurrent_conv(h_tm1 * masks[k], recurrent[..., k * f:(k + 1) * f])
                                       for k in range(4)], dim=axis)
        z_i, z_f, z_c, z_o = z.chunk(4, dim=axis)
        i = self.recurrent_activation(z_i)
        f_gate = self.recurrent_activation(z_f)
        c = f_gate * c_tm1 + i * self.activation(z_c)
        o = self.recurrent_activation(z_o)
        h = o * self.activation(c)
        return h, [h, c]

    def call(self, inputs, states, training=False):
        if training and 0.0 < self.dropout < 1.0:
            self.get_dropout_mask(inputs)
        if training and 0.0 < self.recurrent_dropout < 1.0:
            self.get_recurrent_dropout_mask(states[0])
        return self.step(self.project_inputs(inputs, training), [states[0], states[1]], training)

    # --- shapes and states -----------------------------------------------------------------------------------
    def compute_output_shape(self, inputs_shape, states_shape=None):
        inputs_shape = tuple(inputs_shape)
        if self.data_format == "channels_last":
            spatial = inputs_shape[1:-1]
        else:
            spatial = inputs_shape[2:]
        out_spatial = tuple(conv_ops.output_length(s, k, st, self.padding, d) for s, k, st, d in
                            zip(spatial, self.kernel_size, self.strides, self.dilation_rate))
        for size in out_spatial:
            if size is not None and size <= 0:
                raise ValueError(
                    "Computed output size would be zero or negative. Received "
                    f"`inputs shape={inputs_shape}`, `kernel shape={self.kernel_size}`, "
                    f"`dilation_rate={self.dilation_rate}`, `strides={self.strides}`, `padding={self.padding}`.")
        if self.data_format == "channels_last":
            shape = (inputs_shape[0],) + out_spatial + (self.filters,)
        else:
            shape = (inputs_shape[0], self.filters) + out_spatial
        return shape, [shape, shape]

    def get_initial_state(self, batch_size=None):
        from torchkeras.backend.device import get_device

        if self.data_format == "channels_last":
            input_shape = (batch_size,) + self.spatial_dims + (self.input_dim,)
        else:
            input_shape = (batch_size, self.input_dim) + self.spatial_dims
        shape = self.compute_output_shape(input_shape)[0]
        return [torch.zeros(shape, dtype=self._dtype(), device=get_device()) for _ in range(2)]

    def get_config(self):
        config = super().get_config()
        config.update(_conv_lstm_config(self))
        config["seed"] = self.seed
        return config


def _conv_lstm_config(obj):
    return {
        "filters": obj.filters,
        "kernel_size": obj.kernel_size,
        "strides": obj.strides,
        "padding": obj.padding,
        "data_format": obj.data_format,
        "dilation_rate": obj.dilation_rate,
        "activation": activations.serialize(obj.activation),
        "recurrent_activation": activations.serialize(obj.recurrent_activation),
        "use_bias": obj.use_bias,
        **initializers_config(obj),
        "unit_forget_bias": obj.unit_forget_bias,
        **penalties_config(obj),
    }


@rnn_utils.delegate_to_cell(
    "filters", "kernel_size", "strides", "padding", "data_format", "dilation_rate", "activation",
    "recurrent_activation", "use_bias", "kernel_initializer", "recurrent_initializer", "bias_initializer",
    "unit_forget_bias", "kernel_regularizer", "recurrent_regularizer", "bias_regularizer", "kernel_constraint",
    "recurrent_constraint", "bias_constraint", "dropout", "recurrent_dropout")
class ConvLSTM(RNN):
    """Abstract N-D convolutional LSTM layer (the base of ConvLSTM1D/2D/3D)."""

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid", data_format=None, dilation_rate=1,
                 activation="tanh", recurrent_activation="sigmoid", use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros", unit_forget_bias=True,
                 kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, recurrent_constraint=None, bias_constraint=None,
                 dropout=0.0, recurrent_dropout=0.0, seed=None, return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, **kwargs):
        cell = ConvLSTMCell(
            rank=rank, filters=filters, kernel_size=kernel_size, strides=strides, padding=padding,
            data_format=data_format, dilation_rate=dilation_rate, activation=activation,
            recurrent_activation=recurrent_activation, use_bias=use_bias, kernel_initializer=kernel_initializer,
            recurrent_initializer=recurrent_initializer, bias_initializer=bias_initializer,
            unit_forget_bias=unit_forget_bias, kernel_regularizer=kernel_regularizer,
            recurrent_regularizer=recurrent_regularizer, bias_regularizer=bias_regularizer,
            kernel_constraint=kernel_constraint, recurrent_constraint=recurrent_constraint,
            bias_constraint=bias_constraint, dropout=dropout, recurrent_dropout=recurrent_dropout, seed=seed,
            name="conv_lstm_cell", dtype=kwargs.get("dtype"))
        super().__init__(cell, return_sequences=return_sequences, return_state=return_state,
                         go_backwards=go_backwards, stateful=stateful, activity_regularizer=activity_regularizer,
                         **kwargs)
        self.input_spec = InputSpec(ndim=rank + 3)

    def compute_output_shape(self, sequences_shape, initial_state_shape=None):
        sequences_shape = tuple(sequences_shape)
        batch_size, steps = sequences_shape[0], sequences_shape[1]
        step_shape = (batch_size,) + sequences_shape[2:]
        state_shape = tuple(self.cell.compute_output_shape(step_shape)[0][1:])
        if self.return_sequences:
            output_shape = (batch_size, steps) + state_shape
        else:
            output_shape = (batch_size,) + state_shape
        if self.return_state:
            batched = (batch_size,) + state_shape
            return output_shape, batched, batched
        return output_shape

    def compute_mask(self, inputs, mask=None):
        if mask is not None and tree.is_nested(mask):
            mask = tree.flatten(mask)[0]
        output_mask = mask if self.return_sequences else None
        if self.return_state:
            return [output_mask, None, None]
        return output_mask

    def get_config(self):
        config = super().get_config()
        del config["cell"]
        config.update(_conv_lstm_config(self))
        config["activity_regularizer"] = regularizers.serialize(self.activity_regularizer)
        config["seed"] = self.cell.seed
        return config

    @classmethod
    def from_config(cls, config):
        return Layer.from_config.__func__(cls, config)
