"""`keras.layers.TextVectorization`: strings -> standardized tokens -> integer sequences or vectors."""
import re

import numpy as np
import torch

from torchkeras.api_export import keras_export
from torchkeras.backend import config
from torchkeras.backend.keras_tensor import KerasTensor
from torchkeras.layers.layer import Layer
from torchkeras.layers.preprocessing.index_lookup import listify
from torchkeras.layers.preprocessing.string_inputs import is_string_input
from torchkeras.layers.preprocessing.string_inputs import to_string_array
from torchkeras.layers.preprocessing.string_lookup import StringLookup

# `tf.strings.lower` lowercases ASCII only; Keras's punctuation class, as a deletion table.
_ASCII_LOWER = {c: c + 32 for c in range(ord("A"), ord("Z") + 1)}
_PUNCTUATION = {ord(c): None for c in '!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\''}
_WHITESPACE = re.compile(r"[ \t\n\r\f\v]+")


def _check_choice(value, allowed, name):
    if value is None or callable(value) or value in allowed:
        return
    raise ValueError(
        f"Unknown value for `{name}` argument of layer TextVectorization. If restoring a model from a config, "
        f"make sure the custom function is registered. Allowed values are: {allowed} or a callable. "
        f"Received: {name}={value}")


def _ngrams(tokens, widths):
    out = []
    for width in widths:
        out.extend(" ".join(tokens[i:i + width]) for i in range(len(tokens) - width + 1))
    return out


@keras_export("keras.layers.TextVectorization", "keras.layers.experimental.preprocessing.TextVectorization")
class TextVectorization(Layer):
    """Turn raw strings into token indices or bag-of-words vectors.

    Each string is standardized (`"lower_and_strip_punctuation"` by default: ASCII lowercase, Keras's
    punctuation removed; or `"lower"`, `"strip_punctuation"`, None, or a callable on a NumPy array of str),
    split (`"whitespace"`, `"character"`, None, or a callable returning a list of token lists), optionally
    extended with `ngrams`, then looked up in the vocabulary (index 0 = padding "", 1 = OOV "[UNK]").
    `output_mode="int"` gives int64 sequences padded to the longest (or to `output_sequence_length`);
    `"multi_hot"`, `"count"`, `"tf_idf"`, `"one_hot"` give float32 vectors. Inputs are NumPy arrays or
    lists of strings (torch has no string tensors).
    """

    def __init__(self, max_tokens=None, standardize="lower_and_strip_punctuation", split="whitespace", ngrams=None,
                 output_mode="int", output_sequence_length=None, pad_to_max_tokens=False, vocabulary=None,
                 idf_weights=None, sparse=False, ragged=False, encoding="utf-8", name=None, **kwargs):
        if sparse:
            raise ValueError("`sparse=True` can only be used with the TensorFlow backend.")
        if ragged:
            raise ValueError("`ragged=True` can only be used with the TensorFlow backend.")
        _check_choice(standardize, ("lower_and_strip_punctuation", "lower", "strip_punctuation"), "standardize")
        _check_choice(split, ("whitespace", "character"), "split")
        if output_mode == "binary":
            output_mode = "multi_hot"
        if output_mode == "tf-idf":
            output_mode = "tf_idf"
        allowed = ("int", "one_hot", "multi_hot", "count", "tf_idf")
        if output_mode not in allowed:
            raise ValueError(
                "Unknown value for `output_mode` argument of layer TextVectorization. Allowed values are: "
                f"{allowed}. Received: output_mode={output_mode}")
        if not (ngrams is None or isinstance(ngrams, int) or
                (isinstance(ngrams, tuple) and all(isinstance(i, int) for i in ngrams))):
            raise ValueError(f"`ngrams` must be None, an integer, or a tuple of integers. Received: ngrams={ngrams}")
        if output_mode == "int" and not (isinstance(output_sequence_length, int) or output_sequence_length is None):
            raise ValueError(
                "`output_sequence_length` must be either None or an integer when `output_mode` is 'int'. "
                f"Received: output_sequence_length={output_sequence_length}")
        if output_mode != "int" and output_sequence_length is not None:
            raise ValueError(
                "`output_sequence_length` must not be set if `output_mode` is not 'int'. "
                f"Received output_sequence_length={output_sequence_length}.")
        self._max_tokens = max_tokens
        self._standardize = standardize
        self._split = split
        self._ngrams_arg = ngrams
        self._ngrams = tuple(range(1, ngrams + 1)) if isinstance(ngrams, int) else ngrams
        self._ragged = ragged
        self._output_mode = output_mode
        self._output_sequence_length = output_sequence_length
        self._encoding = encoding
        has_vocabulary = kwargs.pop("has_input_vocabulary", vocabulary is not None)
        vocabulary_size = kwargs.pop("vocabulary_size", None)
        super().__init__(name=name, **kwargs)
        self._lookup_layer = StringLookup(
            max_tokens=max_tokens, vocabulary=vocabulary, idf_weights=idf_weights,
            pad_to_max_tokens=pad_to_max_tokens, mask_token="", output_mode=output_mode, sparse=sparse,
            has_input_vocabulary=has_vocabulary, encoding=encoding, vocabulary_size=vocabulary_size)
        self.built = True

    # --- vocabulary --------------------------------------------------------------------------------------
    def adapt(self, data, batch_size=None, steps=None):
        """Learn the vocabulary from strings: an array or list (one document per element) or an iterable of
        batches."""
        self.reset_state()
        if isinstance(data, (list, tuple, np.ndarray, str)):
            array = to_string_array(data, self._encoding)
            self.update_state(array.reshape(-1, 1) if array.ndim == 1 else array)
        else:
            for i, batch in enumerate(data):
                if steps is not None and i >= steps:
                    break
                if isinstance(batch, tuple):
                    batch = batch[0]
                self.update_state(batch)
        self.finalize_state()

    def update_state(self, data):
        self._lookup_layer.update_state(self._preprocess(data))

    def finalize_state(self):
        self._lookup_layer.finalize_state()

    def reset_state(self):
        self._lookup_layer.reset_state()

    def get_vocabulary(self, include_special_tokens=True):
        return self._lookup_layer.get_vocabulary(include_special_tokens)

    def vocabulary_size(self):
        return self._lookup_layer.vocabulary_size()

    def set_vocabulary(self, vocabulary, idf_weights=None):
        self._lookup_layer.set_vocabulary(vocabulary, idf_weights=idf_weights)

    # --- preprocessing -----------------------------------------------------------------------------------
    def _standardize_array(self, array):
        if self._standardize is None:
            return array
        if callable(self._standardize):
            return to_string_array(np.asarray(self._standardize(array)), self._encoding)
        lower = self._standardize in ("lower", "lower_and_strip_punctuation")
        strip = self._standardize in ("strip_punctuation", "lower_and_strip_punctuation")
        flat = array.reshape(-1).copy()
        for i, s in enumerate(flat):
            if lower:
                s = s.translate(_ASCII_LOWER)
            if strip:
                s = s.translate(_PUNCTUATION)
            flat[i] = s
        return flat.reshape(array.shape)

    def _preprocess(self, inputs):
        """Standardized, split, n-grammed tokens: a list of token lists (one per string) when splitting,
        else an array of strings."""
        array = self._standardize_array(to_string_array(inputs, self._encoding))
        if self._split is None:
            if self._ngrams is not None:
                raise ValueError("`ngrams` needs `split`: TextVectorization cannot build n-grams of unsplit text.")
            return array
        if array.ndim > 1:
            if array.shape[-1] != 1:
                raise ValueError(
                    "When using `TextVectorization` to tokenize strings, the input rank must be 1 or the last "
                    f"shape dimension must be 1. Received: inputs.shape={array.shape} with rank={array.ndim}")
            array = array.reshape(array.shape[:-1])
        if array.ndim == 0:
            array = array.reshape(1)
        if array.ndim != 1:
            raise ValueError(f"TextVectorization expects a batch of strings; received an array of shape {array.shape}.")
        if self._split == "whitespace":
            rows = [[t for t in _WHITESPACE.split(s) if t] for s in array]
        elif self._split == "character":
            rows = [list(s) for s in array]
        else:
            rows = [[str(t) for t in row] for row in self._split(array)]
        if self._ngrams is not None:
            rows = [_ngrams(row, self._ngrams) for row in rows]
        return rows

    # --- call --------------------------------------------------------------------------------------------
    def __call__(self, inputs, *args, **kwargs):
        if is_string_input(inputs):
            return self.call(inputs)
        return super().__call__(inputs, *args, **kwargs)

    def call(self, inputs):
        if isinstance(inputs, torch.Tensor):
            raise ValueError(
                "TextVectorization expects strings: a NumPy array of str or a list of str (torch has no string "
                f"tensors). Received a torch tensor of dtype {inputs.dtype}.")
        tokens = self._preprocess(inputs)
        lookup = self._lookup_layer
        if self._split is None:
            return lookup.call(tokens)
        lookup.__dict__["_called"] = True
        lookup._ensure_known_vocab_size()
        length = max((len(r) for r in tokens), default=0)
        if self._output_mode == "int" and self._output_sequence_length is not None:
            length = self._output_sequence_length
        padded = np.full((len(tokens), length), "", dtype=object)
        for i, row in enumerate(tokens):
            row = row[:length]
            padded[i, :len(row)] = row
        indices = lookup._lookup_strings(padded)
        if self._output_mode == "int":
            return indices.to(lookup._device(None))
        # Padding positions look up the mask token "", which encodes to nothing.
        return lookup._encode(indices.to(lookup._device(None)))

    def compute_output_shape(self, input_shape):
        if self._output_mode == "int":
            return (input_shape[0], self._output_sequence_length)
        if self._split is None:
            if len(input_shape) <= 1:
                input_shape = tuple(input_shape) + (1,)
        else:
            input_shape = tuple(input_shape) + (None,)
        return self._lookup_layer.compute_output_shape(input_shape)

    def compute_output_spec(self, inputs):
        dtype = "int64" if self._output_mode == "int" else config.floatx()
        return KerasTensor(self.compute_output_shape(inputs.shape), dtype=dtype)

    def get_config(self):
        config_ = super().get_config()
        config_.update({
            "max_tokens": self._lookup_layer.max_tokens,
            "standardize": self._standardize,
            "split": self._split,
            "ngrams": self._ngrams_arg,
            "output_mode": self._output_mode,
            "output_sequence_length": self._output_sequence_length,
            "pad_to_max_tokens": self._lookup_layer.pad_to_max_tokens,
            "sparse": self._lookup_layer.sparse,
            "ragged": self._ragged,
            "vocabulary": listify(self._lookup_layer.input_vocabulary),
            "idf_weights": listify(self._lookup_layer.input_idf_weights),
            "encoding": self._encoding,
            "vocabulary_size": self.vocabulary_size(),
        })
        return config_

    @classmethod
    def from_config(cls, config_):
        from torchkeras.saving.serialization_lib import deserialize_keras_object

        config_ = dict(config_)
        for key in ("standardize", "split"):
            if config_.get(key) is not None and not isinstance(config_[key], str):
                config_[key] = deserialize_keras_object(config_[key])
        if isinstance(config_.get("ngrams"), list):
            config_["ngrams"] = tuple(config_["ngrams"])
        return cls(**config_)

    def save_own_variables(self, store):
        self._lookup_layer.save_own_variables(store)

    def _check_load_own_variables(self, store):
        self._lookup_layer._check_load_own_variables(store)

    def load_own_variables(self, store):
        self._lookup_layer.load_own_variables(store)

    def save_assets(self, dir_path):
        self._lookup_layer.save_assets(dir_path)

    def load_assets(self, dir_path):
        self._lookup_layer.load_assets(dir_path)
