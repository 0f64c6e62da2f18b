"""Constructor arguments, build-time input checks and config entries shared by the convolution base layers."""
from torchkeras import activations, constraints, initializers, regularizers
from torchkeras.layers.convolutional import conv_utils

_RESOLVE = {"initializer": initializers.get, "regularizer": regularizers.get, "constraint": constraints.get}


def check_required(layer, **args):
    """The TypeError Python gives for a missing positional argument, for each of `args` that is None."""
    for arg, value in args.items():
        if value is None:
            raise TypeError(f"{type(layer).__name__}.__init__() missing 1 required positional argument: '{arg}'")


def set_window(layer, rank, kernel_size, strides, dilation_rate, padding, allow_causal=False):
    """Set `kernel_size`, `strides` and `dilation_rate` as tuples of `rank` ints, and the standardized `padding`."""
    layer.kernel_size = conv_utils.standardize_tuple(kernel_size, rank, "kernel_size")
    layer.strides = conv_utils.standardize_tuple(strides, rank, "strides")
    layer.dilation_rate = conv_utils.standardize_tuple(dilation_rate, rank, "dilation_rate")
    layer.padding = conv_utils.standardize_padding(padding, allow_causal=allow_causal)


def check_strides_and_dilation(layer):
    if max(layer.strides) > 1 and max(layer.dilation_rate) > 1:
        raise ValueError(
            "`strides > 1` not supported in conjunction with `dilation_rate > 1`. "
            f"Received: strides={layer.strides} and dilation_rate={layer.dilation_rate}"
        )


def set_weight_args(layer, activation, use_bias, **weight_args):
    """Set `activation`, `use_bias` and each `<weight>_initializer`, `_regularizer` and `_constraint` argument,
    resolved with the `get()` of its kind."""
    layer.activation = activations.get(activation)
    layer.use_bias = use_bias
    for arg, value in weight_args.items():
        setattr(layer, arg, _RESOLVE[arg.rsplit("_", 1)[1]](value))


def weight_args_config(layer, weights):
    """Config entries, in Keras's order: `activation`, `use_bias`, then the initializers, regularizers (with
    `activity_regularizer`) and constraints of `weights` (e.g. `("kernel", "bias")`)."""
    config = {"activation": activations.serialize(layer.activation), "use_bias": layer.use_bias}
    config.update({f"{w}_initializer": initializers.serialize(getattr(layer, f"{w}_initializer")) for w in weights})
    config.update({f"{w}_regularizer": regularizers.serialize(getattr(layer, f"{w}_regularizer")) for w in weights})
    config["activity_regularizer"] = regularizers.serialize(layer.activity_regularizer)
    config.update({f"{w}_constraint": constraints.serialize(getattr(layer, f"{w}_constraint")) for w in weights})
    return config


def add_bias(layer, size):
    """The layer's `bias` weight of `size` values if it uses a bias, else None."""
    if not layer.use_bias:
        return None
    return layer.add_weight(name="bias", shape=(size,), initializer=layer.bias_initializer,
                            regularizer=layer.bias_regularizer, constraint=layer.bias_constraint)


def input_channels(layer, input_shape):
    """The channel count of a build `input_shape`, which must have rank `layer.rank + 2` and known channels."""
    input_shape = tuple(input_shape)
    if len(input_shape) != layer.rank + 2:
        raise ValueError(
            f'Input 0 of layer "{layer.name}" is incompatible with the layer: expected ndim={layer.rank + 2}, '
            f"found ndim={len(input_shape)}. Full shape received: {input_shape}"
        )
    channels = input_shape[conv_utils.channel_axis(layer.data_format)]
    if channels is None:
        raise ValueError(
            f"The channel dimension of the inputs to {type(layer).__name__} should be defined. "
            f"Found None. Full input shape received: {input_shape} (data_format={layer.data_format})"
        )
    return channels
