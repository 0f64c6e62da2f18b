"""`IndexLookup`: the vocabulary machinery shared by `StringLookup`, `IntegerLookup` (and
`TextVectorization`): adapt, special tokens, OOV buckets, inversion and the one-hot/multi-hot/count/tf-idf
outputs.

Index layout (as in Keras): `[mask]` (only with a mask token and `output_mode="int"`), then
`num_oov_indices` OOV indices, then the vocabulary. String lookups run on the host (torch has no string
tensors); integer lookups are vectorised torch ops (`searchsorted`) on the input's device.
"""
import collections

import numpy as np
import torch

from torchkeras.backend import config
from torchkeras.backend.device import get_device
from torchkeras.backend.keras_tensor import KerasTensor
from torchkeras.layers.layer import Layer
from torchkeras.layers.preprocessing import string_hash
from torchkeras.layers.preprocessing.encoding import encode_categorical

_OUTPUT_MODES = ("int", "one_hot", "multi_hot", "count", "tf_idf")


def listify(x):
    if isinstance(x, torch.Tensor):
        x = x.detach().cpu().numpy()
    if isinstance(x, np.ndarray):
        x = x.tolist()
    return x


class IndexLookup(Layer):
    """Map tokens to integer indices through a vocabulary (see `StringLookup` / `IntegerLookup`)."""

    def __init__(self, max_tokens, num_oov_indices, mask_token, oov_token, vocabulary_dtype, vocabulary=None,
                 idf_weights=None, invert=False, output_mode="int", sparse=False, pad_to_max_tokens=False,
                 oov_method="floormod", name=None, salt=None, **kwargs):
        if max_tokens is not None and max_tokens <= 1:
            raise ValueError(f"If set, `max_tokens` must be greater than 1. Received: max_tokens={max_tokens}")
        if pad_to_max_tokens and max_tokens is None:
            raise ValueError(
                f"If pad_to_max_tokens is True, must set `max_tokens`. Received: max_tokens={max_tokens}")
        if num_oov_indices < 0:
            raise ValueError(
                f"`num_oov_indices` must be greater than or equal to 0. Received: num_oov_indices={num_oov_indices}")
        if oov_method not in ("floormod", "farmhash"):
            raise ValueError(
                f"Unknown value for `oov_method` argument of layer {type(self).__name__}. Allowed values are: "
                f"('floormod', 'farmhash'). Received: oov_method={oov_method}")
        if salt is not None:
            if vocabulary_dtype != "string" and oov_method != "farmhash":
                raise ValueError(
                    f"`salt` can only be used when `oov_method='farmhash'`. Received: oov_method={oov_method}")
            if isinstance(salt, (tuple, list)) and len(salt) == 2:
                salt = list(salt)
            elif isinstance(salt, int):
                salt = [salt, salt]
            else:
                raise ValueError(
                    "The `salt` argument for `IndexLookup` can only be a tuple of 2 integers, or a single "
                    f"integer. Received: salt={salt}.")
        if output_mode == "binary":
            output_mode = "multi_hot"
        if output_mode == "tf-idf":
            output_mode = "tf_idf"
        if output_mode not in _OUTPUT_MODES:
            raise ValueError(
                f"Unknown value for `output_mode` argument of layer {type(self).__name__}. Allowed values are: "
                f"{_OUTPUT_MODES}. Received: output_mode={output_mode}")
        if invert and output_mode != "int":
            raise ValueError(
                f"`output_mode` must be `'int'` when `invert` is true. Received: output_mode={output_mode}")
        if sparse and output_mode == "int":
            raise ValueError(
                "`sparse` may only be true if `output_mode` is `'one_hot'`, `'multi_hot'`, `'count'` or "
                f"`'tf_idf'`. Received: sparse={sparse} and output_mode={output_mode}")
        if sparse:
            raise ValueError("`sparse=True` can only be used with the TensorFlow backend.")
        if idf_weights is not None and output_mode != "tf_idf":
            raise ValueError(
                "`idf_weights` should only be set if `output_mode` is `'tf_idf'`. Received: "
                f"idf_weights={idf_weights} and output_mode={output_mode}")
        self._frozen_vocab_size = kwargs.pop("vocabulary_size", None)
        self._has_input_vocabulary = kwargs.pop("has_input_vocabulary", vocabulary is not None)
        kwargs.pop("trainable", None)
        kwargs.pop("dtype", None)
        if kwargs:
            raise ValueError(f"Unrecognized keyword argument(s): {kwargs}")
        super().__init__(name=name)
        self.invert = invert
        self.max_tokens = max_tokens
        self.num_oov_indices = num_oov_indices
        self.mask_token = mask_token
        self.oov_token = oov_token
        self.output_mode = output_mode
        self.sparse = sparse
        self.pad_to_max_tokens = pad_to_max_tokens
        self.vocabulary_dtype = vocabulary_dtype
        self.oov_method = oov_method
        self.salt = salt
        self.input_vocabulary = vocabulary if not isinstance(vocabulary, str) else None
        self.input_idf_weights = idf_weights
        self._tokens = []
        self._index = {}
        self._idf = None
        self._counts = collections.Counter()
        self._doc_counts = collections.Counter()
        self._num_documents = 0
        self._sorted_keys = None
        if output_mode == "tf_idf" and self._has_input_vocabulary and idf_weights is None:
            raise ValueError(
                "When specifying the `vocabulary` argument, in TF-IDF output mode, the `idf_weights` argument "
                "must also be provided.")
        if output_mode == "tf_idf" and idf_weights is not None:
            self._idf = np.asarray(idf_weights, dtype=config.floatx())
        if vocabulary is not None:
            self.set_vocabulary(vocabulary, idf_weights)
        self.built = True

    # --- index layout ------------------------------------------------------------------------------------
    def _oov_start_index(self):
        return 1 if self.mask_token is not None and self.output_mode == "int" else 0

    def _token_start_index(self):
        return self._oov_start_index() + self.num_oov_indices

    def vocabulary_size(self):
        """The number of indices: special tokens plus the vocabulary."""
        return self._token_start_index() + len(self._tokens)

    def get_vocabulary(self, include_special_tokens=True):
        """The vocabulary in index order (with the mask and OOV tokens first, unless excluded)."""
        vocab = [self.mask_token] * self._oov_start_index() + [self.oov_token] * self.num_oov_indices + \
            list(self._tokens)
        if not include_special_tokens:
            vocab = vocab[self._token_start_index():]
        return vocab

    # --- setting the vocabulary --------------------------------------------------------------------------
    def _convert_token(self, token):
        return token

    def _read_vocabulary_file(self, path):
        raise ValueError(f"Vocabulary file {path} does not exist.")

    def set_vocabulary(self, vocabulary, idf_weights=None):
        """Set the vocabulary (and, in `"tf_idf"` mode, the idf weights) from arrays, lists or a file."""
        if self.output_mode == "tf_idf":
            if idf_weights is None:
                raise ValueError("`idf_weights` must be set if output_mode is 'tf_idf'.")
        elif idf_weights is not None:
            raise ValueError(
                "`idf_weights` should only be set if output_mode is `'tf_idf'`. Received: "
                f"output_mode={self.output_mode} and idf_weights={idf_weights}")
        if isinstance(vocabulary, str):
            if self.output_mode == "tf_idf":
                raise ValueError("output_mode `'tf_idf'` does not support loading a vocabulary from file.")
            vocabulary = self._read_vocabulary_file(vocabulary)
        vocabulary = [self._convert_token(t) for t in listify(vocabulary)]
        if idf_weights is not None:
            idf_weights = np.asarray(listify(idf_weights))
        if not vocabulary:
            raise ValueError(f"Cannot set an empty vocabulary. Received: vocabulary={vocabulary}")
        token_start = self._token_start_index()
        special = [self.mask_token] * self._oov_start_index() + [self.oov_token] * self.num_oov_indices
        found_special = vocabulary[:token_start] == special
        tokens = vocabulary[token_start:] if found_special else vocabulary
        repeated = [t for t, c in collections.Counter(tokens).items() if c > 1]
        if repeated:
            raise ValueError(
                "The passed vocabulary has at least one repeated term. Please uniquify your dataset. The repeated "
                f"terms are: {repeated}")
        if self.mask_token is not None and self.mask_token in tokens:
            raise ValueError(
                "Found reserved mask token at unexpected location in `vocabulary`. Note that passed `vocabulary` "
                "does not need to include the OOV and mask tokens. Either remove all mask and OOV tokens, or "
                f"include them only at the start of the vocabulary in precisely this order: {special}. "
                f"Received: mask_token={self.mask_token} at vocabulary index {vocabulary.index(self.mask_token)}")
        if self.oov_token is not None and self.invert and self.oov_token in tokens:
            raise ValueError(
                "Found reserved OOV token at unexpected location in `vocabulary`. Note that passed `vocabulary` "
                "does not need to include the OOV and mask tokens. Either remove all mask and OOV tokens, or "
                f"include them only at the start of the vocabulary in precisely this order: {special}. "
                f"Received: oov_token={self.oov_token} at vocabulary index {vocabulary.index(self.oov_token)}")
        new_size = token_start + len(tokens)
        if self.max_tokens is not None and new_size > self.max_tokens:
            raise ValueError(
                "Attempted to set a vocabulary larger than the maximum vocab size. Received vocabulary size is "
                f"{new_size}; `max_tokens` is {self.max_tokens}.")
        self._set_tokens(tokens)
        if self.output_mode == "tf_idf" and idf_weights is not None:
            if len(vocabulary) != len(idf_weights):
                raise ValueError(
                    f"`idf_weights` must be the same length as vocabulary. len(idf_weights) is {len(idf_weights)}; "
                    f"len(vocabulary) is {len(vocabulary)}")
            if idf_weights.ndim != 1:
                raise ValueError(
                    f"TF-IDF data must be a 1-index array. Received: type(idf_weights)={type(idf_weights)}")
            front = 0 if found_special else token_start
            front_value = 0 if found_special else np.average(idf_weights)
            back = self.max_tokens - front - len(idf_weights) if self.pad_to_max_tokens and self.max_tokens else 0
            weights = np.pad(idf_weights, (front, back), "constant", constant_values=(front_value, 0))
            self._idf = weights.astype(config.floatx())
        self._record_vocabulary_size()

    def _set_tokens(self, tokens):
        self._tokens = list(tokens)
        start = self._token_start_index()
        self._index = {t: i for i, t in enumerate(self._tokens, start=start)}
        self._sorted_keys = None

    def _record_vocabulary_size(self):
        if self.output_mode != "int" and not self.pad_to_max_tokens and self._frozen_vocab_size is not None \
                and self.vocabulary_size() != self._frozen_vocab_size and self.__dict__.get("_called"):
            raise RuntimeError(
                f"When using `output_mode={self.output_mode}` and `pad_to_max_tokens=False`, the vocabulary "
                "size cannot be changed after the layer is called. Old vocab size is "
                f"{self._frozen_vocab_size}, new vocab size is {self.vocabulary_size()}")
        self._frozen_vocab_size = self.vocabulary_size()

    # --- adapt -------------------------------------------------------------------------------------------
    def adapt(self, data, steps=None):
        """Build the vocabulary from the tokens in `data` (an array, list, tensor, or an iterable of
        batches), most frequent first (ties: the larger token first), up to `max_tokens`."""
        self.reset_state()
        if isinstance(data, (list, tuple, np.ndarray, torch.Tensor)):
            self.update_state(self._batch_for_adapt(data))
        else:
            for i, batch in enumerate(data):
                if steps is not None and i >= steps:
                    break
                self.update_state(batch)
        self.finalize_state()

    def _batch_for_adapt(self, data):
        return data

    def _rows(self, data):
        """The tokens of `data`, as a list of rows (one per document)."""
        if isinstance(data, torch.Tensor):
            data = data.detach().cpu().numpy()
        if isinstance(data, (list, tuple)) and data and isinstance(data[0], (list, tuple, np.ndarray)) and \
                len({len(r) for r in data}) > 1:
            return [[self._convert_token(t) for t in np.asarray(r, dtype=object).reshape(-1)] for r in data]
        array = np.asarray(data, dtype=object if self.vocabulary_dtype == "string" else None)
        if array.ndim == 0:
            array = array.reshape(1, 1)
        elif array.ndim == 1:
            array = array.reshape(1, -1)
        array = array.reshape(array.shape[0], -1)
        return [[self._convert_token(t) for t in row] for row in array]

    def update_state(self, data):
        if self._has_input_vocabulary:
            raise ValueError(
                f"Cannot adapt layer '{self.name}' after setting a static vocabulary via `vocabulary` argument or "
                "`set_vocabulary()` method.")
        rows = self._rows(data)
        for row in rows:
            self._counts.update(row)
        if self.output_mode == "tf_idf":
            for row in rows:
                self._doc_counts.update(set(row))
            self._num_documents += len(rows)

    def finalize_state(self):
        if self._has_input_vocabulary or not self._counts:
            self._record_vocabulary_size()
            return
        for special in (self.mask_token, self.oov_token):
            if special is not None:
                self._counts.pop(special, None)
        ranked = sorted(self._counts.items(), key=lambda kv: (kv[1], kv[0]), reverse=True)
        if self.max_tokens:
            ranked = ranked[:self.max_tokens - self._token_start_index()]
        tokens = [t for t, _ in ranked]
        self._set_tokens(tokens)
        if self.output_mode == "tf_idf":
            doc_counts = np.array([self._doc_counts[t] for t in tokens], dtype="float64")
            idf = np.log(1 + self._num_documents / (1 + doc_counts)).astype(config.floatx())
            idf = np.pad(idf, (self._token_start_index(), 0), constant_values=np.mean(idf))
            if self.pad_to_max_tokens and self.max_tokens is not None:
                idf = np.pad(idf, (0, self.max_tokens - idf.size), constant_values=0)
            self._idf = idf.astype(config.floatx())
        self.reset_state()
        self._record_vocabulary_size()

    def reset_state(self):
        if self._has_input_vocabulary:
            return
        self._counts = collections.Counter()
        self._doc_counts = collections.Counter()
        self._num_documents = 0

    # --- lookup ------------------------------------------------------------------------------------------
    def _lookup_strings(self, array):
        """Indices for a NumPy object array of tokens (host side)."""
        flat = array.reshape(-1)
        default = self._default_index()
        indices = np.fromiter((self._index.get(t, default) for t in flat), dtype="int64", count=flat.size)
        if self.mask_token is not None:
            is_mask = np.fromiter((t == self.mask_token for t in flat), dtype=bool, count=flat.size)
            indices[is_mask] = 0 if self.output_mode == "int" else np.iinfo("int64").max
        oov = indices == -2
        if oov.any():
            indices[oov] = self._oov_indices(flat[oov])
        return torch.from_numpy(indices.reshape(array.shape))

    def _default_index(self):
        if self.num_oov_indices == 1:
            return self._oov_start_index()
        return -2  # resolved by `_oov_indices`

    def _oov_indices(self, tokens):
        if self.num_oov_indices == 0:
            raise ValueError(
                f"When `num_oov_indices=0` all inputs should be in vocabulary, found OOV values {list(tokens)}, "
                "consider setting `num_oov_indices=1`.")
        buckets = string_hash.hash_buckets(tokens, self.num_oov_indices, self.salt)
        return buckets + self._oov_start_index()

    def _encode(self, indices):
        if self.output_mode == "int":
            return indices
        depth = self.max_tokens if self.pad_to_max_tokens else self._frozen_vocab_size
        if self.output_mode == "tf_idf":
            if self._idf is None:
                raise ValueError("When `output_mode` is `'tf_idf'`, `idf_weights` must be provided.")
            counts = encode_categorical(indices, "count", depth, torch.float32)
            weights = torch.as_tensor(self._idf, device=counts.device)
            return counts * weights
        # Like Keras, one_hot/multi_hot/count come out in the index dtype (int64).
        return encode_categorical(indices, self.output_mode, depth, torch.int64)

    def _ensure_known_vocab_size(self):
        if self.output_mode == "int" or self.pad_to_max_tokens:
            return
        if self._frozen_vocab_size is None or not (self._tokens or self._has_input_vocabulary):
            raise RuntimeError(
                f"When using `output_mode={self.output_mode}` and `pad_to_max_tokens=False`, you must set the "
                "layer's vocabulary before calling it. Either pass a `vocabulary` argument to the layer, or call "
                "`adapt` with some sample data.")

    # --- symbolic use, config, saving --------------------------------------------------------------------
    def compute_output_shape(self, input_shape):
        if self.output_mode == "int":
            return tuple(input_shape)
        depth = self.max_tokens if self.pad_to_max_tokens else self._frozen_vocab_size
        input_shape = tuple(input_shape)
        if self.output_mode == "one_hot":
            if len(input_shape) > 1 and input_shape[-1] == 1:
                return input_shape[:-1] + (depth,)
            return input_shape + (depth,)
        return input_shape[:-1] + (depth,)

    def compute_output_spec(self, inputs):
        dtype = "int64" if self.output_mode == "int" else config.floatx()
        if self.invert:
            dtype = self.vocabulary_dtype
        return KerasTensor(self.compute_output_shape(inputs.shape), dtype=dtype)

    def build(self, input_shape=None):
        self.built = True

    def get_build_config(self):
        return {}

    def build_from_config(self, config_):
        self.built = True

    def get_config(self):
        config_ = super().get_config()
        config_.update({
            "invert": self.invert,
            "max_tokens": self.max_tokens,
            "num_oov_indices": self.num_oov_indices,
            "oov_token": self.oov_token,
            "mask_token": self.mask_token,
            "output_mode": self.output_mode,
            "sparse": self.sparse,
            "pad_to_max_tokens": self.pad_to_max_tokens,
            "vocabulary_dtype": self.vocabulary_dtype,
            "idf_weights": listify(self.input_idf_weights),
            "vocabulary": listify(self.input_vocabulary),
            "vocabulary_size": self._frozen_vocab_size,
            "oov_method": self.oov_method,
            "salt": self.salt,
        })
        return config_

    def save_own_variables(self, store):
        """Save the idf weights (`"tf_idf"` mode); the vocabulary is an asset (`save_assets`)."""
        if self.output_mode == "tf_idf" and self._idf is not None:
            store["idf_weights"] = np.asarray(self._idf)

    def _check_load_own_variables(self, store):
        """Raise unless the saved idf weights (if any) are a 1-D array of real numbers."""
        if self.output_mode != "tf_idf" or "idf_weights" not in store:
            return
        idf = np.asarray(store["idf_weights"])
        if idf.ndim != 1 or idf.dtype.kind not in ("b", "i", "u", "f"):
            raise ValueError(f"Layer '{self.name}' expected its saved `idf_weights` to be a 1-D array of numbers, "
                             f"but the file holds {idf.dtype} values of shape {idf.shape}.")

    def load_own_variables(self, store):
        """Load the idf weights written by `save_own_variables`."""
        self._check_load_own_variables(store)
        if self.output_mode == "tf_idf" and "idf_weights" in store:
            self._idf = np.asarray(store["idf_weights"]).astype(config.floatx())

    def save_assets(self, dir_path):
        """Write the vocabulary to `dir_path/vocabulary.txt` (one token a line), like Keras."""
        import os

        if self.input_vocabulary is not None:
            return
        with open(os.path.join(dir_path, "vocabulary.txt"), "w", encoding="utf-8") as f:
            f.write("\n".join(str(w) for w in self.get_vocabulary(include_special_tokens=True)))

    def load_assets(self, dir_path):
        """Read the vocabulary written by `save_assets`."""
        import os

        if self.input_vocabulary is not None:
            return
        with open(os.path.join(dir_path, "vocabulary.txt"), encoding="utf-8") as f:
            lines = f.read().splitlines()
        while lines and lines[-1] == "":
            lines.pop()
        values = [self._convert_token(line) for line in lines]
        if self.output_mode == "tf_idf":
            self.set_vocabulary(values, idf_weights=self._idf)
        else:
            self.set_vocabulary(values)

    def _device(self, inputs):
        return inputs.device if isinstance(inputs, torch.Tensor) else get_device()
