"""Damaged or replaced dataset caches (issue 11, class 10): every `keras.datasets` loader parses its cached
file defensively; wrong keys, shapes or dtypes, object arrays, bad gzip, zip or pickle contents raise a
ValueError naming the file and saying to delete it. The caches are written in a temporary KERAS_HOME with
their published hashes replaced by the bad files' (so they reach the parser), and no network is used."""
import gzip
import hashlib
import io
import json
import os
import pickle
import socket
import tarfile

import numpy as np
import pytest

from torchkeras import datasets
from torchkeras.datasets import cifar
from torchkeras.datasets import urls


@pytest.fixture
def cache(tmp_path, monkeypatch):
    home = tmp_path / "home"
    (home / "datasets").mkdir(parents=True)
    monkeypatch.setenv("KERAS_HOME", str(home))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    dead = f"http://127.0.0.1:{port}/"
    monkeypatch.setattr(urls, "TF_KERAS_DATASETS", dead)
    monkeypatch.setattr(urls, "CIFAR10_ORIGIN", dead + "cifar-10-python.tar.gz")
    return home / "datasets"


def _sha(path):
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


def _npz(path, **arrays):
    with open(path, "wb") as f:
        np.savez(f, **arrays)


class Evil:
    def __reduce__(self):
        return (os.system, ("echo pwned",))


def _ragged(n):
    return np.array([[1, 2, 3], [4, 5]] * (n // 2) + [[6]] * (n % 2) + [[]], dtype=object)[:n]


U8 = np.uint8
IMAGES = np.zeros((2, 28, 28), U8)
LABELS = np.zeros(2, U8)
MNIST = {
    "missing_keys": dict(x_train=IMAGES),
    "wrong_image_shape": dict(x_train=np.zeros((2, 28), U8), y_train=LABELS, x_test=IMAGES, y_test=LABELS),
    "float_images": dict(x_train=IMAGES.astype("float32"), y_train=LABELS, x_test=IMAGES, y_test=LABELS),
    "string_labels": dict(x_train=IMAGES, y_train=np.array(["a", "b"]), x_test=IMAGES, y_test=LABELS),
    "object_images": dict(x_train=np.array([IMAGES[0], None], dtype=object), y_train=LABELS, x_test=IMAGES,
                          y_test=LABELS),
    "length_mismatch": dict(x_train=IMAGES, y_train=np.zeros(3, U8), x_test=IMAGES, y_test=LABELS),
    "labels_2d": dict(x_train=IMAGES, y_train=np.zeros((2, 1), U8), x_test=IMAGES, y_test=LABELS),
}
WORDS = {
    "string_words": dict(x_train=np.array([["a", "b"], ["c"]], dtype=object), y_train=np.zeros(2, int)),
    "float_words": dict(x_train=np.array([[1.5, 2.0], [3.0]], dtype=object), y_train=np.zeros(2, int)),
    "negative_words": dict(x_train=np.array([[1, -2], [3]], dtype=object), y_train=np.zeros(2, int)),
    "nested_words": dict(x_train=np.array([[[1]], [2]], dtype=object), y_train=np.zeros(2, int)),
    "not_sequences": dict(x_train=np.array([1, 2], dtype=object), y_train=np.zeros(2, int)),
    "grid_not_ragged": dict(x_train=np.zeros((2, 3), int), y_train=np.zeros(2, int)),
    "string_labels": dict(x_train=_ragged(2), y_train=np.array(["pos", "neg"])),
    "length_mismatch": dict(x_train=_ragged(2), y_train=np.zeros(5, int)),
    "missing_labels": dict(x_train=_ragged(2)),
    "code_in_pickle": dict(x_train=np.array([Evil(), [1]], dtype=object), y_train=np.zeros(2, int)),
}
HOUSING = {
    "missing_y": dict(x=np.zeros((4, 13))),
    "x_1d": dict(x=np.zeros(4), y=np.zeros(4)),
    "strings": dict(x=np.full((4, 13), "a"), y=np.zeros(4)),
    "object": dict(x=np.array([[1.0], None], dtype=object), y=np.zeros(2)),
    "length_mismatch": dict(x=np.zeros((4, 13)), y=np.zeros(3)),
}
RAW = {"not_a_zip": b"this is not an npz file", "truncated_zip": None, "empty": b""}


def _write_npz_case(path, case, table, split_keys=None):
    if case in RAW:
        data = RAW[case]
        if data is None:
            buffer = io.BytesIO()
            np.savez(buffer, **{k: np.zeros(3) for k in (split_keys or ["x"])})
            data = buffer.getvalue()[:60]
        path.write_bytes(data)
        return
    arrays = dict(table[case])
    if split_keys and set(split_keys) - set(arrays) and "x_train" in arrays and "missing" not in case:
        arrays.setdefault("x_test", arrays["x_train"])
        arrays.setdefault("y_test", arrays.get("y_train", np.zeros(len(arrays["x_train"]), int)))
    if any(a.dtype == object for a in arrays.values()):
        buffer = io.BytesIO()
        np.savez(buffer, **arrays)  # object arrays are pickled inside the .npy members
        path.write_bytes(buffer.getvalue())
    else:
        _npz(path, **arrays)


NPZ_CASES = (
    [("mnist", c) for c in sorted(MNIST) + sorted(RAW)]
    + [("imdb", c) for c in sorted(WORDS) + sorted(RAW)]
    + [("reuters", c) for c in sorted(WORDS) + sorted(RAW)]
    + [("boston_housing", c) for c in sorted(HOUSING) + sorted(RAW)]
    + [("california_housing", c) for c in sorted(HOUSING) + sorted(RAW)]
)
HASHES = {"mnist": "MNIST_HASH", "imdb": "IMDB_HASH", "reuters": "REUTERS_HASH",
          "boston_housing": "BOSTON_HOUSING_HASH", "california_housing": "CALIFORNIA_HOUSING_HASH"}


@pytest.mark.parametrize("dataset,case", NPZ_CASES)
def test_damaged_npz_caches(dataset, case, cache, monkeypatch):
    path = cache / f"{dataset}.npz"
    if dataset == "mnist":
        _write_npz_case(path, case, MNIST, ["x_train", "y_train", "x_test", "y_test"])
    elif dataset in ("imdb", "reuters"):
        table = WORDS
        if dataset == "reuters" and case not in RAW:
            table = {k: {("x" if n == "x_train" else "y" if n == "y_train" else n): a for n, a in v.items()}
                     for k, v in WORDS.items()}
        _write_npz_case(path, case, table, ["x_train", "y_train", "x_test", "y_test"] if dataset == "imdb"
                        else ["x", "y"])
    else:
        _write_npz_case(path, case, HOUSING, ["x", "y"])
    monkeypatch.setattr(urls, HASHES[dataset], _sha(path))
    with pytest.raises(ValueError, match="Delete it") as info:
        getattr(datasets, dataset).load_data()
    assert str(path) in str(info.value)


# --- Fashion-MNIST: gzipped IDX files, which no hash covers ------------------------------------------------------


def _idx(magic, shape, payload=None):
    header = magic.to_bytes(4, "big") + b"".join(d.to_bytes(4, "big") for d in shape)
    return header + (payload if payload is not None else bytes(int(np.prod(shape))))


FASHION = {
    "not_gzip": b"plain bytes",
    "truncated_gzip": gzip.compress(_idx(0x801, (5,)))[:12],
    "empty_gzip": gzip.compress(b""),
    "wrong_magic": gzip.compress(_idx(0x803, (5,))),
    "declares_more_than_it_holds": gzip.compress(_idx(0x801, (50,), bytes(5))),
    "holds_more_than_it_declares": gzip.compress(_idx(0x801, (5,), bytes(9))),
    "short_header": gzip.compress(b"\x00\x00\x08"),
}
FASHION_IMAGES = {
    "wrong_item_shape": gzip.compress(_idx(0x803, (5, 27, 28))),
    "count_mismatch": gzip.compress(_idx(0x803, (4, 28, 28))),
    "labels_magic_for_images": gzip.compress(_idx(0x801, (5,))),
}


def _write_fashion(folder, labels=None, images=None):
    folder.mkdir(exist_ok=True)
    for prefix in ("train", "t10k"):
        (folder / f"{prefix}-labels-idx1-ubyte.gz").write_bytes(labels or gzip.compress(_idx(0x801, (5,))))
        (folder / f"{prefix}-images-idx3-ubyte.gz").write_bytes(images or gzip.compress(_idx(0x803, (5, 28, 28))))


@pytest.mark.parametrize("case", sorted(FASHION) + sorted(FASHION_IMAGES))
def test_damaged_fashion_mnist_cache(case, cache):
    folder = cache / "fashion-mnist"
    if case in FASHION:
        _write_fashion(folder, labels=FASHION[case])
    else:
        _write_fashion(folder, images=FASHION_IMAGES[case])
    with pytest.raises(ValueError, match="Delete it") as info:
        datasets.fashion_mnist.load_data()
    assert str(folder) in str(info.value)


def test_valid_fashion_cache_still_loads(cache):
    _write_fashion(cache / "fashion-mnist")
    (x, y), (xt, yt) = datasets.fashion_mnist.load_data()
    assert x.shape == (5, 28, 28) and y.shape == (5,)


# --- CIFAR pickled batches (restricted unpickler) ---------------------------------------------------------------


GOOD_BATCH = {b"data": np.zeros((2, 3072), U8), b"labels": [1, 2]}
BATCHES = {
    "not_a_pickle": b"not a pickle at all",
    "truncated_pickle": pickle.dumps(GOOD_BATCH, protocol=2)[:40],
    "a_list": pickle.dumps([1, 2, 3], protocol=2),
    "no_data": pickle.dumps({b"labels": [1, 2]}, protocol=2),
    "no_labels": pickle.dumps({b"data": np.zeros((2, 3072), U8)}, protocol=2),
    "float_data": pickle.dumps({b"data": np.zeros((2, 3072)), b"labels": [1, 2]}, protocol=2),
    "wrong_width": pickle.dumps({b"data": np.zeros((2, 100), U8), b"labels": [1, 2]}, protocol=2),
    "data_not_array": pickle.dumps({b"data": [[0] * 3072] * 2, b"labels": [1, 2]}, protocol=2),
    "label_count": pickle.dumps({b"data": np.zeros((2, 3072), U8), b"labels": [1]}, protocol=2),
    "string_labels": pickle.dumps({b"data": np.zeros((2, 3072), U8), b"labels": ["a", "b"]}, protocol=2),
    "negative_labels": pickle.dumps({b"data": np.zeros((2, 3072), U8), b"labels": [-1, 2]}, protocol=2),
    "code": pickle.dumps({b"data": Evil(), b"labels": []}, protocol=2),
    "code_in_labels": pickle.dumps({b"data": np.zeros((2, 3072), U8), b"labels": Evil()}, protocol=2),
    "empty": b"",
}


@pytest.mark.parametrize("case", sorted(BATCHES))
def test_damaged_cifar_batches(case, tmp_path):
    path = tmp_path / "data_batch_1"
    path.write_bytes(BATCHES[case])
    with pytest.raises(ValueError, match="Delete it") as info:
        cifar.load_batch(str(path))
    assert str(path) in str(info.value)
    if case.startswith("code"):
        assert isinstance(info.value, pickle.UnpicklingError)
        assert "Refusing to load" in str(info.value)


def test_damaged_batch_inside_the_cifar10_cache(cache, monkeypatch):
    archive = cache / "cifar-10-batches-py-target_archive"
    with tarfile.open(archive, "w:gz") as tar:
        for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
            data = BATCHES["wrong_width"] if name == "data_batch_3" else pickle.dumps(GOOD_BATCH, protocol=2)
            info = tarfile.TarInfo(f"cifar-10-batches-py/{name}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    monkeypatch.setattr(urls, "CIFAR10_HASH", _sha(archive))
    with pytest.raises(ValueError, match="data_batch_3.*Delete it"):
        datasets.cifar10.load_data()


# --- word index JSON ----------------------------------------------------------------------------------------------


WORD_INDEX = {
    "not_json": "{the: 1",
    "a_list": json.dumps([["the", 1]]),
    "string_index": json.dumps({"the": "1"}),
    "negative_index": json.dumps({"the": -3}),
    "float_index": json.dumps({"the": 1.5}),
    "nested": json.dumps({"the": {"a": 1}}),
    "deep": "[" * 50000 + "]" * 50000,
    "not_utf8": b"\xff\xfe{}",
}


@pytest.mark.parametrize("dataset", ["imdb", "reuters"])
@pytest.mark.parametrize("case", sorted(WORD_INDEX))
def test_damaged_word_index(case, dataset, cache, monkeypatch):
    path = cache / f"{dataset}_word_index.json"
    data = WORD_INDEX[case]
    path.write_bytes(data if isinstance(data, bytes) else data.encode())
    md5 = hashlib.md5(path.read_bytes()).hexdigest()
    monkeypatch.setattr(urls, f"{dataset.upper()}_WORD_INDEX_HASH", md5)
    with pytest.raises(ValueError, match="Delete it") as info:
        getattr(datasets, dataset).get_word_index()
    assert str(path) in str(info.value)
