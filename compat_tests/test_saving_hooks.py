"""Objects' own saving hooks, between torchkeras and real Keras 3, both ways: a custom layer that overrides
`save_own_variables`/`load_own_variables` or `save_assets`/`load_assets` (`.keras`, `.weights.h5`), and the
preprocessing layers with adapted state (`.keras`, `.weights.h5`, legacy `.h5`). Keras's IntegerLookup,
StringLookup and TextVectorization need TensorFlow: those directions are skipped without it."""
import json
import os
import warnings

import numpy as np
import pytest

import keras

import torchkeras

LIBS = {"torchkeras": torchkeras, "keras": keras}
DIRECTIONS = [("torchkeras", "keras"), ("keras", "torchkeras")]


def make_custom_classes(lib):
    @lib.saving.register_keras_serializable("hooks_compat")
    class Doubled(lib.layers.Layer):
        def __init__(self, units=3, **kwargs):
            super().__init__(**kwargs)
            self.units = units
            self.step = 0

        def build(self, input_shape):
            self.kernel = self.add_weight(shape=(input_shape[-1], self.units), initializer="random_normal")

        def call(self, x):
            return lib.ops.matmul(x, self.kernel)

        def get_config(self):
            return {**super().get_config(), "units": self.units}

        def save_own_variables(self, store):
            store["kernel_times_two"] = np.asarray(self.kernel.numpy()) * 2
            store["step"] = np.array(self.step)

        def load_own_variables(self, store):
            self.kernel.assign(np.asarray(store["kernel_times_two"]) / 2)
            self.step = int(np.asarray(store["step"]))

    @lib.saving.register_keras_serializable("hooks_compat")
    class WithAssets(lib.layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.table = {}

        def call(self, x):
            return x + float(sum(self.table.values()))

        def save_assets(self, dir_path):
            with open(os.path.join(dir_path, "table.json"), "w") as f:
                json.dump(self.table, f)

        def load_assets(self, dir_path):
            with open(os.path.join(dir_path, "table.json")) as f:
                self.table = json.load(f)

    return {"Doubled": Doubled, "WithAssets": WithAssets}


CLASSES = {name: make_custom_classes(lib) for name, lib in LIBS.items()}
X = np.random.RandomState(0).rand(3, 4).astype("float32")


def custom_model(lib_name, cls_name):
    lib = LIBS[lib_name]
    inp = lib.Input((4,), name="inp")
    x = lib.layers.Dense(4, name="pre")(inp)
    x = CLASSES[lib_name][cls_name](name="custom")(x)
    return lib.Model(inp, lib.layers.Dense(2, name="post")(x), name="m")


def _quiet():
    context = warnings.catch_warnings()
    context.__enter__()
    warnings.simplefilter("ignore")
    return context


@pytest.mark.parametrize("fmt", ["keras", "weights.h5"])
@pytest.mark.parametrize("source,target", DIRECTIONS)
def test_custom_variable_hooks_both_ways(source, target, fmt, tmp_path):
    model = custom_model(source, "Doubled")
    model.get_layer("custom").step = 7
    expected = np.asarray(model.predict(X, verbose=0))
    path = str(tmp_path / f"m.{fmt}")
    context = _quiet()
    try:
        if fmt == "keras":
            model.save(path)
            loaded = LIBS[target].models.load_model(path)
        else:
            model.save_weights(path)
            loaded = custom_model(target, "Doubled")
            loaded.load_weights(path)
    finally:
        context.__exit__(None, None, None)
    assert loaded.get_layer("custom").step == 7
    np.testing.assert_allclose(np.asarray(loaded.predict(X, verbose=0)), expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("source,target", DIRECTIONS)
def test_custom_asset_hooks_both_ways(source, target, tmp_path):
    model = custom_model(source, "WithAssets")
    model.get_layer("custom").table = {"a": 1.5, "b": -0.25}
    expected = np.asarray(model.predict(X, verbose=0))
    model.save(str(tmp_path / "m.keras"))
    loaded = LIBS[target].models.load_model(str(tmp_path / "m.keras"))
    assert loaded.get_layer("custom").table == {"a": 1.5, "b": -0.25}
    np.testing.assert_allclose(np.asarray(loaded.predict(X, verbose=0)), expected, rtol=1e-5, atol=1e-6)


# --- preprocessing layers with adapted state ----------------------------------------------------------------


def normalization(lib):
    layer = lib.layers.Normalization(name="norm")
    layer.adapt(np.random.RandomState(1).rand(20, 3).astype("float32") * 4)
    inp = lib.Input((3,))
    return lib.Model(inp, layer(inp)), np.random.RandomState(2).rand(2, 3).astype("float32")


def discretization(lib):
    if lib is keras:  # Keras's adapt needs TensorFlow; its result is the same config: the bin boundaries
        layer = lib.layers.Discretization(bin_boundaries=[0.25, 0.5, 0.75], name="disc")
    else:
        layer = lib.layers.Discretization(num_bins=4, name="disc")
        layer.adapt(np.random.RandomState(1).rand(50, 1).astype("float32"))
    inp = lib.Input((1,))
    return lib.Model(inp, layer(inp)), np.array([[0.1], [0.4], [0.9]], "float32")


def integer_lookup(lib):
    layer = lib.layers.IntegerLookup(name="lookup")
    layer.adapt(np.array([[10, 20, 20, 30, 30, 30, 40]]))
    inp = lib.Input((3,), dtype="int64")
    return lib.Model(inp, layer(inp)), np.array([[30, 20, 7], [40, 10, 30]])


def string_lookup(lib):
    layer = lib.layers.StringLookup(name="lookup")
    layer.adapt(np.array([["a", "b", "b", "c", "c", "c"]]))
    inp = lib.Input((3,), dtype="string")
    return lib.Model(inp, layer(inp)), np.array([["c", "b", "zz"], ["a", "a", "c"]])


def text_vectorization(lib):
    layer = lib.layers.TextVectorization(output_sequence_length=4, name="tv")
    layer.adapt(["the cat sat", "the dog ran", "a cat"])
    inp = lib.Input((1,), dtype="string")
    return lib.Model(inp, layer(inp)), np.array([["the cat ran"], ["a dog"]])


NEEDS_TF = {"integer_lookup", "string_lookup", "text_vectorization"}
STATEFUL = {"normalization": normalization, "discretization": discretization, "integer_lookup": integer_lookup,
            "string_lookup": string_lookup, "text_vectorization": text_vectorization}


@pytest.mark.parametrize("fmt", ["keras", "h5"])
@pytest.mark.parametrize("name", sorted(STATEFUL))
@pytest.mark.parametrize("source,target", DIRECTIONS)
def test_adapted_preprocessing_model_files_both_ways(source, target, name, fmt, tmp_path):
    if name in NEEDS_TF:
        pytest.importorskip("tensorflow", reason=f"Keras's {name} layer needs TensorFlow")
    model, x = STATEFUL[name](LIBS[source])
    expected = np.asarray(model.predict(x, verbose=0))
    path = str(tmp_path / f"m.{fmt}")
    context = _quiet()
    try:
        model.save(path)
        loaded = LIBS[target].models.load_model(path)
    finally:
        context.__exit__(None, None, None)
    np.testing.assert_allclose(np.asarray(loaded.predict(x, verbose=0)), expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("source,target", DIRECTIONS)
def test_adapted_normalization_weights_both_ways(source, target, tmp_path):
    model, x = normalization(LIBS[source])
    expected = np.asarray(model.predict(x, verbose=0))
    model.save_weights(str(tmp_path / "w.weights.h5"))
    lib = LIBS[target]
    inp = lib.Input((3,))
    fresh = lib.Model(inp, lib.layers.Normalization(name="norm")(inp))
    fresh.load_weights(str(tmp_path / "w.weights.h5"))
    np.testing.assert_allclose(np.asarray(fresh.predict(x, verbose=0)), expected, rtol=1e-5, atol=1e-6)


def test_keras_archive_of_an_adapted_lookup_has_keras_layout(tmp_path):
    """Without TensorFlow, Keras can't build the layer: check the file is laid out as Keras's saving library
    and IndexLookup.save_assets write it (the vocabulary, special tokens first, as an asset)."""
    import zipfile

    model, _ = integer_lookup(torchkeras)
    model.save(str(tmp_path / "m.keras"))
    archive = zipfile.ZipFile(str(tmp_path / "m.keras"))
    assert archive.namelist()[:3] == ["metadata.json", "config.json", "model.weights.h5"]
    vocabulary = archive.read("assets/layers/integer_lookup/vocabulary.txt").decode().split("\n")
    assert vocabulary == ["-1", "30", "20", "40", "10"]
    config = json.loads(archive.read("config.json"))
    lookup = next(entry for entry in config["config"]["layers"] if entry["class_name"] == "IntegerLookup")
    assert lookup["config"]["vocabulary"] is None
