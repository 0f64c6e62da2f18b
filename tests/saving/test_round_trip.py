"""torchkeras -> file -> torchkeras, in every format: same predictions, same compiled and optimizer state,
and training resumed after loading continues exactly as if never interrupted."""
import json
import os

import h5py
import numpy as np
import pytest

import torchkeras as keras
from torchkeras import layers
from torchkeras.saving import h5_utils


def mlp():
    return keras.Sequential([keras.Input((4,)), layers.Dense(8, activation="relu"), layers.BatchNormalization(),
                             layers.Dense(3, activation="softmax")], name="mlp")


def functional():
    a = keras.Input((4,), name="a")
    b = keras.Input((2,), name="b")
    x = layers.Dense(5, activation="tanh", name="da")(a)
    x = layers.Concatenate(name="cat")([x, b])
    return keras.Model([a, b], layers.Dense(3, activation="softmax", name="o")(x), name="two_in")


def nested():
    inner = keras.Sequential([keras.Input((6,)), layers.Dense(5, name="idense"), layers.BatchNormalization(name="ibn")],
                             name="inner")
    fin = keras.Input((5,), name="fin")
    innerf = keras.Model(fin, layers.Dense(2, name="d2")(layers.Dense(3, name="d1")(fin)), name="innerf")
    innerf.get_layer("d1").trainable = False
    inp = keras.Input((6,), name="inp")
    out = layers.Dense(1, name="head")(innerf(inner(layers.Dense(6, name="pre")(inp))))
    return keras.Model(inp, out, name="nested")


def data(model, n=8):
    rng = np.random.RandomState(0)
    xs = [rng.rand(n, *t.shape[1:]).astype("float32") for t in model.inputs]
    return (xs[0] if len(xs) == 1 else xs), rng.randint(0, 3, size=(n,))


BUILDERS = {"mlp": mlp, "functional": functional, "nested": nested}


def compiled(builder):
    model = builder()
    loss = "mse" if builder is nested else "sparse_categorical_crossentropy"
    model.compile(keras.optimizers.Adam(0.02), loss, metrics=["accuracy"] if builder is not nested else None)
    return model


def train(model, steps=1):
    x, y = data(model)
    if model.name == "nested":
        y = y.astype("float32")
    for _ in range(steps):
        model.train_on_batch(x, y)


@pytest.mark.parametrize("ext", ["h5", "keras"])
@pytest.mark.parametrize("kind", list(BUILDERS))
def test_save_load_model_and_resume_training(kind, ext, tmp_path):
    model = compiled(BUILDERS[kind])
    train(model, 2)
    filepath = str(tmp_path / f"m.{ext}")
    model.save(filepath)
    loaded = keras.models.load_model(filepath)
    x, _ = data(model)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), atol=1e-6)
    assert loaded.compiled and type(loaded.optimizer) is type(model.optimizer)
    assert float(loaded.optimizer.learning_rate.numpy()) == pytest.approx(0.02)
    assert len(loaded.optimizer.variables) == len(model.optimizer.variables)
    for a, b in zip(loaded.optimizer.variables, model.optimizer.variables):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    train(model, 2)
    train(loaded, 2)
    for a, b in zip(loaded.get_weights(), model.get_weights()):
        np.testing.assert_allclose(a, b, atol=1e-6)


@pytest.mark.parametrize("ext", ["h5", "keras"])
def test_compile_false_and_uncompiled_models(ext, tmp_path):
    model = compiled(mlp)
    train(model)
    filepath = str(tmp_path / f"m.{ext}")
    model.save(filepath)
    assert not keras.models.load_model(filepath, compile=False).compiled
    plain = mlp()
    plain.save(filepath)
    assert not keras.saving.load_model(filepath).compiled


def test_h5_without_optimizer(tmp_path):
    model = compiled(mlp)
    train(model)
    filepath = str(tmp_path / "m.h5")
    keras.saving.save_model(model, filepath, include_optimizer=False)
    with h5py.File(filepath, "r") as f:
        assert "training_config" not in f.attrs and "optimizer_weights" not in f
    assert not keras.models.load_model(filepath).compiled


@pytest.mark.parametrize("name", ["w.weights.h5", "w.h5", "w.weights.json"])
@pytest.mark.parametrize("kind", list(BUILDERS))
def test_weights_round_trip(kind, name, tmp_path):
    model = compiled(BUILDERS[kind])
    train(model)
    filepath = str(tmp_path / name)
    if name.endswith(".json"):
        model.save_weights(filepath, max_shard_size=1e-7)  # ~100 bytes: several shards
        assert len([p for p in os.listdir(tmp_path) if p.endswith(".weights.h5")]) > 1
    else:
        model.save_weights(filepath)
    other = compiled(BUILDERS[kind])
    other.load_weights(filepath)
    x, _ = data(model)
    np.testing.assert_allclose(other.predict(x, verbose=0), model.predict(x, verbose=0), atol=1e-6)


def test_weights_h5_carries_optimizer_state(tmp_path):
    model = compiled(mlp)
    train(model, 2)
    model.save_weights(str(tmp_path / "w.weights.h5"))
    other = compiled(mlp)
    other.load_weights(str(tmp_path / "w.weights.h5"))
    for a, b in zip(other.optimizer.variables, model.optimizer.variables):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_keras_archive_weights_load_into_model(tmp_path):
    model = compiled(functional)
    train(model)
    model.save(str(tmp_path / "m.keras"))
    other = functional()
    other.load_weights(str(tmp_path / "m.keras"))
    x, _ = data(model)
    np.testing.assert_allclose(other.predict(x, verbose=0), model.predict(x, verbose=0), atol=1e-6)


def test_unzipped_keras_directory(tmp_path):
    model = compiled(mlp)
    train(model)
    directory = str(tmp_path / "model_dir")
    model.save(directory + ".keras", zipped=False)
    assert sorted(os.listdir(directory + ".keras")) == ["config.json", "metadata.json", "model.weights.h5"]
    loaded = keras.models.load_model(directory + ".keras")
    x, _ = data(model)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), atol=1e-6)


def test_legacy_weight_order_of_nested_models(tmp_path):
    """trainable weights first, then non-trainable ones, per nested model (frozen d1 goes last)."""
    model = nested()
    model.save_weights(str(tmp_path / "w.h5"))
    with h5py.File(tmp_path / "w.h5", "r") as f:
        inner = h5_utils.read_name_list(f["inner"], "weight_names")
        innerf = h5_utils.read_name_list(f["innerf"], "weight_names")
        assert h5_utils.read_name_list(f, "layer_names") == ["inp", "pre", "inner", "innerf", "head"]
    assert [n.split("/")[-2:] for n in inner] == [["idense", "kernel"], ["idense", "bias"], ["ibn", "gamma"],
                                                   ["ibn", "beta"], ["ibn", "moving_mean"],
                                                   ["ibn", "moving_variance"]]
    assert [n.split("/")[-2:] for n in innerf] == [["d2", "kernel"], ["d2", "bias"], ["d1", "kernel"],
                                                    ["d1", "bias"]]


def test_load_weights_by_name_and_skip_mismatch(tmp_path):
    source = keras.Sequential([keras.Input((4,)), layers.Dense(3, name="a"), layers.Dense(2, name="b")])
    source.save_weights(str(tmp_path / "w.h5"))
    target = keras.Sequential([keras.Input((4,)), layers.Dense(3, name="a"), layers.Dense(5, name="c"),
                               layers.Dense(2, name="b2")])
    before = [w.copy() for w in target.get_weights()]
    target.load_weights(str(tmp_path / "w.h5"), by_name=True)
    np.testing.assert_array_equal(target.get_layer("a").get_weights()[0], source.get_layer("a").get_weights()[0])
    np.testing.assert_array_equal(target.get_layer("c").get_weights()[0], before[2])
    renamed = keras.Sequential([keras.Input((4,)), layers.Dense(3, name="a"), layers.Dense(4, name="b")])
    with pytest.raises(ValueError, match="Shape mismatch"):
        renamed.load_weights(str(tmp_path / "w.h5"), by_name=True)
    with pytest.warns(UserWarning, match="Skipping loading"):
        renamed.load_weights(str(tmp_path / "w.h5"), by_name=True, skip_mismatch=True)
    np.testing.assert_array_equal(renamed.get_layer("a").get_weights()[0], source.get_layer("a").get_weights()[0])


def test_long_layer_name_lists_are_chunked(tmp_path):
    names = [f"layer_with_a_rather_long_name_{i:05d}" for i in range(2000)]
    with h5py.File(tmp_path / "c.h5", "w") as f:
        h5_utils.write_name_list(f, "layer_names", names)
        assert "layer_names" not in f.attrs and "layer_names0" in f.attrs and "layer_names1" in f.attrs
        assert h5_utils.read_name_list(f, "layer_names") == names
        h5_utils.write_name_list(f, "weight_names", [])
        assert f.attrs["weight_names"].dtype == np.float64
        assert h5_utils.read_name_list(f, "weight_names") == []


def test_json_yaml_and_custom_objects(tmp_path):
    @keras.saving.register_keras_serializable(package="Tests")
    class Scale(layers.Layer):
        def __init__(self, factor=2.0, **kwargs):
            super().__init__(**kwargs)
            self.factor = factor

        def build(self, input_shape):
            self.w = self.add_weight(shape=(input_shape[-1],), initializer="ones", name="w")

        def call(self, x):
            return x * self.w * self.factor

        def get_config(self):
            return {**super().get_config(), "factor": self.factor}

    inp = keras.Input((3,))
    model = keras.Model(inp, Scale(3.0, name="scale")(layers.Dense(3)(inp)))
    x = np.random.RandomState(0).rand(4, 3).astype("float32")
    rebuilt = keras.models.model_from_json(model.to_json())
    assert isinstance(rebuilt.get_layer("scale"), Scale) and rebuilt.get_layer("scale").factor == 3.0
    model.save(str(tmp_path / "m.keras"))
    model.save(str(tmp_path / "m.h5"))
    for name in ("m.keras", "m.h5"):
        loaded = keras.models.load_model(str(tmp_path / name))
        np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), atol=1e-6)


def test_yaml_config_round_trip():
    pytest.importorskip("yaml")
    inp = keras.Input((3,))
    model = keras.Model(inp, layers.Dense(2, name="d")(inp))
    rebuilt = keras.models.model_from_yaml(model.to_yaml())
    assert rebuilt.get_layer("d").units == 2


def test_custom_objects_argument_and_scope(tmp_path):
    class Doubler(layers.Layer):
        def call(self, x):
            return 2 * x

    inp = keras.Input((3,))
    model = keras.Model(inp, Doubler(name="dbl")(inp))
    model.save(str(tmp_path / "m.keras"))
    with pytest.raises(TypeError, match="Doubler"):
        keras.models.load_model(str(tmp_path / "m.keras"))
    loaded = keras.models.load_model(str(tmp_path / "m.keras"), custom_objects={"Doubler": Doubler})
    assert isinstance(loaded.get_layer("dbl"), Doubler)
    with keras.saving.custom_object_scope({"Doubler": Doubler}):
        assert isinstance(keras.models.load_model(str(tmp_path / "m.keras")).get_layer("dbl"), Doubler)


def test_keras_archive_members_and_config(tmp_path):
    import zipfile

    model = compiled(functional)
    train(model)
    model.save(str(tmp_path / "m.keras"))
    with zipfile.ZipFile(tmp_path / "m.keras") as archive:
        assert [i.filename for i in archive.infolist()] == ["metadata.json", "config.json", "model.weights.h5"]
        assert all(i.compress_type == zipfile.ZIP_STORED for i in archive.infolist())
        config = json.loads(archive.read("config.json"))
    assert (config["module"], config["class_name"], config["registered_name"]) == (
        "keras.src.models.functional", "Functional", "Functional")
    optimizer = config["compile_config"]["optimizer"]
    assert (optimizer["module"], optimizer["class_name"]) == ("keras.optimizers", "Adam")
