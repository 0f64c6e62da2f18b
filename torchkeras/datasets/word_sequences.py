"""The word-index processing shared by IMDB and Reuters (shuffling, index shifting, vocabulary cut)."""
import numpy as np


def shuffled(seed, *arrays_groups):
    """Shuffle each group of aligned arrays with one `np.random.RandomState(seed)`, group after group."""
    rng = np.random.RandomState(seed)
    out = []
    for group in arrays_groups:
        indices = np.arange(len(group[0]))
        rng.shuffle(indices)
        out.append(tuple(a[indices] for a in group))
    return out


def shift_indices(sequences, start_char, index_from):
    """Prepend `start_char` (if not None) and add `index_from` to every word index."""
    if start_char is not None:
        return [[start_char] + [w + index_from for w in x] for x in sequences]
    if index_from:
        return [[w + index_from for w in x] for x in sequences]
    return [list(x) for x in sequences]


def drop_long(maxlen, sequences, labels):
    """Keep the sequences shorter than `maxlen` (and their labels)."""
    kept = [(x, y) for x, y in zip(sequences, labels) if len(x) < maxlen]
    return [x for x, _ in kept], [y for _, y in kept]


def limit_vocabulary(sequences, num_words, skip_top, oov_char):
    """Replace (or drop, when `oov_char` is None) words outside `[skip_top, num_words)`."""
    if not num_words:
        num_words = max(max(x) for x in sequences)
    if oov_char is not None:
        return [[w if skip_top <= w < num_words else oov_char for w in x] for x in sequences]
    return [[w for w in x if skip_top <= w < num_words] for x in sequences]


def object_array(sequences):
    """An object array of the sequences (Python lists), built the way Keras builds it."""
    return np.array(sequences, dtype="object")
