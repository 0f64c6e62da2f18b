"""Hostile and damaged weights files (issue 11, classes 1, 2, 6 (HDF5) and 7), in every weights format, made
from a small model and from the real Keras files in tests/fixtures: each load raises a torchkeras error of the
right type with a message saying what is wrong, and leaves every weight and optimizer variable unchanged."""
import os

import h5py
import numpy as np
import pytest

import torchkeras as keras
from torchkeras.saving import h5_utils

from hostile_inputs import KERAS3_ARCHIVES, KERAS3_WEIGHTS, LEGACY_WEIGHTS, Timer, assert_state, copy, fixture, \
    fixture_model, keras_weights_member, last_layer_dataset, replace_dataset, small_file, small_model, state

# --- targets: a model, and a weights file for it whose HDF5 part can be damaged --------------------------------


class Target:
    def __init__(self, model, path, inner=None, dataset=None):
        self.model = model
        self.path = path
        self.inner = inner  # "keras": the HDF5 file is the archive's model.weights.h5
        self.dataset = dataset

    def damage(self, tmp_path, action):
        """Apply `action(h5_path, dataset_path)` to the file's weights."""
        if self.inner == "keras":
            keras_weights_member(self.path, tmp_path, lambda h5: action(h5, self.dataset or last_layer_dataset(h5)))
        else:
            h5 = self.path
            if self.path.endswith(".weights.json"):
                h5 = self.path.replace(".weights.json", "_00000.weights.h5")
            action(h5, self.dataset or last_layer_dataset(h5))


def small_target(kind, tmp_path, dataset=None):
    return Target(small_model(), small_file(kind, tmp_path), inner="keras" if kind == "keras" else None,
                  dataset=dataset)


def fixture_target(name, tmp_path, dataset=None):
    if name.endswith(".keras"):
        return Target(fixture_model(name[:-6]), copy(fixture(name), tmp_path), inner="keras", dataset=dataset)
    key = name.split(".")[0] if name.endswith(".weights.h5") else LEGACY_WEIGHTS[name]
    return Target(fixture_model(key), copy(fixture(name), tmp_path), dataset=dataset)


TARGETS = (
    [f"small:{kind}" for kind in ("weights.h5", "legacy", "full", "keras", "sharded")]
    + [f"fixture:{key}.weights.h5" for key in KERAS3_WEIGHTS]
    + [f"fixture:{key}.keras" for key in KERAS3_ARCHIVES]
    + [f"fixture:{name}" for name in LEGACY_WEIGHTS]
)
OPTIMIZER_TARGETS = ["optimizer:small:weights.h5", "optimizer:small:keras", "optimizer:fixture:k3_seq.weights.h5"]


def make_target(spec, tmp_path):
    dataset = None
    if spec.startswith("optimizer:"):
        spec = spec[len("optimizer:"):]
        dataset = "optimizer/vars/3"
    source, _, name = spec.partition(":")
    if source == "small":
        return small_target(name, tmp_path, dataset)
    return fixture_target(name, tmp_path, dataset)


def expect_refused(target, error, fragment):
    before = state(target.model)
    with Timer(3.0), pytest.raises(error, match=fragment) as info:
        target.model.load_weights(target.path)
    assert_state(target.model, before)
    return info.value


# --- class 1: a value that cannot become the variable's dtype, detected before anything is assigned ------------


def _data(shape, dtype, fill):
    return np.full(shape, fill, dtype=dtype)


BAD_DTYPES = {
    "bytes": lambda g, n, s: g.create_dataset(n, data=_data(s, "S4", b"x")),
    "vlen_str": lambda g, n, s: g.create_dataset(n, data=_data(s, object, "x"), dtype=h5py.string_dtype()),
    "vlen_bytes": lambda g, n, s: g.create_dataset(n, data=_data(s, object, b"x"),
                                                   dtype=h5py.string_dtype("ascii")),
    "compound": lambda g, n, s: g.create_dataset(n, shape=s, dtype=np.dtype([("re", "f4"), ("im", "f4")])),
    "complex64": lambda g, n, s: g.create_dataset(n, data=_data(s, "complex64", 1 + 2j)),
    "complex128": lambda g, n, s: g.create_dataset(n, data=_data(s, "complex128", 1 + 2j)),
    "opaque": lambda g, n, s: g.create_dataset(n, shape=s, dtype=np.dtype("V4")),
    "vlen_float": lambda g, n, s: g.create_dataset(n, shape=s, dtype=h5py.vlen_dtype(np.float32)),
}


@pytest.mark.parametrize("target", TARGETS + OPTIMIZER_TARGETS)
@pytest.mark.parametrize("dtype", sorted(BAD_DTYPES))
def test_weight_of_an_impossible_dtype_changes_nothing(dtype, target, tmp_path):
    target = make_target(target, tmp_path)
    target.damage(tmp_path, lambda h5, ds: replace_dataset(h5, ds, BAD_DTYPES[dtype]))
    error = expect_refused(target, ValueError, "cannot be a weight")
    assert isinstance(error, h5_utils.H5FileError)


# --- class 2: read only the file given: no links out, no external storage, right object kinds -------------------


def _other_file(directory, shape):
    other = os.path.join(directory, "elsewhere.h5")
    with h5py.File(other, "w") as f:
        f.create_dataset("data", data=np.full(shape, 42.0, "float32"))
    return other


def _secret(directory, nbytes):
    path = os.path.join(directory, "secret.bin")
    with open(path, "wb") as f:
        f.write(b"\x7f" * max(nbytes, 1))
    return path


def _external_storage(g, n, s):
    directory = os.path.dirname(g.file.filename)
    nbytes = int(np.prod(s)) * 4
    g.create_dataset(n, shape=s, dtype="float32", external=[(_secret(directory, nbytes), 0, max(nbytes, 1))])


def _virtual(g, n, s):
    other = _other_file(os.path.dirname(g.file.filename), s)
    layout = h5py.VirtualLayout(shape=s, dtype="float32")
    layout[...] = h5py.VirtualSource(other, "data", shape=s)
    g.create_virtual_dataset(n, layout)


def _external_link(g, n, s):
    g[n] = h5py.ExternalLink(_other_file(os.path.dirname(g.file.filename), s), "/data")


def _parent(action):
    """Apply a replacement to the dataset's group instead (a link or a dataset where a group should be)."""
    def damage(h5, ds):
        parent = ds.rpartition("/")[0]
        with h5py.File(h5, "a") as f:
            shape = (3,)
            grand, _, name = parent.rpartition("/")
            holder = f[grand] if grand else f
            first = [d for d in _datasets(f) if not d.startswith(parent)][0]
            del holder[name]
            action(holder, name, shape, first)
    return damage


def _datasets(f):
    found = []
    f.visititems(lambda name, obj: found.append(name) if isinstance(obj, h5py.Dataset) else None)
    return found


def _dataset_level(maker):
    return lambda h5, ds: replace_dataset(h5, ds, maker)


ESCAPES = {
    "soft_link_inside": (_dataset_level(lambda g, n, s: g.__setitem__(n, h5py.SoftLink(
        "/" + _datasets(g.file)[0]))), "soft link"),
    "soft_link_outside": (_dataset_level(lambda g, n, s: g.__setitem__(n, h5py.SoftLink("/elsewhere/data"))),
                          "soft link"),
    "external_link": (_dataset_level(_external_link), "external link"),
    "external_storage": (_dataset_level(_external_storage), "external files"),
    "virtual_dataset": (_dataset_level(_virtual), "virtual dataset"),
    "group_for_dataset": (_dataset_level(lambda g, n, s: g.create_group(n)), "should be a dataset but is a group"),
    "dataset_for_group": (_parent(lambda holder, name, s, first: holder.create_dataset(name, data=np.zeros(s))),
                          "should be a group but is a dataset"),
    "soft_link_group": (_parent(lambda holder, name, s, first: holder.__setitem__(
        name, h5py.SoftLink("/" + first.rpartition("/")[0]))), "soft link"),
    "external_link_group": (_parent(lambda holder, name, s, first: holder.__setitem__(
        name, h5py.ExternalLink(_other_file(os.path.dirname(holder.file.filename), s), "/"))), "external link"),
}


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("escape", sorted(ESCAPES))
def test_weights_are_read_only_from_the_file_given(escape, target, tmp_path):
    target = make_target(target, tmp_path)
    action, fragment = ESCAPES[escape]
    target.damage(tmp_path, action)
    error = expect_refused(target, ValueError, fragment)
    assert isinstance(error, h5_utils.H5FileError)


# --- class 6 (HDF5): datasets that declare far more than they store --------------------------------------------


BOMBS = {
    "chunked_terabytes": lambda g, n, s: g.create_dataset(n, shape=(2 ** 20, 2 ** 20), dtype="float32",
                                                          chunks=(256, 256), compression="gzip"),
    "contiguous_unallocated": lambda g, n, s: g.create_dataset(n, shape=(2 ** 17, 2 ** 17), dtype="float32"),
    "fill_value_gigabytes": lambda g, n, s: g.create_dataset(n, shape=(2 ** 15, 2 ** 15), dtype="float64",
                                                             chunks=(64, 64), fillvalue=1.0),
    "huge_rank": lambda g, n, s: g.create_dataset(n, shape=(64,) * 6, dtype="float32", chunks=(8,) * 6),
}


BOMB_TARGETS = [t for t in TARGETS if t.startswith("small:")] + ["fixture:k3_rnn.weights.h5",
                                                                 "fixture:k2_seq_weights.h5"] + OPTIMIZER_TARGETS


@pytest.mark.parametrize("target", BOMB_TARGETS)
@pytest.mark.parametrize("bomb", sorted(BOMBS))
def test_shape_bombs_fail_fast(bomb, target, tmp_path):
    target = make_target(target, tmp_path)
    target.damage(tmp_path, lambda h5, ds: replace_dataset(h5, ds, BOMBS[bomb]))
    expect_refused(target, ValueError, "bomb")


# --- class 7: structurally damaged HDF5 -------------------------------------------------------------------------


def _set_attr(name, value, where=None):
    def damage(h5, ds):
        with h5py.File(h5, "a") as f:
            holder = f[where(f, ds)] if where else f
            holder.attrs[name] = value
    return damage


def _layer_group(f, ds):
    return ds.split("/")[0] if "model_weights" not in f else "/".join(ds.split("/")[:2])


def _weights_root(f, ds):
    return "model_weights" if "model_weights" in f else "/"


def _non_utf8_group(h5, ds):
    with h5py.File(h5, "a") as f:
        parent = ds.rpartition("/")[0]
        f[parent][b"\xff\xfebad"] = np.zeros(2, "float32")


LEGACY_DAMAGE = {
    "layer_names_not_utf8": (_set_attr("layer_names", np.array([b"\xff\xfe", b"b"]), _weights_root), "UTF-8"),
    "layer_names_numbers": (_set_attr("layer_names", np.array([1.5, 2.5]), _weights_root), "should list names"),
    "weight_names_not_utf8": (_set_attr("weight_names", np.array([b"\xc3\x28"]), _layer_group), "UTF-8"),
    "weight_names_numbers": (_set_attr("weight_names", np.array([3, 4]), _layer_group), "should list names"),
    "weight_names_escape": (_set_attr("weight_names", np.array([b"../../x"]), _layer_group), "valid dataset path"),
    "weight_names_missing_dataset": (_set_attr("weight_names", np.array([b"nope:0"]), _layer_group), "missing"),
}
KERAS3_DAMAGE = {
    "member_name_not_utf8": (_non_utf8_group, "UTF-8"),
}
LEGACY_TARGETS = ["small:legacy", "small:full"] + [f"fixture:{n}" for n in LEGACY_WEIGHTS]
KERAS3_TARGETS = ["small:weights.h5", "small:keras"] + [f"fixture:{k}.weights.h5" for k in KERAS3_WEIGHTS]
DAMAGE_CASES = [(t, d) for t in LEGACY_TARGETS for d in sorted(LEGACY_DAMAGE)] + \
               [(t, d) for t in KERAS3_TARGETS for d in sorted(KERAS3_DAMAGE)]


@pytest.mark.parametrize("target,damage", DAMAGE_CASES)
def test_damaged_structure_raises_a_clear_error(target, damage, tmp_path):
    target = make_target(target, tmp_path)
    action, fragment = {**LEGACY_DAMAGE, **KERAS3_DAMAGE}[damage]
    target.damage(tmp_path, action)
    error = expect_refused(target, ValueError, fragment)
    assert os.path.basename(target.path) in str(error)


TRUNCATE_AT = [0.0, 0.2, 0.6, 0.97]
FLIP_TARGETS = ["small:weights.h5", "small:legacy", "small:full"]


@pytest.mark.parametrize("target", FLIP_TARGETS + ["fixture:k3_seq.weights.h5"])
@pytest.mark.parametrize("fraction", TRUNCATE_AT)
def test_truncated_weights_file(fraction, target, tmp_path):
    target = make_target(target, tmp_path)
    data = open(target.path, "rb").read()
    open(target.path, "wb").write(data[:int(len(data) * fraction)])
    error = expect_refused(target, ValueError, "truncated|corrupted|not a valid|incomplete|missing")
    assert os.path.basename(target.path) in str(error)


FLIPS_PER_FILE = 15


@pytest.mark.parametrize("target", FLIP_TARGETS)
@pytest.mark.parametrize("index", range(FLIPS_PER_FILE))
def test_flipped_bytes_load_or_raise_a_clear_error(index, target, tmp_path):
    """A flipped byte in the data region just changes a value; anywhere else it must give a torchkeras
    error naming the file (never h5py's OSError/RuntimeError/KeyError, never a hang), with nothing changed."""
    target = make_target(target, tmp_path)
    data = bytearray(open(target.path, "rb").read())
    offset = (index * 7919) % len(data)
    data[offset] ^= 0xFF
    open(target.path, "wb").write(bytes(data))
    before = state(target.model)
    try:
        with Timer(5.0):
            target.model.load_weights(target.path)
    except (ValueError, TypeError) as error:
        assert os.path.basename(target.path) in str(error)
        assert_state(target.model, before)


def test_hdf5_signature_with_garbage(tmp_path):
    path = str(tmp_path / "garbage.h5")
    open(path, "wb").write(b"\x89HDF\r\n\x1a\n" + bytes(range(256)) * 4)
    model = small_model()
    before = state(model)
    with pytest.raises(ValueError, match="not a valid HDF5 file"):
        model.load_weights(path)
    assert_state(model, before)
    with pytest.raises(ValueError, match="not a valid HDF5 file"):
        keras.models.load_model(path)


@pytest.mark.parametrize("dtype", sorted(BAD_DTYPES))
def test_legacy_optimizer_weights_of_an_impossible_dtype(dtype, tmp_path):
    path = small_file("full", tmp_path)
    with h5py.File(path, "r") as f:
        names = [n.decode() if isinstance(n, bytes) else n for n in f["optimizer_weights"].attrs["weight_names"]]
    replace_dataset(path, f"optimizer_weights/{names[-1]}", BAD_DTYPES[dtype])
    with Timer(3.0), pytest.raises(ValueError, match="cannot be a weight"):
        keras.models.load_model(path)


def test_failed_load_unbuilds_an_optimizer_it_built(tmp_path):
    """Loading builds a compiled model's unbuilt optimizer when the file holds optimizer state; a load that
    fails leaves it unbuilt, as it was."""
    path = small_file("weights.h5", tmp_path)
    replace_dataset(path, last_layer_dataset(path), lambda g, n, s: g.create_dataset(n, data=np.zeros(7, "f4")))
    model = small_model(compiled=False)
    model.compile(keras.optimizers.Adam(), "mse")
    count = len(model.optimizer.variables)
    with pytest.raises(ValueError, match="left unchanged"):
        model.load_weights(path)
    assert not model.optimizer.built and len(model.optimizer.variables) == count
