"""`keras.layers.CategoryEncoding`: one-hot, multi-hot or count encoding of integer features."""
from torchkeras.api_export import keras_export
from torchkeras.backend.dtypes import to_torch_dtype
from torchkeras.backend.keras_tensor import KerasTensor
from torchkeras.layers.layer import Layer
from torchkeras.layers.preprocessing.encoding import encode_categorical
from torchkeras.layers.preprocessing.tensor_inputs import to_tensor


@keras_export("keras.layers.CategoryEncoding", "keras.layers.experimental.preprocessing.CategoryEncoding")
class CategoryEncoding(Layer):
    """Encode integer indices in `[0, num_tokens)`: `"one_hot"` (one vector per index), `"multi_hot"` (1
    for every index present in a sample) or `"count"` (how often; optionally weighted by `count_weights`)."""

    def __init__(self, num_tokens=None, output_mode="multi_hot", sparse=False, **kwargs):
        super().__init__(**kwargs)
        if output_mode == "binary":
            output_mode = "multi_hot"
        if output_mode not in ("count", "one_hot", "multi_hot"):
            raise ValueError(f"Unknown arg for output_mode: {output_mode}")
        if num_tokens is None:
            raise ValueError(
                "num_tokens must be set to use this layer. If the number of tokens is not known beforehand, use "
                "the IntegerLookup layer instead.")
        if num_tokens < 1:
            raise ValueError(f"`num_tokens` must be >= 1. Received: num_tokens={num_tokens}.")
        if sparse:
            raise ValueError("`sparse=True` is not supported with the torch backend.")
        self.num_tokens = num_tokens
        self.output_mode = output_mode
        self.sparse = sparse

    def call(self, inputs, count_weights=None):
        if count_weights is not None:
            if self.output_mode != "count":
                raise ValueError(
                    "`count_weights` is not used when `output_mode` is not `'count'`. "
                    f"Received `count_weights={count_weights}`.")
            count_weights = to_tensor(count_weights, self.compute_dtype)
        inputs = to_tensor(inputs)
        if inputs.is_floating_point():
            inputs = inputs.long()
        return encode_categorical(inputs, self.output_mode, self.num_tokens, to_torch_dtype(self.compute_dtype),
                                  count_weights=count_weights)

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if len(input_shape) == 0:
            return (self.num_tokens,)
        if self.output_mode == "one_hot" and (input_shape[-1] != 1 or len(input_shape) == 1):
            return input_shape + (self.num_tokens,)
        return input_shape[:-1] + (self.num_tokens,)

    def compute_output_spec(self, inputs, count_weights=None):
        return KerasTensor(self.compute_output_shape(inputs.shape), dtype=self.compute_dtype)

    def get_config(self):
        config = super().get_config()
        config.update({"num_tokens": self.num_tokens, "output_mode": self.output_mode})
        return config
