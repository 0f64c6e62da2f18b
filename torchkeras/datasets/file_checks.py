"""Defensive reading of cached dataset files.

A cached file that fails its published hash is downloaded again (`get_file`); a file that no hash covers
(Fashion-MNIST's IDX files) or that was replaced by hand is still parsed defensively here: wrong keys,
shapes or dtypes, object arrays where numbers belong, bad gzip, zip or pickle contents all raise
`DatasetFileError` (a ValueError) naming the file and saying to delete it, never a raw library error.
"""
import gzip
import pickle
import zipfile
import zlib

import numpy as np

_READ_ERRORS = (OSError, EOFError, ValueError, TypeError, KeyError, IndexError, AttributeError, zlib.error,
                zipfile.BadZipFile, pickle.UnpicklingError, UnicodeDecodeError, MemoryError, OverflowError)


class DatasetFileError(ValueError):
    """A cached dataset file that is damaged or is not the file Keras downloads."""


class RefusedPickleError(DatasetFileError, pickle.UnpicklingError):
    """A dataset pickle that asks to run code or build objects other than arrays and plain containers."""


def corrupted(path, detail, kind=DatasetFileError):
    return kind(
        f"The dataset file {path} is damaged or is not the file Keras downloads ({detail}). Delete it: it will "
        "be downloaded again on the next call."
    )


def reading(path):
    """A context manager turning any read failure into `DatasetFileError` naming `path`."""
    return _Reading(path)


class _Reading:
    def __init__(self, path):
        self.path = path

    def __enter__(self):
        return self

    def __exit__(self, kind, error, traceback):
        if error is None or isinstance(error, DatasetFileError):
            return False
        if isinstance(error, pickle.UnpicklingError) and str(error).startswith("Refusing"):
            raise corrupted(self.path, str(error), RefusedPickleError) from None
        if isinstance(error, _READ_ERRORS):
            raise corrupted(self.path, f"{type(error).__name__}: {error}") from None
        return False


def load_npz(path, keys):
    """The arrays `keys` of an `.npz` without pickles (`allow_pickle=False`)."""
    with reading(path):
        with np.load(path, allow_pickle=False) as f:
            missing = [k for k in keys if k not in f.files]
            if missing:
                raise corrupted(path, f"it has no {missing} arrays; it holds {sorted(f.files)}")
            return {k: f[k] for k in keys}


def check_array(path, name, array, kinds="iu", ndim=None, tail=None):
    """`array` must be a NumPy array of one of the dtype `kinds`, with `ndim` dims and trailing `tail` shape."""
    if not isinstance(array, np.ndarray):
        raise corrupted(path, f"'{name}' is a {type(array).__name__}, not an array")
    if array.dtype.kind not in kinds:
        raise corrupted(path, f"'{name}' has the dtype {array.dtype}")
    if ndim is not None and array.ndim != ndim:
        raise corrupted(path, f"'{name}' has the shape {array.shape}, expected {ndim} dimensions")
    if tail is not None and tuple(array.shape[1:]) != tuple(tail):
        raise corrupted(path, f"'{name}' has the shape {array.shape}, expected (N, {', '.join(map(str, tail))})")
    return array


def check_same_length(path, **arrays):
    lengths = {name: len(a) for name, a in arrays.items()}
    if len(set(lengths.values())) > 1:
        raise corrupted(path, f"the arrays have different lengths: {lengths}")


def check_sequences(path, name, array):
    """An object array of word-index sequences (lists of non-negative ints)."""
    if not isinstance(array, np.ndarray) or array.ndim != 1:
        raise corrupted(path, f"'{name}' is not a 1-D array of sequences")
    for i, seq in enumerate(array):
        if not isinstance(seq, (list, tuple, np.ndarray)):
            raise corrupted(path, f"'{name}'[{i}] is a {type(seq).__name__}, not a sequence of word indices")
        for w in seq:
            if isinstance(w, (bool, np.bool_)) or not isinstance(w, (int, np.integer)) or w < 0:
                raise corrupted(path, f"'{name}'[{i}] holds {w!r}, not a word index")
    return array


def read_idx(path, magic, dims):
    """One gzipped IDX file (Fashion-MNIST): checks the magic number and that the sizes add up."""
    with reading(path):
        with gzip.open(path, "rb") as f:
            data = f.read()
    header = 4 + 4 * len(dims)
    if len(data) < header:
        raise corrupted(path, "it is shorter than an IDX header")
    found = int.from_bytes(data[:4], "big")
    if found != magic:
        raise corrupted(path, f"its IDX magic number is {found:#x}, expected {magic:#x}")
    shape = tuple(int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(len(dims)))
    for got, expected in zip(shape[1:], dims[1:]):
        if got != expected:
            raise corrupted(path, f"its items have the shape {shape[1:]}, expected {tuple(dims[1:])}")
    if len(data) - header != int(np.prod(shape)):
        raise corrupted(path, f"it declares {shape} but holds {len(data) - header} bytes of data")
    return np.frombuffer(data, np.uint8, offset=header).reshape(shape)


def load_word_index(path):
    """A word index JSON file: a mapping of words to non-negative integer indices."""
    with reading(path):
        with open(path, encoding="utf-8") as f:
            text = f.read()
    from torchkeras.saving import limits

    try:
        index = limits.parse_json(text, f"The word index {path}")
    except ValueError as e:
        raise corrupted(path, str(e)) from None
    if not isinstance(index, dict) or not all(
            isinstance(k, str) and isinstance(v, int) and not isinstance(v, bool) and v >= 0
            for k, v in index.items()):
        raise corrupted(path, "it is not a mapping of words to integer indices")
    return index


def load_pickle_file(path, loader):
    """`loader(file)` (a restricted unpickler) with every failure reported against `path`."""
    with reading(path):
        with open(path, "rb") as f:
            return loader(f)
