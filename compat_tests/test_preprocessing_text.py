"""Keras 2 text/sequence preprocessing side by side with real Keras 3 (its legacy modules)."""
import json
import random

import pytest

import keras  # noqa: F401  (compat_tests/conftest.py skips when Keras is missing)
import numpy as np
from keras.src.legacy.preprocessing import sequence as k_sequence
from keras.src.legacy.preprocessing import text as k_text
from keras.src.utils import sequence_utils as k_sequence_utils

from torchkeras.preprocessing import sequence as tk_sequence
from torchkeras.preprocessing import text as tk_text
from torchkeras.utils import sequence_utils

TEXTS = [
    "The quick brown fox jumps over the lazy dog!",
    "Never jump over the lazy dog quickly... the DOG bites.",
    "A fox, a dog; and a cat: friends?",
    "",
    "Ünïcödé wörds, tabs\tand\nnewlines -- hyphen-ated words",
    "the the the fox",
]

TOKENIZER_CONFIGS = [
    {},
    {"num_words": 6},
    {"num_words": 6, "oov_token": "<OOV>"},
    {"oov_token": "[UNK]"},
    {"lower": False},
    {"char_level": True},
    {"char_level": True, "num_words": 10, "oov_token": "?"},
    {"filters": "", "split": " "},
    {"split": ",", "filters": "!"},
    {"analyzer": lambda t: t.split()},
]


def _pair(config):
    return tk_text.Tokenizer(**config), k_text.Tokenizer(**config)


@pytest.mark.parametrize("config", TOKENIZER_CONFIGS)
def test_tokenizer_same_as_keras(config):
    ours, theirs = _pair(config)
    ours.fit_on_texts(TEXTS)
    theirs.fit_on_texts(TEXTS)
    assert ours.word_index == theirs.word_index
    assert ours.index_word == theirs.index_word
    assert list(ours.word_counts.items()) == list(theirs.word_counts.items())
    assert dict(ours.word_docs) == dict(theirs.word_docs)
    assert dict(ours.index_docs) == dict(theirs.index_docs)
    assert ours.document_count == theirs.document_count
    new = TEXTS + ["an unseen sentence with fox and zebra"]
    seqs = ours.texts_to_sequences(new)
    assert seqs == theirs.texts_to_sequences(new)
    assert list(ours.texts_to_sequences_generator(new)) == list(theirs.texts_to_sequences_generator(new))
    assert ours.sequences_to_texts(seqs) == theirs.sequences_to_texts(seqs)
    assert ours.sequences_to_texts([[1, 2, 99, 3]]) == theirs.sequences_to_texts([[1, 2, 99, 3]])
    for mode in ("binary", "count", "tfidf", "freq"):
        a = ours.texts_to_matrix(new, mode=mode)
        b = theirs.texts_to_matrix(new, mode=mode)
        assert a.dtype == b.dtype and a.shape == b.shape
        np.testing.assert_allclose(a, b, rtol=0, atol=0)
    if config.get("analyzer") is None:
        assert ours.to_json() == theirs.to_json()
        assert ours.get_config() == theirs.get_config()


def test_tokenizer_token_lists_and_sequences():
    ours, theirs = _pair({"oov_token": "<unk>"})
    lists = [["Hello", "World"], ["hello", "there", "world"]]
    ours.fit_on_texts(lists)
    theirs.fit_on_texts(lists)
    assert ours.word_index == theirs.word_index
    ours.fit_on_sequences([[1, 2, 2], [3]])
    theirs.fit_on_sequences([[1, 2, 2], [3]])
    assert dict(ours.index_docs) == dict(theirs.index_docs)
    assert ours.document_count == theirs.document_count
    np.testing.assert_array_equal(ours.sequences_to_matrix([[1, 2, 2], [4]], mode="tfidf"),
                                  theirs.sequences_to_matrix([[1, 2, 2], [4]], mode="tfidf"))


def test_tokenizer_json_round_trip_same_as_keras():
    ours, theirs = _pair({"num_words": 8, "oov_token": "<OOV>"})
    ours.fit_on_texts(TEXTS)
    theirs.fit_on_texts(TEXTS)
    text = theirs.to_json()
    restored_ours = tk_text.tokenizer_from_json(text)
    restored_theirs = k_text.tokenizer_from_json(text)
    assert restored_ours.texts_to_sequences(TEXTS) == restored_theirs.texts_to_sequences(TEXTS)
    assert restored_ours.get_config() == restored_theirs.get_config()
    np.testing.assert_array_equal(restored_ours.texts_to_matrix(TEXTS, "tfidf"),
                                  restored_theirs.texts_to_matrix(TEXTS, "tfidf"))
    assert json.loads(ours.to_json(indent=2)) == json.loads(theirs.to_json(indent=2))


@pytest.mark.parametrize("kwargs", [{}, {"lower": False}, {"filters": "", "split": "."},
                                    {"split": "o"}])
def test_word_functions_same_as_keras(kwargs):
    for text in TEXTS:
        assert tk_text.text_to_word_sequence(text, **kwargs) == k_text.text_to_word_sequence(text, **kwargs)
        assert tk_text.one_hot(text, 17, **kwargs) == k_text.one_hot(text, 17, **kwargs)
        assert tk_text.hashing_trick(text, 23, hash_function="md5", **kwargs) == \
            k_text.hashing_trick(text, 23, hash_function="md5", **kwargs)
        assert tk_text.hashing_trick(text, 5, hash_function=len, **kwargs) == \
            k_text.hashing_trick(text, 5, hash_function=len, **kwargs)


SEQS = [[1, 2, 3], [4, 5], [], [6, 7, 8, 9, 10], [11]]


@pytest.mark.parametrize("kwargs", [
    {}, {"maxlen": 3}, {"maxlen": 3, "padding": "post"}, {"maxlen": 3, "truncating": "post"},
    {"maxlen": 2, "padding": "post", "truncating": "post", "value": -1}, {"maxlen": 7},
    {"dtype": "float32", "value": 0.5}, {"dtype": "int64"}, {"dtype": "float64", "maxlen": 4},
])
def test_pad_sequences_same_as_keras(kwargs):
    a = sequence_utils.pad_sequences(SEQS, **kwargs)
    b = k_sequence_utils.pad_sequences(SEQS, **kwargs)
    assert a.dtype == b.dtype and a.shape == b.shape
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(tk_sequence.pad_sequences(SEQS, **kwargs), b)


def test_pad_sequences_strings_vectors_and_arrays_same_as_keras():
    words = [["a", "bb"], ["ccc"], ["d", "e", "f"]]
    for kwargs in ({"dtype": object, "value": ""}, {"dtype": "<U3", "value": "-"},
                   {"dtype": object, "value": "PAD", "maxlen": 2, "padding": "post"}):
        a = sequence_utils.pad_sequences(words, **kwargs)
        b = k_sequence_utils.pad_sequences(words, **kwargs)
        assert a.dtype == b.dtype
        np.testing.assert_array_equal(a, b)
    vectors = [np.ones((2, 3)), np.zeros((4, 3)), np.full((1, 3), 2.0)]
    a = sequence_utils.pad_sequences(vectors, dtype="float32", maxlen=3)
    b = k_sequence_utils.pad_sequences(vectors, dtype="float32", maxlen=3)
    np.testing.assert_array_equal(a, b)
    arr = np.array([np.arange(3), np.arange(5), np.arange(1)], dtype=object)
    np.testing.assert_array_equal(sequence_utils.pad_sequences(arr), k_sequence_utils.pad_sequences(arr))


def test_pad_sequences_errors_same_as_keras():
    for call in (lambda f: f([[1], [2]], value="x"), lambda f: f([[1], 2]),
                 lambda f: f([[1, 2]], padding="middle"), lambda f: f([[1, 2]], truncating="middle", maxlen=1),
                 lambda f: f([[[1, 2]], [[1, 2, 3]]]), lambda f: f(5)):
        with pytest.raises(ValueError) as ours:
            call(sequence_utils.pad_sequences)
        with pytest.raises(ValueError) as theirs:
            call(k_sequence_utils.pad_sequences)
        assert str(ours.value) == str(theirs.value)


def test_skipgrams_and_sampling_table_same_as_keras():
    np.testing.assert_array_equal(tk_sequence.make_sampling_table(50), k_sequence.make_sampling_table(50))
    np.testing.assert_array_equal(tk_sequence.make_sampling_table(20, 1e-3),
                                  k_sequence.make_sampling_table(20, 1e-3))
    seq = [1, 5, 0, 3, 7, 2, 9, 4, 4, 6]
    for kwargs in ({}, {"window_size": 2, "negative_samples": 0.5}, {"categorical": True, "seed": 3},
                   {"shuffle": False}, {"sampling_table": tk_sequence.make_sampling_table(10, 0.1)},
                   {"negative_samples": 0.0}):
        random.seed(11)
        ours = tk_sequence.skipgrams(seq, 10, **kwargs)
        random.seed(11)
        theirs = k_sequence.skipgrams(seq, 10, **kwargs)
        assert ours == theirs


@pytest.mark.parametrize("kwargs", [
    {"length": 3}, {"length": 4, "sampling_rate": 2, "stride": 2, "batch_size": 3},
    {"length": 2, "start_index": 3, "end_index": 15, "reverse": True, "batch_size": 4},
])
def test_timeseries_generator_same_as_keras(kwargs):
    data = np.arange(40, dtype="float32").reshape(20, 2)
    targets = np.arange(20) * 10
    ours = tk_sequence.TimeseriesGenerator(data, targets, **kwargs)
    theirs = k_sequence.TimeseriesGenerator(data, targets, **kwargs)
    assert len(ours) == len(theirs)
    for i in range(len(theirs)):
        for u, v in zip(ours[i], theirs[i]):
            np.testing.assert_array_equal(u, v)
    np.random.seed(5)
    a = tk_sequence.TimeseriesGenerator(data, targets, shuffle=True, **kwargs)[0]
    np.random.seed(5)
    b = k_sequence.TimeseriesGenerator(data, targets, shuffle=True, **kwargs)[0]
    np.testing.assert_array_equal(a[0], b[0])
