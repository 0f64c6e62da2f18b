"""Saving and loading go through each object's own hooks (`save_own_variables`/`load_own_variables`,
`save_assets`/`load_assets`), as Keras's saving library does: a user's override is what gets written and
read, stateful preprocessing layers survive every format, and a load that fails inside a user's hook leaves
the model (weights, Python state, optimizer) unchanged."""
import json
import os
import zipfile

import h5py
import numpy as np
import pytest
import torch

import torchkeras as keras
from torchkeras import layers as L
from torchkeras import ops

CALLS = {"save": 0, "load": 0, "save_assets": 0, "load_assets": 0}


@keras.saving.register_keras_serializable("hooks_test")
class Doubled(L.Layer):
    """Stores its kernel doubled under its own key, plus a Python step counter."""

    def __init__(self, units=3, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.step = 0

    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(input_shape[-1], self.units), initializer="random_normal")

    def call(self, x):
        return ops.matmul(x, self.kernel)

    def get_config(self):
        return {**super().get_config(), "units": self.units}

    def save_own_variables(self, store):
        CALLS["save"] += 1
        store["kernel_times_two"] = self.kernel.numpy() * 2
        store["step"] = np.array(self.step)

    def load_own_variables(self, store):
        CALLS["load"] += 1
        self.kernel.assign(store["kernel_times_two"] / 2)
        self.step = int(store["step"])


@keras.saving.register_keras_serializable("hooks_test")
class WithAssets(L.Layer):
    """Keeps a Python table as an asset file."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.table = {}

    def call(self, x):
        return x + float(sum(self.table.values()))

    def save_assets(self, dir_path):
        CALLS["save_assets"] += 1
        with open(os.path.join(dir_path, "table.json"), "w") as f:
            json.dump(self.table, f)

    def load_assets(self, dir_path):
        CALLS["load_assets"] += 1
        with open(os.path.join(dir_path, "table.json")) as f:
            self.table = json.load(f)


@keras.saving.register_keras_serializable("hooks_test")
class Fragile(Doubled):
    """Assigns, swaps a tensor's data and changes Python state, then fails."""

    def load_own_variables(self, store):
        self.kernel.assign(np.full(tuple(self.kernel.shape), 7.0, "float32"))
        self.step = 99
        self.extra = "added"
        raise ValueError("boom in a user hook")


@pytest.fixture(autouse=True)
def _reset_calls():
    for key in CALLS:
        CALLS[key] = 0


def model_with(layer_cls, name="custom"):
    inp = keras.Input((4,), name="inp")
    x = L.Dense(4, name="pre")(inp)
    x = layer_cls(name=name)(x) if layer_cls is not WithAssets else layer_cls(name=name)(x)
    return keras.Model(inp, L.Dense(2, name="post")(x), name="m")


X = np.random.RandomState(0).rand(3, 4).astype("float32")


def snapshot(model):
    return [w.copy() for w in model.get_weights()]


def assert_unchanged(model, before):
    assert len(model.get_weights()) == len(before)
    for a, b in zip(model.get_weights(), before):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("fmt", ["keras", "weights.h5"])
def test_custom_variable_hooks_are_the_file_layout(fmt, tmp_path):
    model = model_with(Doubled)
    model.get_layer("custom").step = 5
    path = str(tmp_path / f"m.{fmt}")
    (model.save if fmt == "keras" else model.save_weights)(path)
    assert CALLS["save"] == 1
    h5 = zipfile.ZipFile(path).open("model.weights.h5") if fmt == "keras" else path
    with h5py.File(h5, "r") as f:
        group = f["layers/doubled/vars"]
        assert sorted(group) == ["kernel_times_two", "step"]
        assert group.attrs["name"] == "custom"
        np.testing.assert_array_equal(group["kernel_times_two"][()], model.get_layer("custom").kernel.numpy() * 2)
    if fmt == "keras":
        loaded = keras.models.load_model(path)
    else:
        loaded = model_with(Doubled)
        loaded.load_weights(path)
    assert CALLS["load"] == 1
    assert loaded.get_layer("custom").step == 5
    np.testing.assert_array_equal(loaded.predict(X, verbose=0), model.predict(X, verbose=0))


@pytest.mark.parametrize("fmt", ["keras", "weights.h5", "h5", "legacy_weights.h5", "dir"])
def test_assets_hooks_round_trip_in_every_format(fmt, tmp_path):
    model = model_with(WithAssets)
    model.get_layer("custom").table = {"a": 1.5, "b": 2.0}
    path = str(tmp_path / ("m.h5" if fmt == "legacy_weights.h5" else "m_dir.keras" if fmt == "dir" else f"m.{fmt}"))
    if fmt in ("keras", "h5"):
        model.save(path)
        loaded = keras.models.load_model(path)
    elif fmt == "dir":
        keras.saving.save_model(model, path, zipped=False)
        assert os.path.exists(os.path.join(path, "assets", "layers", "with_assets", "table.json"))
        loaded = keras.models.load_model(path)
    else:
        model.save_weights(path)
        loaded = model_with(WithAssets)
        loaded.load_weights(path)
    assert CALLS["save_assets"] == 1 and CALLS["load_assets"] == 1
    assert loaded.get_layer("custom").table == {"a": 1.5, "b": 2.0}
    np.testing.assert_array_equal(loaded.predict(X, verbose=0), model.predict(X, verbose=0))


def test_keras_archive_assets_are_keras_members(tmp_path):
    model = model_with(WithAssets)
    model.save(str(tmp_path / "m.keras"))
    names = zipfile.ZipFile(str(tmp_path / "m.keras")).namelist()
    assert names == ["metadata.json", "config.json", "model.weights.h5", "assets/layers/with_assets/table.json"]
    with h5py.File(zipfile.ZipFile(str(tmp_path / "m.keras")).open("model.weights.h5"), "r") as f:
        assert "__assets__" not in f  # inside a `.keras`, assets are archive members, as in Keras


@pytest.mark.parametrize("fmt", ["keras", "weights.h5"])
def test_failing_user_hook_leaves_everything_unchanged(fmt, tmp_path):
    source = model_with(Doubled)
    path = str(tmp_path / f"m.{fmt}")
    (source.save if fmt == "keras" else source.save_weights)(path)
    target = model_with(Fragile)
    target.compile(keras.optimizers.Adam(), "mse")
    target.train_on_batch(X, np.zeros((3, 2), "float32"))
    before = snapshot(target)
    optimizer_before = [v.numpy().copy() for v in target.optimizer.variables]
    fragile = target.get_layer("custom")
    fragile.step = 3
    with pytest.raises(ValueError, match="boom in a user hook") as info:
        target.load_weights(path)
    assert "left unchanged" in str(info.value)
    assert_unchanged(target, before)
    for v, b in zip(target.optimizer.variables, optimizer_before):
        np.testing.assert_array_equal(v.numpy(), b)
    assert fragile.step == 3 and not hasattr(fragile, "extra")


def test_failing_user_hook_that_swaps_tensor_data_is_undone(tmp_path):
    class Swapper(Doubled):
        def load_own_variables(self, store):
            self.kernel.data = torch.zeros(9, 9)
            raise RuntimeError("swapped then failed")

    model_with(Doubled).save_weights(str(tmp_path / "w.weights.h5"))
    target = model_with(Swapper)
    before = snapshot(target)
    kernel = target.get_layer("custom").kernel
    with pytest.raises(ValueError, match="swapped then failed"):
        target.load_weights(str(tmp_path / "w.weights.h5"))
    assert target.get_layer("custom").kernel is kernel and tuple(kernel.shape) == (4, 3)
    assert_unchanged(target, before)


def test_failing_user_hook_with_skip_mismatch_warns_and_loads_the_rest(tmp_path):
    source = model_with(Doubled)
    source.save_weights(str(tmp_path / "w.weights.h5"))
    target = model_with(Fragile)
    custom_before = target.get_layer("custom").kernel.numpy().copy()
    with pytest.warns(UserWarning, match="boom in a user hook"):
        target.load_weights(str(tmp_path / "w.weights.h5"), skip_mismatch=True)
    np.testing.assert_array_equal(target.get_layer("custom").kernel.numpy(), custom_before)
    np.testing.assert_array_equal(target.get_layer("pre").kernel.numpy(), source.get_layer("pre").kernel.numpy())
    np.testing.assert_array_equal(target.get_layer("post").kernel.numpy(), source.get_layer("post").kernel.numpy())


def test_hooks_of_optimizer_and_of_metrics_held_by_the_model_are_called(tmp_path):
    calls = []

    class Tracker(keras.metrics.Mean):
        def save_own_variables(self, store):
            calls.append("save")
            store["total"] = self.variables[0]

        def load_own_variables(self, store):
            calls.append("load")
            self.variables[0].assign(store["total"])

    class Tracked(keras.Model):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.dense = L.Dense(2)
            self.tracker = Tracker(name="tracker")

        def call(self, x):
            return self.dense(x)

    model = Tracked()
    model(X)
    model.tracker.update_state(4.0)
    model.save_weights(str(tmp_path / "w.weights.h5"))
    with h5py.File(str(tmp_path / "w.weights.h5"), "r") as f:
        assert f["tracker/vars/total"][()] == 4.0
    other = Tracked()
    other(X)
    other.load_weights(str(tmp_path / "w.weights.h5"))
    assert calls == ["save", "load"]
    assert float(other.tracker.variables[0].numpy()) == 4.0


def test_torch_module_wrapper_keeps_buffers_in_every_format(tmp_path):
    def build():
        torch.manual_seed(0)
        module = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.BatchNorm1d(3))
        inp = keras.Input((4,))
        return keras.Model(inp, L.TorchModuleWrapper(module, name="wrapped")(inp))

    model = build()
    bn = model.get_layer("wrapped").module[1]
    with torch.no_grad():
        bn.running_mean.fill_(0.5)
        bn.running_var.fill_(2.0)
    expected = model.predict(X, verbose=0)
    for name in ("w.weights.h5", "w.h5"):
        model.save_weights(str(tmp_path / name))
        other = build()
        other.load_weights(str(tmp_path / name))
        np.testing.assert_allclose(other.get_layer("wrapped").module[1].running_var.cpu().numpy(), 2.0)
        np.testing.assert_array_equal(other.predict(X, verbose=0), expected)
    with h5py.File(str(tmp_path / "w.weights.h5"), "r") as f:
        assert sorted(f["layers/torch_module_wrapper/vars"]) == sorted(
            model.get_layer("wrapped").module.state_dict())


# --- preprocessing layers with adapted state ----------------------------------------------------------------


def integer_lookup(mode="int"):
    layer = L.IntegerLookup(output_mode=mode)
    layer.adapt(np.array([[10, 20, 20, 30, 30, 30, 40]]))
    inp = keras.Input((3,), dtype="int64")
    return keras.Model(inp, layer(inp)), np.array([[30, 20, 7], [40, 10, 30]])


def string_lookup(mode="int"):
    layer = L.StringLookup(output_mode=mode)
    layer.adapt(np.array([["a", "b", "b", "c", "c", "c"]]))
    inp = keras.Input((3,), dtype="string")
    return keras.Model(inp, layer(inp)), np.array([["c", "b", "zz"], ["a", "a", "c"]])


def text_vectorization(mode="int"):
    layer = L.TextVectorization(output_mode=mode, **({"output_sequence_length": 4} if mode == "int" else {}))
    layer.adapt(["the cat sat", "the dog ran", "a cat"])
    inp = keras.Input((1,), dtype="string")
    return keras.Model(inp, layer(inp)), np.array([["the cat ran"], ["a dog"]])


def normalization(mode=None):
    layer = L.Normalization()
    layer.adapt(np.random.RandomState(1).rand(20, 3).astype("float32") * 4)
    inp = keras.Input((3,))
    return keras.Model(inp, layer(inp)), np.random.RandomState(2).rand(2, 3).astype("float32")


def discretization(mode=None):
    layer = L.Discretization(num_bins=4)
    layer.adapt(np.random.RandomState(1).rand(50, 1).astype("float32"))
    inp = keras.Input((1,))
    return keras.Model(inp, layer(inp)), np.array([[0.1], [0.4], [0.9]], "float32")


def hashing(mode=None):
    inp = keras.Input((2,), dtype="string")
    return keras.Model(inp, L.Hashing(num_bins=5, salt=7)(inp)), np.array([["a", "b"], ["c", "zz"]])


STATEFUL = {
    "integer_lookup": (integer_lookup, "int"), "integer_lookup_multi_hot": (integer_lookup, "multi_hot"),
    "string_lookup": (string_lookup, "int"), "string_lookup_tf_idf": (string_lookup, "tf_idf"),
    "text_vectorization": (text_vectorization, "int"), "text_vectorization_tf_idf": (text_vectorization, "tf_idf"),
    "normalization": (normalization, None), "discretization": (discretization, None), "hashing": (hashing, None),
}


def fresh_like(name):
    """The same architecture, not adapted (for the weights-only formats; layers whose output size follows
    their vocabulary, one_hot/multi_hot/tf_idf, are rebuilt from their config instead)."""
    if name == "integer_lookup":
        inp = keras.Input((3,), dtype="int64")
        return keras.Model(inp, L.IntegerLookup()(inp))
    if name == "string_lookup":
        inp = keras.Input((3,), dtype="string")
        return keras.Model(inp, L.StringLookup()(inp))
    if name == "text_vectorization":
        inp = keras.Input((1,), dtype="string")
        return keras.Model(inp, L.TextVectorization(output_sequence_length=4)(inp))
    if name == "normalization":
        inp = keras.Input((3,))
        return keras.Model(inp, L.Normalization()(inp))
    raise KeyError(name)


WEIGHTS_ONLY = ["integer_lookup", "string_lookup", "text_vectorization", "normalization"]


def build_stateful(name):
    builder, mode = STATEFUL[name]
    return builder(mode)


@pytest.mark.parametrize("fmt", ["keras", "h5"])
@pytest.mark.parametrize("name", sorted(STATEFUL))
def test_preprocessing_state_survives_model_files(name, fmt, tmp_path):
    model, x = build_stateful(name)
    expected = model.predict(x, verbose=0)
    path = str(tmp_path / f"m.{fmt}")
    model.save(path)
    np.testing.assert_array_equal(keras.models.load_model(path).predict(x, verbose=0), expected)


@pytest.mark.parametrize("fmt", ["weights.h5", "h5"])
@pytest.mark.parametrize("name", WEIGHTS_ONLY)
def test_preprocessing_state_survives_weights_files(name, fmt, tmp_path):
    model, x = build_stateful(name)
    expected = model.predict(x, verbose=0)
    path = str(tmp_path / f"w.{fmt}")
    model.save_weights(path)
    loaded = fresh_like(name)
    loaded.load_weights(path)
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), expected)


def test_adapted_integer_lookup_predicts_the_same_after_a_keras_round_trip(tmp_path):
    """The case of the issue: [[1, 2, 5]]-like lookups used to come back as [[0, 0, 0]]."""
    model, x = integer_lookup()
    before = model.predict(x, verbose=0)
    assert before.max() > 0
    model.save(str(tmp_path / "m.keras"))
    assert "assets/layers/integer_lookup/vocabulary.txt" in zipfile.ZipFile(str(tmp_path / "m.keras")).namelist()
    np.testing.assert_array_equal(keras.models.load_model(str(tmp_path / "m.keras")).predict(x, verbose=0), before)


def test_weights_h5_keeps_assets_in_a_group_keras_ignores(tmp_path):
    model, _ = integer_lookup()
    model.save_weights(str(tmp_path / "w.weights.h5"))
    with h5py.File(str(tmp_path / "w.weights.h5"), "r") as f:
        data = f["__assets__/layers/integer_lookup/vocabulary.txt"][()]
        assert data.dtype == np.uint8
        assert bytes(data).decode().split("\n") == ["-1", "30", "20", "40", "10"]
