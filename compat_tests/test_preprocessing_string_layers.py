"""String/categorical lookup layers side by side with real Keras 3 (torch backend).

Keras runs these layers on TensorFlow (StringLookup, IntegerLookup, TextVectorization and Hashing raise
`ImportError` without it), so this module is skipped unless TensorFlow is importable next to Keras.
"""
import pytest

import keras
import numpy as np
import torch

import torchkeras

pytest.importorskip("tensorflow", reason="Keras's lookup and hashing layers need TensorFlow")

TEXTS = np.array([
    "The quick brown fox jumps over the lazy dog!",
    "Never jump over the lazy dog quickly... the DOG bites.",
    "a fox, a dog; and a cat: friends? ÉCOLE école",
    "don't stop-believing",
    "the the the fox",
])
NEW_TEXTS = np.array(["the fox and the zebra", "", "DOG dog dog, cat!", "völlig unbekannt fox"])


def _np(x):
    if isinstance(x, torch.Tensor):
        return x.detach().cpu().numpy()
    return np.asarray(x)


def _pair(name, **kwargs):
    return getattr(torchkeras.layers, name)(**kwargs), getattr(keras.layers, name)(**kwargs)


def _same(a, b):
    a, b = _np(a), _np(b)
    assert a.shape == b.shape, (a.shape, b.shape)
    if a.dtype == object or b.dtype == object:
        assert a.tolist() == [x.decode() if isinstance(x, bytes) else x for x in b.reshape(-1)] or \
            a.tolist() == b.tolist()
    else:
        assert str(a.dtype) == str(b.dtype), (a.dtype, b.dtype)
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def _same_config(ours, theirs):
    a, b = ours.get_config(), theirs.get_config()
    a.pop("name"), b.pop("name")
    assert a == b


@pytest.mark.parametrize("kwargs", [
    {}, {"max_tokens": 6}, {"output_sequence_length": 5}, {"output_sequence_length": 12},
    {"standardize": "lower"}, {"standardize": "strip_punctuation"}, {"standardize": None},
    {"split": "character", "max_tokens": 20}, {"ngrams": 2}, {"ngrams": (1, 3), "max_tokens": 30},
    {"output_mode": "multi_hot"}, {"output_mode": "count", "max_tokens": 8}, {"output_mode": "tf_idf"},
    {"output_mode": "multi_hot", "max_tokens": 12, "pad_to_max_tokens": True},
    {"output_mode": "tf_idf", "max_tokens": 12, "pad_to_max_tokens": True},
])
def test_text_vectorization_adapt_same_as_keras(kwargs):
    ours, theirs = _pair("TextVectorization", **kwargs)
    ours.adapt(TEXTS)
    theirs.adapt(TEXTS)
    assert ours.get_vocabulary() == [str(v) for v in theirs.get_vocabulary()]
    assert ours.vocabulary_size() == theirs.vocabulary_size()
    _same(ours(NEW_TEXTS), theirs(NEW_TEXTS))
    _same(ours(TEXTS[:, None]), theirs(TEXTS[:, None]))
    _same_config(ours, theirs)


def test_text_vectorization_given_vocabulary_same_as_keras():
    vocab = ["the", "fox", "dog", "cat"]
    for kwargs in ({}, {"output_mode": "multi_hot"}, {"output_mode": "count"},
                   {"output_mode": "tf_idf", "idf_weights": [0.5, 1.0, 1.5, 2.0]},
                   {"split": None, "output_mode": "int"}):
        ours, theirs = _pair("TextVectorization", vocabulary=vocab, **kwargs)
        x = NEW_TEXTS if kwargs.get("split", "whitespace") else np.array([["the"], ["dog"], ["bird"]])
        _same(ours(x), theirs(x))
        _same_config(ours, theirs)
        assert ours.get_vocabulary() == theirs.get_vocabulary()


@pytest.mark.parametrize("kwargs", [
    {}, {"num_oov_indices": 3}, {"mask_token": "[MASK]"}, {"max_tokens": 4}, {"oov_token": "?"},
    {"output_mode": "one_hot"}, {"output_mode": "multi_hot"}, {"output_mode": "count"}, {"output_mode": "tf_idf"},
    {"num_oov_indices": 2, "salt": 7}, {"num_oov_indices": 0},
])
def test_string_lookup_adapt_same_as_keras(kwargs):
    data = np.array([["a", "b", "c"], ["b", "c", "c"], ["d", "a", "c"]])
    ours, theirs = _pair("StringLookup", **kwargs)
    ours.adapt(data)
    theirs.adapt(data)
    assert ours.get_vocabulary() == theirs.get_vocabulary()
    x = np.array([["a", "zz"], ["c", "b"]]) if kwargs.get("num_oov_indices", 1) else np.array([["a"], ["c"]])
    if kwargs.get("output_mode") == "one_hot":
        x = np.array(["a", "zz", "c"]) if kwargs.get("num_oov_indices", 1) else np.array(["a", "c"])
    _same(ours(x), theirs(x))
    _same_config(ours, theirs)


def test_string_lookup_vocabulary_mask_and_invert_same_as_keras():
    vocab = ["red", "green", "blue"]
    ours, theirs = _pair("StringLookup", vocabulary=vocab, mask_token="")
    x = np.array([["red", ""], ["blue", "black"]])
    _same(ours(x), theirs(x))
    assert ours.get_vocabulary() == theirs.get_vocabulary()
    ours, theirs = _pair("StringLookup", vocabulary=vocab, invert=True)
    idx = np.array([0, 1, 2, 3, 9])
    assert ours(idx) == theirs(idx)
    ours, theirs = _pair("StringLookup", vocabulary=vocab, num_oov_indices=4)
    x = np.array(["red", "purple", "orange", "cyan", "magenta", "blue"])
    _same(ours(x), theirs(x))
    for kwargs in ({"output_mode": "multi_hot"}, {"output_mode": "count", "pad_to_max_tokens": True, "max_tokens": 8},
                   {"output_mode": "tf_idf", "idf_weights": [1.0, 2.0, 3.0]}):
        ours, theirs = _pair("StringLookup", vocabulary=vocab, **kwargs)
        x = np.array([["red", "red", "blue"], ["black", "green", "green"]])
        _same(ours(x), theirs(x))
        _same_config(ours, theirs)


@pytest.mark.parametrize("kwargs", [
    {}, {"num_oov_indices": 3}, {"mask_token": 0}, {"max_tokens": 4}, {"oov_token": -7},
    {"output_mode": "multi_hot"}, {"output_mode": "count"}, {"output_mode": "tf_idf"},
    {"num_oov_indices": 3, "oov_method": "farmhash"}, {"num_oov_indices": 2, "oov_method": "farmhash", "salt": 5},
])
def test_integer_lookup_same_as_keras(kwargs):
    data = np.array([[12, 1138, 42], [42, 1000, 36], [42, 12, 0]])
    ours, theirs = _pair("IntegerLookup", **kwargs)
    ours.adapt(data)
    theirs.adapt(data)
    assert ours.get_vocabulary() == [int(v) for v in theirs.get_vocabulary()]
    x = np.array([[12, 7], [0, 36], [-5, 1000]])
    _same(ours(x), theirs(x))
    _same(ours(torch.tensor(x)), theirs(x))
    _same_config(ours, theirs)


def test_integer_lookup_vocabulary_and_invert_same_as_keras():
    ours, theirs = _pair("IntegerLookup", vocabulary=[12, 36, 1138, 42])
    x = np.array([[12, 1138, 42], [42, 1000, 36]])
    _same(ours(x), theirs(x))
    ours, theirs = _pair("IntegerLookup", vocabulary=[12, 36, 1138, 42], invert=True)
    idx = np.array([[1, 3, 4], [4, 0, 2], [9, 1, 1]])
    _same(ours(idx), theirs(idx))
    ours, theirs = _pair("IntegerLookup", vocabulary=[12, 36], mask_token=0, output_mode="one_hot")
    _same(ours(np.array([12, 0, 99])), theirs(np.array([12, 0, 99])))


@pytest.mark.parametrize("kwargs", [
    {"num_bins": 3}, {"num_bins": 7, "salt": 133}, {"num_bins": 5, "salt": [4, 1]},
    {"num_bins": 4, "mask_value": ""}, {"num_bins": 6, "output_mode": "one_hot"},
    {"num_bins": 6, "output_mode": "multi_hot"}, {"num_bins": 6, "output_mode": "count"},
])
def test_hashing_strings_same_as_keras(kwargs):
    ours, theirs = _pair("Hashing", **kwargs)
    x = np.array([["A"], ["B"], [""], ["héllo wörld"], ["a much longer string, over sixty-four bytes long, to "
                                                       "reach FarmHash's long-input path!"]])
    if kwargs.get("output_mode") == "multi_hot" or kwargs.get("output_mode") == "count":
        x = np.array([["A", "B", "A"], ["", "C", "A"]])
    _same(ours(x), theirs(x))
    _same_config(ours, theirs)


@pytest.mark.parametrize("kwargs", [{"num_bins": 3}, {"num_bins": 10, "mask_value": 0},
                                    {"num_bins": 5, "salt": 9}])
def test_hashing_numbers_same_as_keras(kwargs):
    ours, theirs = _pair("Hashing", **kwargs)
    for x in (np.array([[1], [12], [0], [-3], [123456789]]), np.array([[1.7], [0.0], [-2.5]], dtype="float32")):
        _same(ours(x), theirs(x))
        _same(ours(torch.tensor(x)), theirs(torch.tensor(x)))
