"""Behaviours the keras.io guides showed, side by side with real Keras 3: how custom objects are named in
configs, the automatic `get_config()` of layers and models that do not write one, and what `fit` says about
torch DataLoaders, endless PyDatasets and tf.data Datasets (shuffle warnings, `class_weight`)."""
import warnings

import numpy as np
import pytest
import torch

import keras

import torchkeras

LIBS = {"torchkeras": torchkeras, "keras": keras}


def both(build):
    return build(torchkeras), build(keras)


# --- how custom objects are named in configs -----------------------------------------------------------------


def _script_objects(lib, package):
    class ScriptLayer(lib.layers.Layer):
        pass

    @lib.saving.register_keras_serializable(package=package)
    class RegisteredLayer(lib.layers.Layer):
        pass

    def script_fn(x):
        return x

    @lib.saving.register_keras_serializable(package=package)
    def registered_fn(x):
        return x

    for obj in (ScriptLayer, RegisteredLayer, script_fn, registered_fn):
        obj.__module__ = "__main__"  # as if defined in the script being run (a guide)
    return ScriptLayer, RegisteredLayer, script_fn, registered_fn


@pytest.mark.parametrize("which", range(4))
def test_objects_of_the_running_script_are_named_as_keras_names_them(which):
    ours, theirs = both(lambda lib: _script_objects(lib, f"guides_{lib.__name__}")[which])
    s_ours, s_theirs = torchkeras.saving.serialize_keras_object, keras.saving.serialize_keras_object
    if which < 2:
        a, b = s_ours(ours(name="x")), s_theirs(theirs(name="x"))
    else:
        a, b = s_ours(ours), s_theirs(theirs)
    for key in ("module", "class_name"):
        assert a[key] == b[key], key
    assert a["registered_name"] == b["registered_name"].replace("keras", "torchkeras")


def test_function_of_a_module_is_named_as_keras_names_it():
    import json  # any importable module's function

    def fn(x):
        return x

    fn.__module__ = json.__name__
    a = torchkeras.saving.serialize_keras_object(fn)
    b = keras.saving.serialize_keras_object(fn)
    assert a == b


def test_script_layer_round_trips_through_its_config():
    ScriptLayer, _, script_fn, _ = _script_objects(torchkeras, "guides_round_trip")
    dense = torchkeras.layers.Dense(2, activation=script_fn)
    config = torchkeras.saving.serialize_keras_object(dense)
    restored = torchkeras.saving.deserialize_keras_object(config, custom_objects={"script_fn": script_fn})
    assert restored.activation is script_fn
    config = torchkeras.saving.serialize_keras_object(ScriptLayer(name="s"))
    restored = torchkeras.saving.deserialize_keras_object(config, custom_objects={"ScriptLayer": ScriptLayer})
    assert type(restored) is ScriptLayer and restored.name == "s"


# --- automatic get_config() -------------------------------------------------------------------------------------


def _auto_config_classes(lib):
    class WithDefaults(lib.layers.Layer):
        def __init__(self, units=32, activation="relu", sizes=(1, 2), table={"a": [1, 2]}, **kwargs):
            super().__init__(**kwargs)
            self.units = units

    class NoName(lib.layers.Layer):
        def __init__(self, units):
            super().__init__()
            self.units = units

    class NoInit(lib.layers.Layer):
        pass

    class SubclassedModel(lib.Model):
        def __init__(self, units=3, **kwargs):
            super().__init__(**kwargs)
            self.dense = lib.layers.Dense(units)

        def call(self, x):
            return self.dense(x)

    return {
        "defaults": lambda: WithDefaults(5, name="w"),
        "regularized": lambda: WithDefaults(units=4, activity_regularizer="l2", name="r"),
        "no_name": lambda: NoName(3),
        "no_init": lambda: NoInit(name="n", dtype="float16"),
        "no_init_trainable": lambda: NoInit(name="t", trainable=False, autocast=False),
        # (Keras records a subclassed model's defaults only: it drops the arguments passed, which we keep)
        "model_defaults": lambda: SubclassedModel(name="m"),
    }


@pytest.mark.parametrize("case", sorted(_auto_config_classes(torchkeras)))
def test_automatic_config_is_keras_config(case):
    ours = _auto_config_classes(torchkeras)[case]().get_config()
    theirs = _auto_config_classes(keras)[case]().get_config()
    assert ours == theirs
    assert list(ours) == list(theirs)  # the same key order, so the JSON text is the same


def test_automatic_config_rebuilds_the_layer():
    make = _auto_config_classes(torchkeras)["defaults"]
    layer = make()
    clone = type(layer).from_config(layer.get_config())
    assert clone.units == 5 and clone.name == "w"


def test_automatic_config_leaves_out_defaults_that_are_not_plain_values():
    class WithObjectDefault(torchkeras.layers.Layer):
        def __init__(self, units=2, initializer=torchkeras.initializers.Zeros(), **kwargs):
            super().__init__(**kwargs)

    config = WithObjectDefault().get_config()
    assert config["units"] == 2 and "initializer" not in config
    assert type(WithObjectDefault.from_config(config)) is WithObjectDefault


# --- fit() on loaders and datasets ----------------------------------------------------------------------------


def _model(lib):
    model = lib.Sequential([lib.Input((3,)), lib.layers.Dense(2, kernel_initializer="ones")])
    model.compile(lib.optimizers.SGD(0.0), lib.losses.SparseCategoricalCrossentropy(from_logits=True))
    return model


def _fit_warnings(model, data, **kwargs):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(data, epochs=1, verbose=0, **kwargs)
    return sorted(str(w.message) for w in caught if "shuffle" in str(w.message))


def _loader():
    g = torch.Generator().manual_seed(0)
    data = torch.utils.data.TensorDataset(torch.rand(8, 3, generator=g), torch.randint(0, 2, (8,), generator=g))
    return torch.utils.data.DataLoader(data, batch_size=4)


@pytest.mark.parametrize("shuffle", [True, False])
def test_dataloader_shuffle_warning_is_keras_warning(shuffle):
    ours = _fit_warnings(_model(torchkeras), _loader(), shuffle=shuffle)
    theirs = _fit_warnings(_model(keras), _loader(), shuffle=shuffle)
    assert ours == theirs
    assert bool(ours) == shuffle


def test_dataloader_rejects_class_weight_as_keras_does():
    messages = []
    for lib in LIBS.values():
        with pytest.raises(ValueError, match="class_weight") as info:
            _model(lib).fit(_loader(), class_weight={0: 1.0, 1: 2.0}, verbose=0)
        messages.append(str(info.value))
    assert messages[0] == messages[1]


def test_endless_pydataset_shuffle_warning_is_keras_warning():
    def endless(lib):
        class Endless(lib.utils.PyDataset):
            def __getitem__(self, index):
                return np.ones((2, 3), "float32"), np.zeros((2,), "int64")

            @property
            def num_batches(self):
                return None

        return Endless()

    ours = _fit_warnings(_model(torchkeras), endless(torchkeras), steps_per_epoch=2)
    theirs = _fit_warnings(_model(keras), endless(keras), steps_per_epoch=2)
    assert ours == theirs and len(ours) == 1


def test_tf_dataset_trains_like_keras():
    tf = pytest.importorskip("tensorflow")
    rng = np.random.default_rng(0)
    x = rng.random((64, 3), dtype=np.float32)
    y = rng.integers(0, 2, (64, 1))
    results = {}
    for name, lib in LIBS.items():
        model = _model(lib)
        dataset = tf.data.Dataset.from_tensor_slices((x, y)).batch(64)
        shuffle_warnings = _fit_warnings(model, dataset)
        history = model.fit(dataset, class_weight={0: 1.0, 1: 3.0}, verbose=0)
        results[name] = (shuffle_warnings, history.history["loss"][0], model.predict(dataset, verbose=0))
    assert results["torchkeras"][0] == results["keras"][0] and results["keras"][0]
    np.testing.assert_allclose(results["torchkeras"][1], results["keras"][1], rtol=1e-5)
    np.testing.assert_allclose(results["torchkeras"][2], results["keras"][2], rtol=1e-5, atol=1e-6)
