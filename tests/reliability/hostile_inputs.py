"""Shared pieces of the hostile-input families: small models, the real Keras files of tests/fixtures, state
snapshots, and helpers that damage files in precise ways."""
import os
import shutil
import struct
import time
import warnings
import zipfile

import h5py
import numpy as np

import torchkeras as keras
from torchkeras import layers as L

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "fixtures", "keras_files")
X = np.random.RandomState(0).rand(3, 4).astype("float32")
# Real Keras files, each with the `.keras` model that gives the architecture to load it into.
KERAS3_WEIGHTS = ["k3_seq", "k3_rnn", "k3_attn"]
KERAS3_ARCHIVES = ["k3_nested", "k3_conv"]
LEGACY_WEIGHTS = {"k2_seq_weights.h5": "k3_seq", "k2_nested_weights.h5": "k3_nested", "k2_attn_full.h5": "k3_attn"}
_MODELS = {}


def fixture(name):
    return os.path.join(FIXTURES, name)


_PRISTINE = {}


def small_file(kind, directory):
    """A copy in `directory` of the small model saved as `kind` (saved once per session)."""
    import tempfile

    names = {"weights.h5": "m.weights.h5", "legacy": "m.h5", "full": "full.h5", "keras": "m.keras",
             "sharded": "m.weights.json"}
    if "dir" not in _PRISTINE:
        _PRISTINE["dir"] = tempfile.mkdtemp(prefix="hostile_")
        model = small_model()
        for key, name in names.items():
            path = os.path.join(_PRISTINE["dir"], name)
            (model.save if key in ("full", "keras") else model.save_weights)(path)
    target = os.path.join(str(directory), names[kind])
    shutil.copyfile(os.path.join(_PRISTINE["dir"], names[kind]), target)
    if kind == "sharded":
        shard = "m_00000.weights.h5"
        shutil.copyfile(os.path.join(_PRISTINE["dir"], shard), os.path.join(str(directory), shard))
    return target


def small_model(compiled=True):
    """A compiled Sequential MLP whose optimizer has state (one training step)."""
    model = keras.Sequential([keras.Input((4,)), L.Dense(3, name="a"), L.Dense(2, name="b")], name="mlp")
    if compiled:
        model.compile(keras.optimizers.Adam(0.01), "mse")
        model.train_on_batch(X, np.ones((3, 2), "float32"))
    return model


def fixture_model(key):
    """The model of `tests/fixtures/keras_files/<key>.keras` (loaded once; failed loads must not change it)."""
    if key not in _MODELS:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            _MODELS[key] = keras.models.load_model(fixture(f"{key}.keras"))
    return _MODELS[key]


def state(model):
    """Copies of every weight and optimizer variable."""
    weights = [np.array(w, copy=True) for w in model.get_weights()]
    optimizer = getattr(model, "optimizer", None)
    opt = [np.array(v.detach().cpu().numpy(), copy=True) for v in optimizer.variables] if optimizer else []
    return weights, opt


def assert_state(model, before):
    weights, opt = state(model)
    assert len(weights) == len(before[0]) and len(opt) == len(before[1])
    for a, b in zip(weights + opt, before[0] + before[1]):
        np.testing.assert_array_equal(a, b)


def copy(src, tmp_path, name=None):
    target = str(tmp_path / (name or os.path.basename(src)))
    shutil.copyfile(src, target)
    return target


def weight_datasets(h5_file):
    """Every dataset path of a weights file, in the order the file lists them."""
    found = []
    h5_file.visititems(lambda name, obj: found.append(name) if isinstance(obj, h5py.Dataset) else None)
    return found


def last_layer_dataset(path):
    """The dataset a naive loader would assign last: the last `vars` dataset (Keras 3 layout), or the last
    weight of the last layer in `layer_names` (legacy layout)."""
    with h5py.File(path, "r") as f:
        root = f["model_weights"] if "model_weights" in f else f
        if "layer_names" in root.attrs:
            names = [n.decode() if isinstance(n, bytes) else n for n in root.attrs["layer_names"]]
            for layer in reversed(names):
                weights = [w.decode() if isinstance(w, bytes) else w for w in root[layer].attrs["weight_names"]]
                if weights:
                    prefix = "model_weights/" if root.name != "/" else ""
                    return f"{prefix}{layer}/{weights[-1]}"
        candidates = [d for d in weight_datasets(f) if "/vars/" in d or d.startswith("vars/")]
        layers = [d for d in candidates if not d.startswith("optimizer/")]
        return (layers or candidates)[-1]


def replace_dataset(path, dataset_path, make):
    """Replace `dataset_path` in the HDF5 file `path` by `make(group, name, shape)`."""
    with h5py.File(path, "a") as f:
        shape = f[dataset_path].shape
        parent, _, name = dataset_path.rpartition("/")
        group = f[parent] if parent else f
        del group[name]
        make(group, name, shape)


def keras_weights_member(path, tmp_path, transform):
    """Rewrite the `model.weights.h5` of the `.keras` archive at `path` with `transform(h5 path)`."""
    inner = str(tmp_path / "inner.weights.h5")
    with zipfile.ZipFile(path) as archive:
        members = [(info, archive.read(info.filename)) for info in archive.infolist()]
    for info, data in members:
        if info.filename == "model.weights.h5":
            with open(inner, "wb") as f:
                f.write(data)
    transform(inner)
    rewrite_zip(path, {"model.weights.h5": open(inner, "rb").read()})


def rewrite_zip(path, replace=None, extra=None, compression=zipfile.ZIP_STORED):
    """Rewrite a zip, replacing some members' bytes and appending `extra` members."""
    with zipfile.ZipFile(path) as archive:
        members = [(info.filename, archive.read(info.filename)) for info in archive.infolist()]
    with zipfile.ZipFile(path, "w", compression=compression) as archive:
        for name, data in members:
            archive.writestr(name, (replace or {}).get(name, data))
        for name, data in (extra or {}).items():
            archive.writestr(zipfile.ZipInfo(name), data)


def patch_zip_headers(path, member, flag_bits=None, method=None):
    """Set the general-purpose flags and/or compression method of `member` in both zip headers."""
    data = bytearray(open(path, "rb").read())
    name = member.encode()
    pos = 0
    while True:
        local = data.find(b"PK\x03\x04", pos)
        if local < 0:
            break
        name_len = struct.unpack("<H", data[local + 26:local + 28])[0]
        if bytes(data[local + 30:local + 30 + name_len]) == name:
            if flag_bits is not None:
                data[local + 6:local + 8] = struct.pack("<H", flag_bits)
            if method is not None:
                data[local + 8:local + 10] = struct.pack("<H", method)
        pos = local + 4
    pos = 0
    while True:
        central = data.find(b"PK\x01\x02", pos)
        if central < 0:
            break
        name_len = struct.unpack("<H", data[central + 28:central + 30])[0]
        if bytes(data[central + 46:central + 46 + name_len]) == name:
            if flag_bits is not None:
                data[central + 8:central + 10] = struct.pack("<H", flag_bits)
            if method is not None:
                data[central + 10:central + 12] = struct.pack("<H", method)
        pos = central + 4
    open(path, "wb").write(bytes(data))


class Timer:
    """`with Timer(limit):` fails the test if the block takes longer than `limit` seconds."""

    def __init__(self, limit=2.0):
        self.limit = limit

    def __enter__(self):
        self.start = time.monotonic()
        return self

    def __exit__(self, *exc):
        elapsed = time.monotonic() - self.start
        assert elapsed < self.limit, f"took {elapsed:.2f} s (limit {self.limit} s)"
        return False
