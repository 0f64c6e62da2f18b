"""Reuters newswire topics: 11,228 newswires labelled over 46 topics, as word-index sequences."""
import numpy as np

from torchkeras.api_export import keras_export
from torchkeras.datasets import file_checks
from torchkeras.datasets import safe_pickle
from torchkeras.datasets import urls
from torchkeras.datasets import word_sequences
from torchkeras.utils.file_utils import get_file

_LABEL_NAMES = (
    "cocoa", "grain", "veg-oil", "earn", "acq", "wheat", "copper", "housing", "money-supply", "coffee", "sugar",
    "trade", "reserves", "ship", "cotton", "carcass", "crude", "nat-gas", "cpi", "money-fx", "interest", "gnp",
    "meal-feed", "alum", "oilseed", "gold", "tin", "strategic-metal", "livestock", "retail", "ipi",
    "iron-steel", "rubber", "heat", "jobs", "lei", "bop", "zinc", "orange", "pet-chem", "dlr", "gas", "silver",
    "wpi", "hog", "lead",
)


@keras_export("keras.datasets.reuters.load_data")
def load_data(path="reuters.npz", num_words=None, skip_top=0, maxlen=None, test_split=0.2, seed=113,
              start_char=1, oov_char=2, index_from=3):
    """Load Reuters: `(x_train, y_train), (x_test, y_test)`, split after shuffling at `1 - test_split`.

    The word-index arguments work as in `keras.datasets.imdb.load_data`.
    """
    path = get_file(fname=path, origin=f"{urls.TF_KERAS_DATASETS}reuters.npz", file_hash=urls.REUTERS_HASH)
    f = file_checks.load_pickle_file(path, lambda _: safe_pickle.load_npz(path))
    for key in ("x", "y"):
        if key not in f:
            raise file_checks.corrupted(path, f"it has no '{key}' array; it holds {sorted(f)}")
    file_checks.check_sequences(path, "x", f["x"])
    file_checks.check_array(path, "y", f["y"], kinds="iu", ndim=1)
    file_checks.check_same_length(path, x=f["x"], y=f["y"])
    ((xs, labels),) = word_sequences.shuffled(seed, (f["x"], f["y"]))
    xs = word_sequences.shift_indices(xs, start_char, index_from)
    if maxlen:
        xs, labels = word_sequences.drop_long(maxlen, xs, labels)
    xs = word_sequences.limit_vocabulary(xs, num_words, skip_top, oov_char)
    idx = int(len(xs) * (1 - test_split))
    return ((word_sequences.object_array(xs[:idx]), np.array(labels[:idx])),
            (word_sequences.object_array(xs[idx:]), np.array(labels[idx:])))


@keras_export("keras.datasets.reuters.get_word_index")
def get_word_index(path="reuters_word_index.json"):
    """The dict mapping words to their index in the Reuters data (before the `index_from` shift)."""
    path = get_file(path, origin=f"{urls.TF_KERAS_DATASETS}reuters_word_index.json",
                    file_hash=urls.REUTERS_WORD_INDEX_HASH)
    return file_checks.load_word_index(path)


@keras_export("keras.datasets.reuters.get_label_names")
def get_label_names():
    """The 46 topic names, in label order."""
    return _LABEL_NAMES
