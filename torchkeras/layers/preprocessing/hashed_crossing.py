"""`keras.layers.HashedCrossing`: cross categorical features with the hashing trick."""
import numpy as np
import torch

from torchkeras.api_export import keras_export
from torchkeras.backend.device import get_device
from torchkeras.backend.dtypes import to_torch_dtype
from torchkeras.backend.keras_tensor import KerasTensor
from torchkeras.layers.layer import Layer
from torchkeras.layers.preprocessing.encoding import encode_categorical
from torchkeras.layers.preprocessing.string_hash import fingerprint64
from torchkeras.layers.preprocessing.string_inputs import is_string_input
from torchkeras.layers.preprocessing.string_inputs import to_string_array

# `tf.sparse.cross_hashed`'s default key and `FingerprintCat64`'s multiplier.
_HASH_KEY = 0xDECAFCAFFE
_K_MUL = np.uint64(0xC6A4A7935BD1E995)
_SHIFT = np.uint64(47)


def _shift_mix(values):
    return values ^ (values >> _SHIFT)


def _fingerprint_cat64(fp1, fp2):
    """TensorFlow's `FingerprintCat64` on uint64 arrays (arithmetic modulo 2**64)."""
    with np.errstate(over="ignore"):
        result = fp1 ^ _K_MUL
        result = result ^ (_shift_mix(fp2 * _K_MUL) * _K_MUL)
        result = result * _K_MUL
        result = _shift_mix(result) * _K_MUL
        return _shift_mix(result)


def _feature_hashes(values):
    """Per-feature 64-bit values, as TensorFlow's sparse cross sees them: integers as themselves (two's
    complement), strings as their FarmHash Fingerprint64."""
    if values.dtype == object:
        return np.array([fingerprint64(v) for v in values.reshape(-1)], dtype=np.uint64).reshape(values.shape)
    return values.astype(np.int64).view(np.uint64)


@keras_export("keras.layers.HashedCrossing", "keras.layers.experimental.preprocessing.HashedCrossing")
class HashedCrossing(Layer):
    """Cross two or more categorical features: `hash(feature_1, ..., feature_n) % num_bins`.

    The bins are those of Keras (TensorFlow's `tf.sparse.cross_hashed`): strings are fingerprinted with
    FarmHash, integers used as they are, and the per-feature values combined with `FingerprintCat64`
    starting from TensorFlow's default key. Inputs are a list or tuple of scalars, `(batch,)` or
    `(batch, 1)` tensors or arrays of integers or strings, all of the same shape. Hashing runs on the host.

    Args:
        num_bins: the number of hash bins.
        output_mode: `"int"` (default: bin indices, dtype int64) or `"one_hot"`.
        sparse: only supported by Keras's TensorFlow backend.
    """

    def __init__(self, num_bins, output_mode="int", sparse=False, name=None, dtype=None, **kwargs):
        if output_mode == "int" and dtype is None:
            dtype = "int64"
        super().__init__(name=name, dtype=dtype, **kwargs)
        if sparse:
            raise ValueError("`sparse=True` can only be used with the TensorFlow backend.")
        if output_mode not in ("int", "one_hot"):
            raise ValueError(
                f"Unknown value for `output_mode`. Allowed values are: ('int', 'one_hot'). Received: {output_mode}"
            )
        self.num_bins = num_bins
        self.output_mode = output_mode
        self.sparse = sparse
        self.built = True

    def __call__(self, inputs, *args, **kwargs):
        if isinstance(inputs, (list, tuple)) and any(is_string_input(x) for x in inputs) and not any(
                isinstance(x, KerasTensor) for x in inputs):
            return self.call(inputs)
        return super().__call__(inputs, *args, **kwargs)

    def _to_array(self, x):
        if isinstance(x, torch.Tensor):
            return x.detach().cpu().numpy()
        if is_string_input(x):
            return to_string_array(x)
        return np.asarray(x)

    def call(self, inputs):
        self._check_at_least_two_inputs(inputs)
        device = next((x.device for x in inputs if isinstance(x, torch.Tensor)), None) or get_device()
        arrays = [self._to_array(x) for x in inputs]
        self._check_input_shape_and_type(arrays, inputs)
        shape = arrays[0].shape
        hashed = np.full(shape, _HASH_KEY, dtype=np.uint64)
        for array in arrays:
            hashed = _fingerprint_cat64(hashed, _feature_hashes(array))
        bins = (hashed % np.uint64(self.num_bins)).astype(np.int64)
        indices = torch.from_numpy(np.ascontiguousarray(bins)).to(device)
        return encode_categorical(indices, self.output_mode, self.num_bins, to_torch_dtype(self.compute_dtype))

    def compute_output_shape(self, input_shape):
        if (not len(input_shape) == 2 or not isinstance(input_shape[0], tuple)
                or not isinstance(input_shape[1], tuple)):
            raise ValueError(f"Expected as input a list/tuple of 2 tensors. Received input_shape={input_shape}")
        if input_shape[0][-1:] != input_shape[1][-1:]:
            raise ValueError(
                f"Expected the two input tensors to have identical shapes. Received input_shape={input_shape}"
            )
        first = tuple(input_shape[0])
        if self.output_mode == "int":
            return first
        if not first:
            return (self.num_bins,)
        if first[-1] != 1:
            return first + (self.num_bins,)
        return first[:-1] + (self.num_bins,)

    def compute_output_spec(self, inputs):
        shapes = tuple(tuple(x.shape) for x in inputs)
        return KerasTensor(self.compute_output_shape(shapes), dtype=self.compute_dtype)

    def get_config(self):
        return {"num_bins": self.num_bins, "output_mode": self.output_mode, "sparse": self.sparse,
                "name": self.name, "dtype": self.dtype}

    def _check_at_least_two_inputs(self, inputs):
        if not isinstance(inputs, (list, tuple)):
            raise ValueError(
                f"`HashedCrossing` should be called on a list or tuple of inputs. Received: inputs={inputs}"
            )
        if len(inputs) < 2:
            raise ValueError(
                f"`HashedCrossing` should be called on at least two inputs. Received: inputs={inputs}"
            )

    def _check_input_shape_and_type(self, arrays, inputs):
        first_shape = arrays[0].shape
        rank = len(first_shape)
        if rank > 2 or (rank == 2 and first_shape[-1] != 1):
            raise ValueError(
                "All `HashedCrossing` inputs should have shape `()`, `(batch_size)` or `(batch_size, 1)`. "
                f"Received: inputs={inputs}"
            )
        if not all(a.shape == first_shape for a in arrays[1:]):
            raise ValueError(f"All `HashedCrossing` inputs should have equal shape. Received: inputs={inputs}")
        if not all(a.dtype == object or a.dtype.kind in "iu" for a in arrays):
            raise ValueError(
                f"All `HashedCrossing` inputs should have an integer or string dtype. Received: inputs={inputs}"
            )
