"""`keras.layers.StringLookup`: map strings to integer indices (or back, with `invert=True`)."""
import numpy as np
import torch

from torchkeras.api_export import keras_export
from torchkeras.backend.device import get_device
from torchkeras.layers.preprocessing.index_lookup import IndexLookup
from torchkeras.layers.preprocessing.string_inputs import is_string_input
from torchkeras.layers.preprocessing.string_inputs import to_string_array
from torchkeras.layers.preprocessing.tensor_inputs import to_tensor


@keras_export("keras.layers.StringLookup", "keras.layers.experimental.preprocessing.StringLookup")
class StringLookup(IndexLookup):
    """Map strings to indices through a vocabulary (given, or learnt with `adapt`).

    Inputs are NumPy arrays of strings or lists of `str` (torch has no string tensors); outputs are int64
    torch tensors (`output_mode="int"`) or float32 encodings (`"one_hot"`, `"multi_hot"`, `"count"`,
    `"tf_idf"`). Unknown strings go to the OOV index (or one of `num_oov_indices` hash buckets, bucketed
    with TensorFlow's FarmHash Fingerprint64 like Keras, or SipHash when a `salt` is given). With
    `invert=True` indices map back to strings (a NumPy object array; a list for 1-D inputs).
    """

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token="[UNK]", vocabulary=None,
                 idf_weights=None, invert=False, output_mode="int", pad_to_max_tokens=False, sparse=False,
                 encoding="utf-8", name=None, salt=None, **kwargs):
        self.encoding = encoding
        super().__init__(max_tokens=max_tokens, num_oov_indices=num_oov_indices, mask_token=mask_token,
                         oov_token=oov_token, vocabulary=vocabulary, idf_weights=idf_weights, invert=invert,
                         output_mode=output_mode, pad_to_max_tokens=pad_to_max_tokens, sparse=sparse, name=name,
                         salt=salt, vocabulary_dtype="string", **kwargs)

    def _convert_token(self, token):
        if isinstance(token, bytes):
            return token.decode(self.encoding)
        return token if isinstance(token, str) else str(token)

    def _read_vocabulary_file(self, path):
        import os

        if not os.path.exists(path):
            raise ValueError(f"Vocabulary file {path} does not exist.")
        with open(path, encoding=self.encoding) as f:
            return f.read().splitlines()

    def _batch_for_adapt(self, data):
        array = to_string_array(data, self.encoding)
        return array.reshape(-1, 1) if array.ndim == 1 else array

    def __call__(self, inputs, *args, **kwargs):
        if is_string_input(inputs):
            self.__dict__["_called"] = True
            return self.call(inputs)
        return super().__call__(inputs, *args, **kwargs)

    def call(self, inputs):
        self.__dict__["_called"] = True
        if self.invert:
            return self._invert(inputs)
        self._ensure_known_vocab_size()
        if isinstance(inputs, torch.Tensor):
            raise ValueError(
                "StringLookup expects strings: a NumPy array of str or a list of str (torch has no string "
                f"tensors). Received a torch tensor of dtype {inputs.dtype}.")
        array = to_string_array(inputs, self.encoding)
        indices = self._lookup_strings(array.reshape(1) if array.ndim == 0 else array)
        if array.ndim == 0:
            indices = indices.reshape(())
        return self._encode(indices.to(get_device()))

    def _invert(self, inputs):
        indices = to_tensor(inputs).detach().cpu().numpy().astype("int64")
        vocab = np.array(self.get_vocabulary(), dtype=object)
        valid = (indices >= 0) & (indices < len(vocab))
        out = np.where(valid, vocab[np.where(valid, indices, 0)], self.oov_token)
        out = np.asarray(out, dtype=object)
        return out.tolist() if out.ndim == 1 else out

    def get_config(self):
        config = super().get_config()
        del config["vocabulary_dtype"]
        config["encoding"] = self.encoding
        return config
