"""`keras.datasets.*.load_data` from fake caches written in a temporary KERAS_HOME (no network)."""
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
from torchkeras.datasets import safe_pickle
from torchkeras.datasets import urls
from torchkeras.utils import file_utils


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """A temporary `$KERAS_HOME/datasets`; every origin points at a closed local port (never the internet)."""
    home = tmp_path / "home"
    (home / "datasets").mkdir(parents=True)
    monkeypatch.setenv("KERAS_HOME", str(home))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    dead = f"http://127.0.0.1:{port}/"
    monkeypatch.setattr(urls, "TF_KERAS_DATASETS", dead)
    monkeypatch.setattr(urls, "CIFAR10_ORIGIN", dead + "cifar-10-python.tar.gz")
    monkeypatch.setattr(urls, "CIFAR100_ORIGIN", dead + "cifar-100-python.tar.gz")
    return home / "datasets"


def _sha(path):
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


def _ragged(rng, n, vocab, lo=3, hi=12):
    return np.array([list(rng.integers(1, vocab, rng.integers(lo, hi))) for _ in range(n)] + [[1, 2, 3, 4]],
                    dtype=object)[:n]


def test_mnist(cache, monkeypatch):
    rng = np.random.default_rng(0)
    x_train = rng.integers(0, 256, (6, 28, 28), dtype=np.uint8)
    y_train = rng.integers(0, 10, 6).astype(np.uint8)
    x_test = rng.integers(0, 256, (2, 28, 28), dtype=np.uint8)
    y_test = rng.integers(0, 10, 2).astype(np.uint8)
    np.savez(cache / "mnist.npz", x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)
    monkeypatch.setattr(urls, "MNIST_HASH", _sha(cache / "mnist.npz"))
    (a, b), (c, d) = datasets.mnist.load_data()
    np.testing.assert_array_equal(a, x_train)
    np.testing.assert_array_equal(b, y_train)
    np.testing.assert_array_equal(c, x_test)
    np.testing.assert_array_equal(d, y_test)
    assert a.dtype == np.uint8


def test_mnist_offline_error_and_stale_hash(cache):
    with pytest.raises(file_utils.URLFetchError) as info:
        datasets.mnist.load_data()
    assert os.path.join(str(cache), "mnist.npz") in str(info.value)
    assert "mnist.npz" in str(info.value) and "URL fetch failure" in str(info.value)
    # A cached file with the wrong hash is re-downloaded, which fails offline with the same clear error.
    np.savez(cache / "mnist.npz", x_train=np.zeros((1, 28, 28), np.uint8))
    with pytest.raises(file_utils.URLFetchError, match="mnist.npz"):
        datasets.mnist.load_data()


def test_fashion_mnist(cache):
    rng = np.random.default_rng(1)
    folder = cache / "fashion-mnist"
    folder.mkdir()
    arrays = {}
    for prefix, n in (("train", 5), ("t10k", 3)):
        labels = rng.integers(0, 10, n).astype(np.uint8)
        images = rng.integers(0, 256, (n, 28, 28)).astype(np.uint8)
        with gzip.open(folder / f"{prefix}-labels-idx1-ubyte.gz", "wb") as f:
            f.write((0x801).to_bytes(4, "big") + n.to_bytes(4, "big") + labels.tobytes())  # IDX header
        with gzip.open(folder / f"{prefix}-images-idx3-ubyte.gz", "wb") as f:
            f.write(b"".join(v.to_bytes(4, "big") for v in (0x803, n, 28, 28)) + images.tobytes())
        arrays[prefix] = (images, labels)
    (a, b), (c, d) = datasets.fashion_mnist.load_data()
    np.testing.assert_array_equal(a, arrays["train"][0])
    np.testing.assert_array_equal(b, arrays["train"][1])
    np.testing.assert_array_equal(c, arrays["t10k"][0])
    np.testing.assert_array_equal(d, arrays["t10k"][1])


def _cifar_archive(path, top, files):
    with tarfile.open(path, "w:gz") as tar:
        for name, obj in files.items():
            data = pickle.dumps(obj, protocol=2)
            info = tarfile.TarInfo(f"{top}/{name}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


def test_cifar10(cache, monkeypatch):
    rng = np.random.default_rng(2)
    files, expected_x, expected_y = {}, [], []
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        data = rng.integers(0, 256, (2, 3072)).astype(np.uint8)
        labels = [int(v) for v in rng.integers(0, 10, 2)]
        files[name] = {b"data": data, b"labels": labels, b"batch_label": b"x", b"filenames": [b"a", b"b"]}
        expected_x.append(data.reshape(2, 3, 32, 32).transpose(0, 2, 3, 1))
        expected_y.append(labels)
    archive = cache / "cifar-10-batches-py-target_archive"
    _cifar_archive(archive, "cifar-10-batches-py", files)
    monkeypatch.setattr(urls, "CIFAR10_HASH", _sha(archive))
    (a, b), (c, d) = datasets.cifar10.load_data()
    assert a.shape == (10, 32, 32, 3) and b.shape == (10, 1) and c.shape == (2, 32, 32, 3) and d.shape == (2, 1)
    np.testing.assert_array_equal(a, np.concatenate(expected_x[:5]))
    np.testing.assert_array_equal(b[:, 0], np.concatenate(expected_y[:5]))
    np.testing.assert_array_equal(c, expected_x[5])
    assert a.dtype == np.uint8 and b.dtype == np.uint8 and d.dtype == np.uint8


@pytest.mark.parametrize("label_mode", ["fine", "coarse"])
def test_cifar100(cache, monkeypatch, label_mode):
    rng = np.random.default_rng(3)
    files = {}
    for name, n in (("train", 4), ("test", 2)):
        files[name] = {b"data": rng.integers(0, 256, (n, 3072)).astype(np.uint8),
                       b"fine_labels": [int(v) for v in rng.integers(0, 100, n)],
                       b"coarse_labels": [int(v) for v in rng.integers(0, 20, n)]}
    archive = cache / "cifar-100-python-target_archive"
    _cifar_archive(archive, "cifar-100-python", files)
    monkeypatch.setattr(urls, "CIFAR100_HASH", _sha(archive))
    (a, b), (c, d) = datasets.cifar100.load_data(label_mode=label_mode)
    assert a.shape == (4, 32, 32, 3) and c.shape == (2, 32, 32, 3)
    np.testing.assert_array_equal(b[:, 0], files["train"][f"{label_mode}_labels".encode()])
    np.testing.assert_array_equal(d[:, 0], files["test"][f"{label_mode}_labels".encode()])
    with pytest.raises(ValueError, match="label_mode"):
        datasets.cifar100.load_data(label_mode="medium")


def test_cifar_pickle_refuses_code(tmp_path):
    class Evil:
        def __reduce__(self):
            return (os.system, ("echo pwned",))

    path = tmp_path / "batch"
    path.write_bytes(pickle.dumps({b"data": Evil(), b"labels": []}))
    with pytest.raises(pickle.UnpicklingError, match="Refusing to load"):
        datasets.cifar.load_batch(str(path))


def test_npz_object_arrays_refuse_code(tmp_path):
    class Evil:
        def __reduce__(self):
            return (os.system, ("echo pwned",))

    arr = np.empty(1, dtype=object)
    arr[0] = Evil()
    path = tmp_path / "evil.npz"
    np.savez(path, x=arr)
    with pytest.raises(pickle.UnpicklingError, match="Refusing to load"):
        safe_pickle.load_npz(str(path))


def _write_word_data(cache, name, **arrays):
    np.savez(cache / name, **arrays)
    return _sha(cache / name)


def test_imdb(cache, monkeypatch):
    rng = np.random.default_rng(4)
    x_train, x_test = _ragged(rng, 8, 30), _ragged(rng, 6, 30)
    y_train, y_test = rng.integers(0, 2, 8), rng.integers(0, 2, 6)
    monkeypatch.setattr(urls, "IMDB_HASH", _write_word_data(cache, "imdb.npz", x_train=x_train, y_train=y_train,
                                                            x_test=x_test, y_test=y_test))
    (a, b), (c, d) = datasets.imdb.load_data()
    assert a.dtype == object and len(a) == 8 and len(c) == 6
    idx = np.arange(8)
    np.random.RandomState(113).shuffle(idx)
    assert a[0] == [1] + [w + 3 for w in x_train[idx[0]]]
    np.testing.assert_array_equal(b, y_train[idx])
    (a2, _), _ = datasets.imdb.load_data(num_words=10, skip_top=2, oov_char=2)
    assert all(w == 2 or 2 <= w < 10 for seq in a2 for w in seq)
    (a3, _), _ = datasets.imdb.load_data(num_words=10, oov_char=None)
    assert all(w < 10 for seq in a3 for w in seq)
    (a4, b4), (c4, _) = datasets.imdb.load_data(maxlen=8)
    assert all(len(s) < 8 for s in a4) and len(a4) == len(b4)
    (a5, _), _ = datasets.imdb.load_data(start_char=None, index_from=0, num_words=1000)
    assert sorted(map(tuple, a5)) == sorted(map(tuple, (list(s) for s in x_train)))
    with pytest.raises(ValueError, match="no sequence was kept"):
        datasets.imdb.load_data(maxlen=1)


def test_word_index(cache, monkeypatch):
    (cache / "imdb_word_index.json").write_text(json.dumps({"the": 1, "a": 2}))
    monkeypatch.setattr(urls, "IMDB_WORD_INDEX_HASH",
                        hashlib.md5((cache / "imdb_word_index.json").read_bytes()).hexdigest())
    assert datasets.imdb.get_word_index() == {"the": 1, "a": 2}
    (cache / "reuters_word_index.json").write_text(json.dumps({"oil": 1}))
    monkeypatch.setattr(urls, "REUTERS_WORD_INDEX_HASH",
                        hashlib.md5((cache / "reuters_word_index.json").read_bytes()).hexdigest())
    assert datasets.reuters.get_word_index() == {"oil": 1}


def test_reuters(cache, monkeypatch):
    rng = np.random.default_rng(5)
    xs, ys = _ragged(rng, 10, 40), rng.integers(0, 46, 10)
    monkeypatch.setattr(urls, "REUTERS_HASH", _write_word_data(cache, "reuters.npz", x=xs, y=ys))
    (a, b), (c, d) = datasets.reuters.load_data(test_split=0.3)
    assert len(a) == 7 and len(c) == 3
    idx = np.arange(10)
    np.random.RandomState(113).shuffle(idx)
    np.testing.assert_array_equal(np.concatenate([b, d]), ys[idx])
    names = datasets.reuters.get_label_names()
    assert len(names) == 46 and names[3] == "earn"


@pytest.mark.parametrize("module,name,hash_attr,features",
                         [("boston_housing", "boston_housing.npz", "BOSTON_HOUSING_HASH", 13),
                          ("california_housing", "california_housing.npz", "CALIFORNIA_HOUSING_HASH", 8)])
def test_housing(cache, monkeypatch, module, name, hash_attr, features):
    rng = np.random.default_rng(6)
    x, y = rng.normal(size=(20, features)), rng.normal(size=(20,))
    np.savez(cache / name, x=x, y=y)
    monkeypatch.setattr(urls, hash_attr, _sha(cache / name))
    loader = getattr(datasets, module).load_data
    (a, b), (c, d) = loader(test_split=0.25, seed=7)
    idx = np.arange(20)
    np.random.RandomState(7).shuffle(idx)
    np.testing.assert_array_equal(a, x[idx][:15])
    np.testing.assert_array_equal(d, y[idx][15:])
    with pytest.raises(ValueError, match="test_split"):
        loader(test_split=1.0)
    if module == "california_housing":
        with pytest.raises(ValueError, match="version"):
            loader(version="medium")
