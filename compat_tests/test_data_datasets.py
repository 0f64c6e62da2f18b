"""Dataset parsing side by side with real Keras: the same cached files give the same arrays.

Real Keras's `get_file` is replaced by a function returning our fake file, so no network is touched.
"""
import gzip
import hashlib
import io
import pickle
import tarfile

import pytest

import keras  # noqa: F401  (compat_tests/conftest.py skips when Keras is missing)
import numpy as np

from torchkeras import datasets as tk_datasets
from torchkeras.datasets import urls


@pytest.fixture
def fake_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    (tmp_path / "datasets").mkdir()
    return tmp_path / "datasets"


def _patch_keras(monkeypatch, module_name, path):
    import importlib

    module = importlib.import_module(f"keras.src.datasets.{module_name}")
    monkeypatch.setattr(module, "get_file", lambda *a, **k: str(path))


def _patch_ours(monkeypatch, attr, path):
    monkeypatch.setattr(urls, attr, hashlib.sha256(open(path, "rb").read()).hexdigest())


def _ragged(rng, n, vocab):
    return np.array([[int(v) for v in rng.integers(1, vocab, rng.integers(2, 15))] for _ in range(n)], dtype=object)


def _assert_same(ours, theirs):
    for a, b in zip(ours, theirs):
        for u, v in zip(a, b):
            assert u.dtype == v.dtype and u.shape == v.shape
            if u.dtype == object:
                assert [list(s) for s in u] == [list(s) for s in v]
            else:
                np.testing.assert_array_equal(u, v)


@pytest.mark.parametrize("kwargs", [{}, {"num_words": 12, "skip_top": 3}, {"maxlen": 9, "seed": 5},
                                    {"start_char": None, "index_from": 0, "oov_char": None, "num_words": 20},
                                    {"start_char": None, "index_from": 2}])
def test_imdb_same_as_keras(fake_cache, monkeypatch, kwargs):
    rng = np.random.default_rng(0)
    path = fake_cache / "imdb.npz"
    np.savez(path, x_train=_ragged(rng, 12, 30), y_train=rng.integers(0, 2, 12), x_test=_ragged(rng, 9, 30),
             y_test=rng.integers(0, 2, 9))
    _patch_keras(monkeypatch, "imdb", path)
    _patch_ours(monkeypatch, "IMDB_HASH", path)
    _assert_same(tk_datasets.imdb.load_data(**kwargs), keras.datasets.imdb.load_data(**kwargs))


@pytest.mark.parametrize("kwargs", [{}, {"test_split": 0.5, "num_words": 15}, {"maxlen": 8, "oov_char": None}])
def test_reuters_same_as_keras(fake_cache, monkeypatch, kwargs):
    rng = np.random.default_rng(1)
    path = fake_cache / "reuters.npz"
    np.savez(path, x=_ragged(rng, 15, 40), y=rng.integers(0, 46, 15))
    _patch_keras(monkeypatch, "reuters", path)
    _patch_ours(monkeypatch, "REUTERS_HASH", path)
    _assert_same(tk_datasets.reuters.load_data(**kwargs), keras.datasets.reuters.load_data(**kwargs))
    assert tk_datasets.reuters.get_label_names() == keras.datasets.reuters.get_label_names()


@pytest.mark.parametrize("name,features,kwargs", [("boston_housing", 13, {}),
                                                  ("boston_housing", 13, {"test_split": 0.3, "seed": 2}),
                                                  ("california_housing", 8, {"version": "small"}),
                                                  ("california_housing", 8, {"test_split": 0.1})])
def test_housing_same_as_keras(fake_cache, monkeypatch, name, features, kwargs):
    rng = np.random.default_rng(2)
    path = fake_cache / f"{name}.npz"
    np.savez(path, x=rng.normal(size=(700, features)), y=rng.normal(size=(700,)))
    _patch_keras(monkeypatch, name, path)
    _patch_ours(monkeypatch, name.upper() + "_HASH", path)
    _assert_same(getattr(tk_datasets, name).load_data(**kwargs), getattr(keras.datasets, name).load_data(**kwargs))


def test_mnist_and_fashion_same_as_keras(fake_cache, monkeypatch):
    rng = np.random.default_rng(3)
    path = fake_cache / "mnist.npz"
    np.savez(path, x_train=rng.integers(0, 256, (4, 28, 28)).astype(np.uint8), y_train=np.arange(4, dtype=np.uint8),
             x_test=rng.integers(0, 256, (2, 28, 28)).astype(np.uint8), y_test=np.arange(2, dtype=np.uint8))
    _patch_keras(monkeypatch, "mnist", path)
    _patch_ours(monkeypatch, "MNIST_HASH", path)
    _assert_same(tk_datasets.mnist.load_data(), keras.datasets.mnist.load_data())

    folder = fake_cache / "fashion-mnist"
    folder.mkdir()
    for prefix, n in (("train", 3), ("t10k", 2)):
        with gzip.open(folder / f"{prefix}-labels-idx1-ubyte.gz", "wb") as f:
            f.write((0x801).to_bytes(4, "big") + n.to_bytes(4, "big")
                    + rng.integers(0, 10, n).astype(np.uint8).tobytes())
        with gzip.open(folder / f"{prefix}-images-idx3-ubyte.gz", "wb") as f:
            f.write(b"".join(v.to_bytes(4, "big") for v in (0x803, n, 28, 28))
                    + rng.integers(0, 256, (n, 28, 28)).astype(np.uint8).tobytes())
    import keras.src.datasets.fashion_mnist as kf

    files = {"train-labels-idx1-ubyte.gz", "train-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz",
             "t10k-images-idx3-ubyte.gz"}
    monkeypatch.setattr(kf, "get_file", lambda fname, **k: str(folder / fname) if fname in files else None)
    _assert_same(tk_datasets.fashion_mnist.load_data(), keras.datasets.fashion_mnist.load_data())


def _cifar_tree(root, top, files):
    (root / top).mkdir(parents=True)
    for name, obj in files.items():
        (root / top / name).write_bytes(pickle.dumps(obj, protocol=4))


def _tar_dir(src, archive):
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(src, arcname=".")


def test_cifar_same_as_keras(fake_cache, monkeypatch, tmp_path):
    rng = np.random.default_rng(4)
    files = {}
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        files[name] = {b"data": rng.integers(0, 256, (2, 3072)).astype(np.uint8),
                       b"labels": [int(v) for v in rng.integers(0, 10, 2)]}
    src = tmp_path / "c10"
    _cifar_tree(src, "cifar-10-batches-py", files)
    # Keras's cifar10 loader assumes 10,000 images per batch file: compare the batch parser on the small
    # files, and our whole loader against the batches concatenated by hand.
    from keras.src.datasets.cifar import load_batch as k_load_batch

    from torchkeras.datasets.cifar import load_batch

    for name in files:
        ours, theirs = load_batch(str(src / "cifar-10-batches-py" / name)), k_load_batch(
            str(src / "cifar-10-batches-py" / name))
        np.testing.assert_array_equal(ours[0], theirs[0])
        assert list(ours[1]) == list(theirs[1])
    archive = fake_cache / "cifar-10-batches-py-target_archive"
    _tar_dir(src, archive)
    _patch_ours(monkeypatch, "CIFAR10_HASH", archive)
    (x_train, y_train), (x_test, y_test) = tk_datasets.cifar10.load_data()
    expected = np.concatenate([k_load_batch(str(src / "cifar-10-batches-py" / f"data_batch_{i}"))[0]
                               for i in range(1, 6)])
    np.testing.assert_array_equal(x_train, expected.transpose(0, 2, 3, 1))
    assert y_train.dtype == np.uint8 and y_train.shape == (10, 1) and y_test.dtype == np.uint8

    files = {name: {b"data": rng.integers(0, 256, (3, 3072)).astype(np.uint8),
                    b"fine_labels": [int(v) for v in rng.integers(0, 100, 3)],
                    b"coarse_labels": [int(v) for v in rng.integers(0, 20, 3)]} for name in ("train", "test")}
    src = tmp_path / "c100"
    _cifar_tree(src, "cifar-100-python", files)
    import keras.src.datasets.cifar100 as k100

    monkeypatch.setattr(k100, "get_file", lambda *a, **k: str(src))
    archive = fake_cache / "cifar-100-python-target_archive"
    _tar_dir(src, archive)
    _patch_ours(monkeypatch, "CIFAR100_HASH", archive)
    for mode in ("fine", "coarse"):
        _assert_same(tk_datasets.cifar100.load_data(mode), keras.datasets.cifar100.load_data(mode))


def test_get_file_layout_same_as_keras(tmp_path):
    """Cache paths for plain and extracted downloads match Keras for files already in the cache."""
    from keras.src.utils.file_utils import get_file as k_get_file

    from torchkeras.utils.file_utils import get_file

    cache = tmp_path / "c"
    (cache / "datasets").mkdir(parents=True)
    payload = b"abc"
    (cache / "datasets" / "f.txt").write_bytes(payload)
    md5 = hashlib.md5(payload).hexdigest()
    assert get_file("f.txt", origin="http://127.0.0.1:9/f.txt", file_hash=md5, cache_dir=str(cache)) == \
        k_get_file("f.txt", origin="http://127.0.0.1:9/f.txt", file_hash=md5, cache_dir=str(cache))
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        info = tarfile.TarInfo("d/x.txt")
        info.size = 1
        tar.addfile(info, io.BytesIO(b"x"))
    (cache / "datasets" / "arch_archive").write_bytes(buf.getvalue())
    ours = get_file("arch", origin="http://127.0.0.1:9/a.tgz", extract=True, cache_dir=str(cache))
    theirs = k_get_file("arch", origin="http://127.0.0.1:9/a.tgz", extract=True, cache_dir=str(cache))
    assert ours == theirs
