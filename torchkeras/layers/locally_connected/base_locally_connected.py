"""The common part of `LocallyConnected1D` and `LocallyConnected2D` (Keras 2 layers that Keras 3 dropped)."""
import numpy as np
import torch

from torchkeras import activations, constraints, initializers, regularizers
from torchkeras.backend import config as backend_config
from torchkeras.layers.input_spec import InputSpec
from torchkeras.layers.layer import Layer
from torchkeras.layers.locally_connected import locally_connected_utils as utils
from torchkeras.utils.conv_utils import normalize_tuple


class BaseLocallyConnected(Layer):
    """An unshared N-D convolution: every output position has its own `kernel_size` filter bank.

    Weights as Keras 2 stored them, by `implementation`:
    1. `kernel (output positions, prod(kernel_size) * channels_in, filters)`, each row of a position holding
       its window flattened in the input's axis order (`padding="valid"` only);
    2. `kernel` as a dense input-to-output tensor, `(*in, channels_in, *out, filters)` (channels_last) or
       `(channels_in, *in, filters, *out)` (channels_first), masked to the windows;
    3. `kernel` as the vector of the nonzero weights of that dense map, in sorted (output, input) order.
    `bias` is `(*out, filters)` for every implementation (added with Keras 2's `bias_add`).
    """

    rank = None

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None, activation=None,
                 use_bias=True, kernel_initializer="glorot_uniform", bias_initializer="zeros", kernel_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 implementation=1, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        name = type(self).__name__
        self.filters = int(filters)
        self.kernel_size = normalize_tuple(kernel_size, self.rank, "kernel_size")
        self.strides = normalize_tuple(strides, self.rank, "strides")
        self.padding = str(padding).lower()
        if self.padding not in ("valid", "same"):
            raise ValueError(f"Invalid border mode for {name}: {padding}. Expected 'valid' or 'same'.")
        if implementation not in (1, 2, 3):
            raise ValueError(f"Unrecognized implementation mode: {implementation}. Expected 1, 2 or 3.")
        if self.padding != "valid" and implementation == 1:
            raise ValueError(f'Invalid border mode for {name} (only "valid" is supported if implementation is 1): '
                             f"{padding}")
        self.data_format = backend_config.standardize_data_format(data_format)
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.implementation = implementation
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def _split_shape(self, input_shape):
        if self.data_format == "channels_first":
            return tuple(input_shape[2:]), input_shape[1]
        return tuple(input_shape[1:-1]), input_shape[-1]

    def _output_spatial(self, spatial):
        return tuple(None if n is None else utils.output_length(n, k, s, self.padding)
                     for n, k, s in zip(spatial, self.kernel_size, self.strides))

    def build(self, input_shape):
        spatial, channels = self._split_shape(input_shape)
        if channels is None or any(n is None for n in spatial):
            raise ValueError(f"The spatial dimensions and channels of the inputs to a {type(self).__name__} layer "
                             f"should be fully-defined, but layer received the inputs shape {tuple(input_shape)}")
        out = self._output_spatial(spatial)
        if min(out) <= 0:
            raise ValueError(f"One of the dimensions in the output is <= 0 due to downsampling in {self.name}. "
                             f"Consider increasing the input size. Received input shape {tuple(input_shape)}.")
        self._spatial, self._channels, self._out = spatial, channels, out
        first = self.data_format == "channels_first"
        if self.implementation == 1:
            shape = (int(np.prod(out)), int(np.prod(self.kernel_size)) * channels, self.filters)
        elif self.implementation == 2:
            shape = ((channels,) + spatial + (self.filters,) + out if first
                     else spatial + (channels,) + out + (self.filters,))
            mask = utils.full_mask(spatial, self.kernel_size, self.strides, self.padding, self.data_format)
            self._kernel_mask = torch.as_tensor(mask, dtype=torch.bool)
        else:
            out_idx, in_idx = utils.sparse_indices(spatial, self.kernel_size, self.strides, self.padding, channels,
                                                   self.filters, self.data_format)
            self._kernel_idxs = (torch.as_tensor(out_idx), torch.as_tensor(in_idx))
            self._dense_shape = (int(np.prod(out)) * self.filters, int(np.prod(spatial)) * channels)
            shape = (len(out_idx),)
        self.kernel = self.add_weight(name="kernel", shape=shape, initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer, constraint=self.kernel_constraint)
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(name="bias", shape=out + (self.filters,), initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer, constraint=self.bias_constraint)
        axis = 1 if first else -1
        self.input_spec = InputSpec(ndim=self.rank + 2, axes={axis: channels})
        self.built = True

    # --- the three implementations -------------------------------------------------------------------------
    def _patches(self, inputs):
        """`(batch, output positions, window features)`, features in the input's axis order."""
        x = inputs
        first = self.data_format == "channels_first"
        offset = 2 if first else 1
        for d, (k, s) in enumerate(zip(self.kernel_size, self.strides)):
            x = x.unfold(offset + d, k, s)  # adds the window axis last, output positions replace the axis
        # channels_last: (batch, *out, channels, *window) -> (batch, *out, *window, channels)
        # channels_first: (batch, channels, *out, *window) -> (batch, *out, channels, *window)
        n = self.rank
        if first:
            x = x.permute(0, *range(2, 2 + n), 1, *range(2 + n, 2 + 2 * n))
        else:
            x = x.permute(0, *range(1, 1 + n), *range(2 + n, 2 + 2 * n), 1 + n)
        return x.reshape(x.shape[0], int(np.prod(self._out)), -1)

    def _to_output_layout(self, flat):
        """`(batch, positions, filters)` -> the layer's output layout."""
        out = flat.reshape((flat.shape[0],) + self._out + (self.filters,))
        if self.data_format == "channels_first":
            out = out.permute(0, self.rank + 1, *range(1, self.rank + 1))
        return out

    def call(self, inputs):
        batch = inputs.shape[0]
        if self.implementation == 1:
            out = self._to_output_layout(torch.einsum("bpi,pio->bpo", self._patches(inputs), self.kernel))
        elif self.implementation == 2:
            mask = self._kernel_mask.to(inputs.device)
            kernel = (self.kernel * mask).reshape(int(np.prod(self._spatial)) * self._channels, -1)
            out = (inputs.reshape(batch, -1) @ kernel).reshape((batch,) + self._output_shape_tail())
        else:
            rows, cols = (i.to(inputs.device) for i in self._kernel_idxs)
            dense = self.kernel.new_zeros(self._dense_shape).index_put((rows, cols), self.kernel)
            out = (inputs.reshape(batch, -1) @ dense.t()).reshape((batch,) + self._output_shape_tail())
        if self.bias is not None:
            bias = self.bias
            if self.data_format == "channels_first":
                # Keras 2's `bias_add`: a `(*out, filters)` bias is reshaped (not transposed) to `(filters, *out)`.
                bias = bias.reshape((self.filters,) + self._out)
            out = out + bias
        return self.activation(out)

    def _output_shape_tail(self):
        if self.data_format == "channels_first":
            return (self.filters,) + self._out
        return self._out + (self.filters,)

    def compute_output_shape(self, input_shape):
        spatial, _ = self._split_shape(input_shape)
        out = self._output_spatial(spatial)
        if self.data_format == "channels_first":
            return (input_shape[0], self.filters) + out
        return (input_shape[0],) + out + (self.filters,)

    def get_config(self):
        config = super().get_config()
        config.update({
            "filters": self.filters, "kernel_size": self.kernel_size, "strides": self.strides,
            "padding": self.padding, "data_format": self.data_format,
            "activation": activations.serialize(self.activation), "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
            "implementation": self.implementation,
        })
        return config
