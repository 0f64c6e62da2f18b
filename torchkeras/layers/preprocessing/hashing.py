"""`keras.layers.Hashing`: hash values (strings or numbers) into a fixed number of bins."""
import numpy as np
import torch

from torchkeras.api_export import keras_export
from torchkeras.backend import config
from torchkeras.backend.device import get_device
from torchkeras.backend.dtypes import to_torch_dtype
from torchkeras.backend.keras_tensor import KerasTensor
from torchkeras.layers.layer import Layer
from torchkeras.layers.preprocessing import string_hash
from torchkeras.layers.preprocessing.encoding import encode_categorical
from torchkeras.layers.preprocessing.string_inputs import is_string_input
from torchkeras.layers.preprocessing.string_inputs import to_string_array


@keras_export("keras.layers.Hashing", "keras.layers.experimental.preprocessing.Hashing")
class Hashing(Layer):
    """Hash each value into `[0, num_bins)`: bin = FarmHash Fingerprint64 of the value's string form
    (SipHash-2-4 keyed by `salt` when given) modulo the number of bins, the same bins as Keras on
    TensorFlow. Numbers are hashed as their decimal strings (floats are first cast to int64). With
    `mask_value`, that value goes to bin 0 and the others to `[1, num_bins)`. Hashing runs on the host."""

    def __init__(self, num_bins, mask_value=None, salt=None, output_mode="int", sparse=False, **kwargs):
        if kwargs.get("dtype") is None:
            kwargs["dtype"] = "int64" if output_mode == "int" else config.floatx()
        super().__init__(**kwargs)
        if num_bins is None or num_bins <= 0:
            raise ValueError(
                f"The `num_bins` for `Hashing` cannot be `None` or non-positive values. Received: num_bins={num_bins}.")
        if output_mode == "int" and self.dtype_policy.name not in ("int32", "int64"):
            raise ValueError(
                f"When `output_mode=\"int\"`, `dtype` should be an integer type, 'int32' or 'in64'. "
                f"Received: dtype={kwargs['dtype']}")
        accepted = ("int", "one_hot", "multi_hot", "count")
        if output_mode not in accepted:
            raise ValueError(
                f"Invalid value for argument `output_mode`. Expected one of {accepted}. Received: "
                f"output_mode={output_mode}")
        if sparse and output_mode == "int":
            raise ValueError(
                '`sparse` may only be true if `output_mode` is `"one_hot"`, `"multi_hot"`, or `"count"`. '
                f"Received: sparse={sparse} and output_mode={output_mode}")
        if sparse:
            raise ValueError("`sparse=True` can only be used with the TensorFlow backend.")
        self.num_bins = num_bins
        self.mask_value = mask_value
        self.strong_hash = salt is not None
        self.output_mode = output_mode
        self.sparse = sparse
        self.salt = None
        if salt is not None:
            if isinstance(salt, (tuple, list)) and len(salt) == 2:
                self.salt = list(salt)
            elif isinstance(salt, int):
                self.salt = [salt, salt]
            else:
                raise ValueError(
                    "The `salt` argument for `Hashing` can only be a tuple of size 2 integers, or a single "
                    f"integer. Received: salt={salt}.")
        self.built = True

    def __call__(self, inputs, *args, **kwargs):
        if is_string_input(inputs):
            return self.call(inputs)
        return super().__call__(inputs, *args, **kwargs)

    def _values(self, inputs):
        """A NumPy array of the values to hash (strings, or int64 for numbers) and the output device."""
        if isinstance(inputs, torch.Tensor):
            device = inputs.device
            values = inputs.detach().cpu().numpy()
        else:
            device = get_device()
            values = to_string_array(inputs) if is_string_input(inputs) else np.asarray(inputs)
        if values.dtype.kind == "f":
            values = values.astype("int64")
        return values, device

    def call(self, inputs):
        values, device = self._values(inputs)
        if self.output_mode == "one_hot" and values.ndim > 0 and values.shape[-1] == 1:
            values = values.reshape(values.shape[:-1])
        bins = self.num_bins
        mask = None
        if self.mask_value is not None and bins > 1:
            bins -= 1
            mask = values == (self.mask_value if values.dtype == object else np.asarray(self.mask_value).astype(
                values.dtype) if not isinstance(self.mask_value, str) else self.mask_value)
        strings = values if values.dtype == object else values.astype(str).astype(object)
        hashed = string_hash.hash_buckets(strings, bins, self.salt if self.strong_hash else None)
        if mask is not None:
            hashed = np.where(mask, 0, hashed + 1)
        indices = torch.from_numpy(np.asarray(hashed, dtype="int64")).to(device)
        return encode_categorical(indices, self.output_mode, self.num_bins, to_torch_dtype(self.compute_dtype))

    def compute_output_shape(self, input_shape):
        if self.output_mode == "int":
            return tuple(input_shape)
        if len(input_shape) == 0:
            return (self.num_bins,)
        return tuple(input_shape[:-1]) + (self.num_bins,)

    def compute_output_spec(self, inputs):
        return KerasTensor(self.compute_output_shape(inputs.shape), dtype=self.dtype)

    def get_config(self):
        config_ = super().get_config()
        config_.update({"num_bins": self.num_bins, "salt": self.salt, "mask_value": self.mask_value,
                        "output_mode": self.output_mode, "sparse": self.sparse})
        return config_
