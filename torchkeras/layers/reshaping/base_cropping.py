"""The base of `Cropping2D` and `Cropping3D`, and the cropping arithmetic."""
from torchkeras.backend import config
from torchkeras.layers.convolutional import conv_utils
from torchkeras.layers.input_spec import InputSpec
from torchkeras.layers.layer import Layer


def crop_index(cropping, first_axis):
    """The indexing tuple that crops `(start, end)` pairs from the spatial axes starting at `first_axis`."""
    return (slice(None),) * first_axis + tuple(slice(start, -end if end else None) for start, end in cropping)


def cropped_shape(shape, cropping, first_axis, what):
    """The shape after cropping; raises like Keras if a spatial axis would become empty."""
    out = list(shape)
    for i, (start, end) in enumerate(cropping):
        size = out[first_axis + i]
        if size is None:
            continue
        if start + end >= size:
            raise ValueError(
                "Values in `cropping` argument should be smaller than the corresponding spatial dimension of "
                f"the input. Received: {what}={tuple(shape)}, cropping={cropping}"
            )
        out[first_axis + i] = size - start - end
    return tuple(out)


class BaseCropping(Layer):
    """Crops the `rank` spatial axes; the result is a view of the input (no copy).

    `cropping`: an int, `rank` ints (symmetric) or `rank` `(start, end)` pairs, described in error messages by
    the subclass's `pair_hints` (symmetric form, pairs form).
    """

    pair_hints = None

    def __init__(self, rank, cropping, data_format, **kwargs):
        super().__init__(**kwargs)
        self.data_format = config.standardize_data_format(data_format)
        self.cropping = conv_utils.standardize_pairs(cropping, rank, "cropping", *self.pair_hints)
        self.input_spec = InputSpec(ndim=rank + 2)
        self._first_axis = 1 if self.data_format == "channels_last" else 2
        self._index = crop_index(self.cropping, self._first_axis)
        self.built = True

    def call(self, inputs):
        cropped_shape(inputs.shape, self.cropping, self._first_axis, "inputs.shape")
        return inputs[self._index]

    def compute_output_shape(self, input_shape):
        return cropped_shape(input_shape, self.cropping, self._first_axis, "input_shape")

    def get_config(self):
        config_ = super().get_config()
        config_.update({"cropping": self.cropping, "data_format": self.data_format})
        return config_
