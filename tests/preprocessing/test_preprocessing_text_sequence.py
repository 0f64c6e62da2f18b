"""Keras 2 `keras.preprocessing.text` / `.sequence` behaviour (fixed expectations worked out by hand)."""
import json

import numpy as np
import pytest

import torchkeras as keras
from torchkeras.preprocessing import sequence
from torchkeras.preprocessing import text


def test_text_to_word_sequence():
    assert text.text_to_word_sequence("Hello, World! hello") == ["hello", "world", "hello"]
    assert text.text_to_word_sequence("a-b c", filters="", lower=False) == ["a-b", "c"]
    assert text.text_to_word_sequence("a,b,,c", filters="", split=",") == ["a", "b", "c"]


def test_hashing_trick_range_and_md5_stability():
    out = text.hashing_trick("the cat sat on the mat", 10, hash_function="md5")
    assert len(out) == 6 and all(1 <= i <= 9 for i in out)
    assert out[0] == out[4]  # "the" twice
    assert text.hashing_trick("x", 2, hash_function=lambda w: 7) == [1]
    assert all(1 <= i < 5 for i in text.one_hot("a b c d e", 5))


def test_tokenizer_index_order_and_oov():
    tok = text.Tokenizer(num_words=3, oov_token="<OOV>")
    tok.fit_on_texts(["b a b", "c b a"])
    assert tok.word_index == {"<OOV>": 1, "b": 2, "a": 3, "c": 4}
    assert tok.word_counts == {"b": 3, "a": 2, "c": 1}
    assert tok.word_docs == {"b": 2, "a": 2, "c": 1}
    # num_words=3 keeps indices < 3: "a" (3) and unseen words become the OOV index.
    assert tok.texts_to_sequences(["a b zebra"]) == [[1, 2, 1]]
    assert tok.sequences_to_texts([[2, 3, 9]]) == ["b <OOV> <OOV>"]
    plain = text.Tokenizer()
    plain.fit_on_texts(["x y", "y"])
    assert plain.texts_to_sequences(["y x z"]) == [[1, 2]]


def test_tokenizer_matrix_modes():
    tok = text.Tokenizer()
    tok.fit_on_texts(["a a b", "b c"])
    seqs = tok.texts_to_sequences(["a a b", "c"])
    assert tok.word_index == {"a": 1, "b": 2, "c": 3}
    np.testing.assert_array_equal(tok.sequences_to_matrix(seqs, "binary"), [[0, 1, 1, 0], [0, 0, 0, 1]])
    np.testing.assert_array_equal(tok.sequences_to_matrix(seqs, "count"), [[0, 2, 1, 0], [0, 0, 0, 1]])
    np.testing.assert_allclose(tok.sequences_to_matrix(seqs, "freq"), [[0, 2 / 3, 1 / 3, 0], [0, 0, 0, 1]])
    tfidf = tok.sequences_to_matrix(seqs, "tfidf")
    np.testing.assert_allclose(tfidf[0, 1], (1 + np.log(2)) * np.log(1 + 2 / 2))
    with pytest.raises(ValueError, match="Unknown vectorization mode"):
        tok.sequences_to_matrix(seqs, "bogus")
    with pytest.raises(ValueError, match="Specify a dimension"):
        text.Tokenizer().sequences_to_matrix([[1]])
    with pytest.raises(ValueError, match="tfidf"):
        text.Tokenizer(num_words=3).sequences_to_matrix([[1]], mode="tfidf")


def test_tokenizer_char_level_and_json_round_trip():
    tok = text.Tokenizer(char_level=True, oov_token="?")
    tok.fit_on_texts(["abca"])
    assert tok.word_index == {"?": 1, "a": 2, "b": 3, "c": 4}
    restored = text.tokenizer_from_json(tok.to_json())
    assert restored.texts_to_sequences(["cab!"]) == tok.texts_to_sequences(["cab!"]) == [[4, 2, 3, 1]]
    config = json.loads(tok.to_json())
    assert config["class_name"] == "Tokenizer" and config["config"]["char_level"] is True
    with pytest.raises(TypeError, match="Unrecognized keyword"):
        text.Tokenizer(bogus=1)
    with pytest.warns(UserWarning, match="num_words"):
        assert text.Tokenizer(nb_words=4).num_words == 4


def test_pad_sequences_basics():
    x = keras.utils.pad_sequences if hasattr(keras.utils, "pad_sequences") else sequence.pad_sequences
    out = x([[1, 2, 3], [4]], maxlen=2)
    np.testing.assert_array_equal(out, [[2, 3], [0, 4]])
    assert out.dtype == np.int32
    np.testing.assert_array_equal(sequence.pad_sequences([[1, 2, 3], [4]], maxlen=2, padding="post",
                                                         truncating="post"), [[1, 2], [4, 0]])
    strings = sequence.pad_sequences([["a"], ["b", "c"]], dtype=object, value="")
    assert strings.tolist() == [["", "a"], ["b", "c"]]
    with pytest.raises(ValueError, match="dtype=object"):
        sequence.pad_sequences([["a"]], value="")
    with pytest.raises(ValueError, match="Padding type"):
        sequence.pad_sequences([[1]], padding="both")


def test_timeseries_generator_batches():
    data = np.arange(10).reshape(10, 1)
    gen = sequence.TimeseriesGenerator(data, np.arange(10), length=3, batch_size=2)
    assert len(gen) == 4
    x, y = gen[0]
    np.testing.assert_array_equal(x[:, :, 0], [[0, 1, 2], [1, 2, 3]])
    np.testing.assert_array_equal(y, [3, 4])
    assert json.loads(gen.to_json())["config"]["length"] == 3
    with pytest.raises(ValueError, match="same length"):
        sequence.TimeseriesGenerator(data, np.arange(9), length=2)
    with pytest.raises(ValueError, match="is disallowed"):
        sequence.TimeseriesGenerator(data, np.arange(10), length=20)


def test_skipgrams_pairs():
    couples, labels = sequence.skipgrams([1, 2, 3], 4, window_size=1, negative_samples=0, shuffle=False)
    assert couples == [[1, 2], [2, 1], [2, 3], [3, 2]] and labels == [1, 1, 1, 1]
    couples, labels = sequence.skipgrams([1, 2, 3], 4, window_size=1, negative_samples=1.0, seed=1)
    assert len(couples) == 8 and sorted(labels) == [0] * 4 + [1] * 4
    assert all(1 <= c[1] < 4 for c in couples)
    table = sequence.make_sampling_table(5)
    assert table.shape == (5,) and np.all(table <= 1.0)
