"""IMDB movie reviews sentiment: 25,000 training and 25,000 test reviews as word-index sequences."""
import numpy as np

from torchkeras.api_export import keras_export
from torchkeras.datasets import file_checks
from torchkeras.datasets import safe_pickle
from torchkeras.datasets import urls
from torchkeras.datasets import word_sequences
from torchkeras.utils.file_utils import get_file


@keras_export("keras.datasets.imdb.load_data")
def load_data(path="imdb.npz", num_words=None, skip_top=0, maxlen=None, seed=113, start_char=1, oov_char=2,
              index_from=3, **kwargs):
    """Load IMDB: `(x_train, y_train), (x_test, y_test)`.

    `x_*` are object arrays of lists of word indices (indexed by frequency, shifted by `index_from`, each
    sequence starting with `start_char`); `y_*` are 0/1 labels. `num_words` keeps the most frequent words,
    `skip_top` drops the most frequent ones (both replaced by `oov_char`, or removed if it is None), `maxlen`
    drops longer sequences, `seed` fixes the shuffling.
    """
    if kwargs:
        raise TypeError(f"Unrecognized keyword arguments: {kwargs}")
    path = get_file(fname=path, origin=f"{urls.TF_KERAS_DATASETS}imdb.npz", file_hash=urls.IMDB_HASH)
    f = file_checks.load_pickle_file(path, lambda _: safe_pickle.load_npz(path))
    for key in ("x_train", "y_train", "x_test", "y_test"):
        if key not in f:
            raise file_checks.corrupted(path, f"it has no '{key}' array; it holds {sorted(f)}")
    for part in ("train", "test"):
        file_checks.check_sequences(path, f"x_{part}", f[f"x_{part}"])
        file_checks.check_array(path, f"y_{part}", f[f"y_{part}"], kinds="iu", ndim=1)
        file_checks.check_same_length(path, **{f"x_{part}": f[f"x_{part}"], f"y_{part}": f[f"y_{part}"]})
    (x_train, labels_train), (x_test, labels_test) = word_sequences.shuffled(
        seed, (f["x_train"], f["y_train"]), (f["x_test"], f["y_test"]))
    x_train = word_sequences.shift_indices(x_train, start_char, index_from)
    x_test = word_sequences.shift_indices(x_test, start_char, index_from)
    if maxlen:
        x_train, labels_train = word_sequences.drop_long(maxlen, x_train, labels_train)
        x_test, labels_test = word_sequences.drop_long(maxlen, x_test, labels_test)
        if not x_train or not x_test:
            raise ValueError(
                f"After filtering for sequences shorter than maxlen={maxlen}, no sequence was kept. "
                "Increase maxlen.")
    xs = word_sequences.limit_vocabulary(x_train + x_test, num_words, skip_top, oov_char)
    labels = np.concatenate([np.asarray(labels_train), np.asarray(labels_test)])
    idx = len(x_train)
    return ((word_sequences.object_array(xs[:idx]), labels[:idx]),
            (word_sequences.object_array(xs[idx:]), labels[idx:]))


@keras_export("keras.datasets.imdb.get_word_index")
def get_word_index(path="imdb_word_index.json"):
    """The dict mapping words to their index in the IMDB data (before the `index_from` shift)."""
    path = get_file(fname=path, origin=f"{urls.TF_KERAS_DATASETS}imdb_word_index.json",
                    file_hash=urls.IMDB_WORD_INDEX_HASH)
    return file_checks.load_word_index(path)
