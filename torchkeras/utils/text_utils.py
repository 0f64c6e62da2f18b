"""Keras 2's word-level text helpers: `text_to_word_sequence`, `one_hot`, `hashing_trick`.

These are the functions behind `keras.preprocessing.text` (and the legacy `Tokenizer`): lowercase, replace
every character of `filters` by `split`, split on `split`, drop empty tokens.
"""
import hashlib

from torchkeras.api_export import keras_export

DEFAULT_FILTERS = '!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n'


@keras_export("keras.preprocessing.text.text_to_word_sequence",
              "keras._legacy.preprocessing.text.text_to_word_sequence")
def text_to_word_sequence(input_text, filters=DEFAULT_FILTERS, lower=True, split=" "):
    """Split a text into a list of words: lowercased (if `lower`), `filters` characters removed."""
    if lower:
        input_text = input_text.lower()
    input_text = input_text.translate(str.maketrans({c: split for c in filters}))
    return [word for word in input_text.split(split) if word]


def _md5(word):
    return int(hashlib.md5(word.encode()).hexdigest(), 16)


@keras_export("keras.preprocessing.text.hashing_trick", "keras._legacy.preprocessing.text.hashing_trick")
def hashing_trick(text, n, hash_function=None, filters=DEFAULT_FILTERS, lower=True, split=" ", analyzer=None):
    """Hash each word of `text` to an index in `[1, n - 1]` (0 is reserved).

    `hash_function`: None (Python's `hash`, which changes between runs unless `PYTHONHASHSEED` is set),
    `"md5"` (stable), or any callable from a string to an int.
    """
    if hash_function is None:
        hash_function = hash
    elif hash_function == "md5":
        hash_function = _md5
    if analyzer is None:
        words = text_to_word_sequence(text, filters=filters, lower=lower, split=split)
    else:
        words = analyzer(text)
    return [hash_function(w) % (n - 1) + 1 for w in words]


@keras_export("keras.preprocessing.text.one_hot", "keras._legacy.preprocessing.text.one_hot")
def one_hot(input_text, n, filters=DEFAULT_FILTERS, lower=True, split=" ", analyzer=None):
    """Encode a text as a list of word indices in `[1, n - 1]`, using Python's `hash` (see `hashing_trick`)."""
    return hashing_trick(input_text, n, hash_function=hash, filters=filters, lower=lower, split=split,
                         analyzer=analyzer)
