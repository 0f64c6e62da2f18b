"""`keras.preprocessing.text` (Keras 2): the `Tokenizer` and its helpers.

Keras 3 keeps these as legacy utilities (`keras.src.legacy.preprocessing.text`); new code would use the
`TextVectorization` layer. The outputs here are the same as Keras's for the same texts.
"""
import collections
import json
import warnings

import numpy as np

from torchkeras.api_export import keras_export
from torchkeras.utils.text_utils import DEFAULT_FILTERS
from torchkeras.utils.text_utils import hashing_trick
from torchkeras.utils.text_utils import one_hot
from torchkeras.utils.text_utils import text_to_word_sequence

__all__ = ["Tokenizer", "hashing_trick", "one_hot", "text_to_word_sequence", "tokenizer_from_json"]


@keras_export("keras.preprocessing.text.Tokenizer", "keras._legacy.preprocessing.text.Tokenizer")
class Tokenizer:
    """Turn texts into sequences of word indices (or into bag-of-words matrices).

    Indices start at 1 and are ordered by word frequency (ties keep first-seen order); an `oov_token`, if
    given, takes index 1. Only the `num_words - 1` most frequent words are used when converting texts, but
    `word_index` holds every word seen. With `char_level=True` every character is a token.
    """

    def __init__(self, num_words=None, filters=DEFAULT_FILTERS, lower=True, split=" ", char_level=False,
                 oov_token=None, analyzer=None, **kwargs):
        if "nb_words" in kwargs:
            warnings.warn("The `nb_words` argument in `Tokenizer` has been renamed `num_words`.", stacklevel=2)
            num_words = kwargs.pop("nb_words")
        document_count = kwargs.pop("document_count", 0)
        if kwargs:
            raise TypeError(f"Unrecognized keyword arguments: {kwargs}")
        self.word_counts = collections.OrderedDict()
        self.word_docs = collections.defaultdict(int)
        self.filters = filters
        self.split = split
        self.lower = lower
        self.num_words = num_words
        self.document_count = document_count
        self.char_level = char_level
        self.oov_token = oov_token
        self.index_docs = collections.defaultdict(int)
        self.word_index = {}
        self.index_word = {}
        self.analyzer = analyzer

    def _tokens(self, text):
        if self.char_level or isinstance(text, list):
            if self.lower:
                text = [t.lower() for t in text] if isinstance(text, list) else text.lower()
            return text
        if self.analyzer is None:
            return text_to_word_sequence(text, filters=self.filters, lower=self.lower, split=self.split)
        return self.analyzer(text)

    def fit_on_texts(self, texts):
        """Update the vocabulary from a list of texts (strings, or lists of tokens)."""
        for text in texts:
            self.document_count += 1
            tokens = self._tokens(text)
            for w in tokens:
                self.word_counts[w] = self.word_counts.get(w, 0) + 1
            for w in set(tokens):
                self.word_docs[w] += 1
        ranked = sorted(self.word_counts.items(), key=lambda item: -item[1])
        vocabulary = ([] if self.oov_token is None else [self.oov_token]) + [w for w, _ in ranked]
        self.word_index = {w: i for i, w in enumerate(vocabulary, start=1)}
        self.index_word = {i: w for w, i in self.word_index.items()}
        for w, c in list(self.word_docs.items()):
            self.index_docs[self.word_index[w]] = c

    def fit_on_sequences(self, sequences):
        """Update the document counts (for `tfidf`) from sequences of word indices."""
        self.document_count += len(sequences)
        for seq in sequences:
            for i in set(seq):
                self.index_docs[i] += 1

    def texts_to_sequences(self, texts):
        """Each text as a list of word indices (words beyond `num_words` or unknown are dropped, or map to
        the OOV index)."""
        return list(self.texts_to_sequences_generator(texts))

    def texts_to_sequences_generator(self, texts):
        """Like `texts_to_sequences`, one list at a time."""
        oov_index = self.word_index.get(self.oov_token)
        for text in texts:
            out = []
            for w in self._tokens(text):
                i = self.word_index.get(w)
                if i is None:
                    if self.oov_token is not None:
                        out.append(oov_index)
                elif self.num_words and i >= self.num_words:
                    if oov_index is not None:
                        out.append(oov_index)
                else:
                    out.append(i)
            yield out

    def sequences_to_texts(self, sequences):
        """Each sequence of word indices as a space-joined text."""
        return list(self.sequences_to_texts_generator(sequences))

    def sequences_to_texts_generator(self, sequences):
        """Like `sequences_to_texts`, one text at a time."""
        oov_index = self.word_index.get(self.oov_token)
        for seq in sequences:
            words = []
            for num in seq:
                word = self.index_word.get(num)
                if word is not None and not (self.num_words and num >= self.num_words):
                    words.append(word)
                elif word is not None:
                    if oov_index is not None:
                        words.append(self.index_word[oov_index])
                elif self.oov_token is not None:
                    words.append(self.index_word[oov_index])
            yield " ".join(words)

    def texts_to_matrix(self, texts, mode="binary"):
        """A `(len(texts), num_words)` matrix; `mode`: `"binary"`, `"count"`, `"tfidf"` or `"freq"`."""
        return self.sequences_to_matrix(self.texts_to_sequences(texts), mode=mode)

    def sequences_to_matrix(self, sequences, mode="binary"):
        """A `(len(sequences), num_words)` float64 matrix; `mode`: `"binary"`, `"count"`, `"tfidf"`,
        `"freq"`."""
        if not self.num_words:
            if not self.word_index:
                raise ValueError("Specify a dimension (`num_words` argument), or fit on some text data first.")
            num_words = len(self.word_index) + 1
        else:
            num_words = self.num_words
        if mode == "tfidf" and not self.document_count:
            raise ValueError("Fit the Tokenizer on some data before using tfidf mode.")
        x = np.zeros((len(sequences), num_words))
        for row, seq in enumerate(sequences):
            if not seq:
                continue
            counts = collections.Counter(j for j in seq if j < num_words)
            for j, c in counts.items():
                if mode == "count":
                    x[row][j] = c
                elif mode == "freq":
                    x[row][j] = c / len(seq)
                elif mode == "binary":
                    x[row][j] = 1
                elif mode == "tfidf":
                    tf = 1 + np.log(c)
                    idf = np.log(1 + self.document_count / (1 + self.index_docs.get(j, 0)))
                    x[row][j] = tf * idf
                else:
                    raise ValueError("Unknown vectorization mode:", mode)
        return x

    def get_config(self):
        """The tokenizer's settings and fitted state (the dictionaries as JSON strings)."""
        return {
            "num_words": self.num_words,
            "filters": self.filters,
            "lower": self.lower,
            "split": self.split,
            "char_level": self.char_level,
            "oov_token": self.oov_token,
            "document_count": self.document_count,
            "word_counts": json.dumps(self.word_counts),
            "word_docs": json.dumps(self.word_docs),
            "index_docs": json.dumps(self.index_docs),
            "index_word": json.dumps(self.index_word),
            "word_index": json.dumps(self.word_index),
        }

    def to_json(self, **kwargs):
        """A JSON string `{"class_name": "Tokenizer", "config": ...}` that `tokenizer_from_json` reads back.

        Keyword arguments go to `json.dumps`.
        """
        return json.dumps({"class_name": type(self).__name__, "config": self.get_config()}, **kwargs)


@keras_export("keras.preprocessing.text.tokenizer_from_json",
              "keras._legacy.preprocessing.text.tokenizer_from_json")
def tokenizer_from_json(json_string):
    """Rebuild a `Tokenizer` from the string written by `Tokenizer.to_json()`.

    Every field is checked (type and range) before the tokenizer is built; an `analyzer` (a Python callable,
    which JSON can't hold) or an unknown field is refused.
    """
    from torchkeras.saving import limits

    what = "The tokenizer JSON"
    data = limits.parse_json(json_string, what)
    if not isinstance(data, dict) or not isinstance(data.get("config"), dict):
        raise ValueError(f"{what} must be an object with a `config` object, as `Tokenizer.to_json()` writes it. "
                         f"Received: {_describe(data)}.")
    if data.get("class_name", "Tokenizer") != "Tokenizer":
        raise ValueError(f"{what} describes a {data.get('class_name')!r}, not a Tokenizer.")
    config = dict(data["config"])
    if "analyzer" in config:
        raise ValueError(f"{what} sets `analyzer`, a Python callable that JSON can't hold: refusing it. Set the "
                         "analyzer on the tokenizer in code after loading it.")
    unknown = sorted(set(config) - _TOKENIZER_FIELDS)
    if unknown:
        raise ValueError(f"{what} has unknown fields {unknown}: it was not written by `Tokenizer.to_json()`.")
    _check_field(config, "num_words", lambda v: v is None or _is_count(v), "None or an integer >= 0")
    _check_field(config, "filters", lambda v: isinstance(v, str), "a string")
    _check_field(config, "lower", lambda v: isinstance(v, bool), "a boolean")
    _check_field(config, "split", lambda v: isinstance(v, str), "a string")
    _check_field(config, "char_level", lambda v: isinstance(v, bool), "a boolean")
    _check_field(config, "oov_token", lambda v: v is None or isinstance(v, str), "None or a string")
    _check_field(config, "document_count", _is_count, "an integer >= 0")
    word_counts = _mapping(config.pop("word_counts", "{}"), "word_counts", str, _is_count, what)
    word_docs = _mapping(config.pop("word_docs", "{}"), "word_docs", str, _is_count, what)
    index_docs = _mapping(config.pop("index_docs", "{}"), "index_docs", _int_key, _is_count, what)
    index_word = _mapping(config.pop("index_word", "{}"), "index_word", _int_key, lambda v: isinstance(v, str), what)
    word_index = _mapping(config.pop("word_index", "{}"), "word_index", str, _is_count, what)
    tokenizer = Tokenizer(**config)
    tokenizer.word_counts = collections.OrderedDict(word_counts)
    tokenizer.word_docs = collections.defaultdict(int, word_docs)
    tokenizer.index_docs = collections.defaultdict(int, index_docs)
    tokenizer.word_index = word_index
    tokenizer.index_word = index_word
    return tokenizer


_TOKENIZER_FIELDS = {"num_words", "filters", "lower", "split", "char_level", "oov_token", "document_count",
                     "word_counts", "word_docs", "index_docs", "index_word", "word_index"}


def _describe(value):
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _is_count(value):
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _int_key(key):
    if not isinstance(key, str) or not key.lstrip("-").isdigit():
        raise ValueError
    return int(key)


def _check_field(config, name, valid, expected):
    if name in config and not valid(config[name]):
        raise ValueError(f"The tokenizer JSON field `{name}` must be {expected}. Received: {name}="
                         f"{_describe(config[name])}")


def _mapping(text, name, key_type, valid_value, what):
    """One of the tokenizer's dictionaries, stored as a JSON string (or, leniently, as an object)."""
    from torchkeras.saving import limits

    value = limits.parse_json(text, f"The `{name}` field of {what.lower()}") if isinstance(text, str) else text
    if not isinstance(value, dict):
        raise ValueError(f"The tokenizer JSON field `{name}` must hold a mapping. Received: {_describe(value)}")
    out = {}
    for key, item in value.items():
        try:
            converted = key_type(key)
        except (ValueError, TypeError):
            raise ValueError(f"The tokenizer JSON field `{name}` has the invalid key {_describe(key)}.") from None
        if not valid_value(item):
            raise ValueError(f"The tokenizer JSON field `{name}` has an invalid value for {_describe(key)}: "
                             f"{_describe(item)}.")
        out[converted] = item
    return out
