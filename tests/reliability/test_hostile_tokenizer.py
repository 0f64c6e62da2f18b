"""Hostile Tokenizer JSON (issue 11, class 9): `tokenizer_from_json` checks every field's type and range before
building the tokenizer, and refuses an `analyzer` (a callable, which JSON can't hold) and unknown fields."""
import json

import pytest

from torchkeras.preprocessing.text import Tokenizer
from torchkeras.preprocessing.text import tokenizer_from_json


def good_config():
    tokenizer = Tokenizer(num_words=10, oov_token="<oov>")
    tokenizer.fit_on_texts(["the cat sat", "the dog"])
    return json.loads(tokenizer.to_json())


def with_field(name, value, encoded=False):
    data = good_config()
    data["config"][name] = json.dumps(value) if encoded else value
    return json.dumps(data)


CASES = {
    "num_words_negative": (with_field("num_words", -1), "num_words"),
    "num_words_string": (with_field("num_words", "5"), "num_words"),
    "num_words_float": (with_field("num_words", 1.5), "num_words"),
    "num_words_bool": (with_field("num_words", True), "num_words"),
    "filters_number": (with_field("filters", 5), "filters"),
    "filters_list": (with_field("filters", ["!"]), "filters"),
    "lower_string": (with_field("lower", "yes"), "lower"),
    "split_null": (with_field("split", None), "split"),
    "char_level_int": (with_field("char_level", 1), "char_level"),
    "oov_token_number": (with_field("oov_token", 3), "oov_token"),
    "document_count_negative": (with_field("document_count", -4), "document_count"),
    "document_count_string": (with_field("document_count", "2"), "document_count"),
    "word_counts_not_json": (with_field("word_counts", "{not json"), "word_counts"),
    "word_counts_list": (with_field("word_counts", [1, 2], encoded=True), "word_counts"),
    "word_counts_negative": (with_field("word_counts", {"the": -2}, encoded=True), "word_counts"),
    "word_counts_string_value": (with_field("word_counts", {"the": "2"}, encoded=True), "word_counts"),
    "word_docs_float": (with_field("word_docs", {"the": 0.5}, encoded=True), "word_docs"),
    "index_docs_bad_key": (with_field("index_docs", {"x": 1}, encoded=True), "index_docs"),
    "index_word_int_value": (with_field("index_word", {"1": 2}, encoded=True), "index_word"),
    "index_word_bad_key": (with_field("index_word", {"one": "the"}, encoded=True), "index_word"),
    "word_index_string_value": (with_field("word_index", {"the": "1"}, encoded=True), "word_index"),
    "word_index_negative": (with_field("word_index", {"the": -1}, encoded=True), "word_index"),
    "word_index_nested": (with_field("word_index", {"the": {"a": 1}}, encoded=True), "word_index"),
    "word_index_deep": (with_field("word_index", "[" * 5000 + "]" * 5000), "nested"),
    "analyzer": (with_field("analyzer", "os.system"), "analyzer"),
    "analyzer_null": (with_field("analyzer", None), "analyzer"),
    "unknown_field": (with_field("evil", 1), "unknown fields"),
    "not_an_object": (json.dumps([1, 2]), "config"),
    "config_missing": (json.dumps({"class_name": "Tokenizer"}), "config"),
    "config_list": (json.dumps({"class_name": "Tokenizer", "config": []}), "config"),
    "other_class": (json.dumps({"class_name": "Sequential", "config": {}}), "not a Tokenizer"),
    "invalid_json": ("{", "not valid JSON"),
    "deep_json": ("[" * 100000 + "]" * 100000, "nested"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_tokenizer_json_fields_are_validated(case):
    text, fragment = CASES[case]
    with pytest.raises((ValueError, TypeError), match=fragment):
        tokenizer_from_json(text)


def test_a_good_tokenizer_json_still_loads():
    tokenizer = Tokenizer(num_words=10, oov_token="<oov>")
    tokenizer.fit_on_texts(["the cat sat", "the dog"])
    loaded = tokenizer_from_json(tokenizer.to_json())
    assert loaded.texts_to_sequences(["the cat ran"]) == tokenizer.texts_to_sequences(["the cat ran"])
    loaded.fit_on_texts(["a new text"])  # the dictionaries keep working after loading
    assert loaded.word_index["new"] > 0
