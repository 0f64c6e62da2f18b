"""Loading that fails does so with a clear error and leaves the model untouched; saving that fails leaves
the previous file intact; code in a file (Lambda layers) only runs with `safe_mode=False`."""
import os

import numpy as np
import pytest

import torchkeras as keras
from torchkeras import layers


def mlp(units=3):
    return keras.Sequential([keras.Input((4,)), layers.Dense(units, name="hidden"), layers.Dense(2, name="out")],
                            name="mlp")


X = np.random.RandomState(0).rand(5, 4).astype("float32")


def snapshot(model):
    return [w.copy() for w in model.get_weights()]


def assert_unchanged(model, before):
    for a, b in zip(model.get_weights(), before):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("name", ["m.h5", "m.keras", "w.weights.h5", "w.h5"])
def test_truncated_file(name, tmp_path):
    model = mlp()
    path = str(tmp_path / name)
    if "w" in name.split(".")[0]:
        model.save_weights(path)
    else:
        model.save(path)
    data = open(path, "rb").read()
    with open(path, "wb") as f:
        f.write(data[: len(data) // 2])
    target = mlp()
    before = snapshot(target)
    with pytest.raises(ValueError, match="truncated|corrupted|not a valid"):
        if "w" in name.split(".")[0]:
            target.load_weights(path)
        else:
            keras.models.load_model(path)
    assert_unchanged(target, before)


@pytest.mark.parametrize("name", ["m.h5", "m.keras"])
def test_not_a_keras_file(name, tmp_path):
    path = tmp_path / name
    path.write_text("this is not a model")
    with pytest.raises(ValueError, match="not a valid"):
        keras.models.load_model(str(path))


def test_missing_file(tmp_path):
    with pytest.raises((FileNotFoundError, ValueError), match="(?i)no file|not found"):
        keras.models.load_model(str(tmp_path / "absent.keras"))
    with pytest.raises(FileNotFoundError):
        mlp().load_weights(str(tmp_path / "absent.h5"))


def test_wrong_model_legacy_weights(tmp_path):
    mlp().save_weights(str(tmp_path / "w.h5"))
    other = keras.Sequential([keras.Input((4,)), layers.Dense(3), layers.Dense(3), layers.Dense(2)])
    before = snapshot(other)
    with pytest.raises(ValueError, match="Layer count mismatch.*expected 3 layers, found 2"):
        other.load_weights(str(tmp_path / "w.h5"))
    assert_unchanged(other, before)


def test_wrong_shapes_name_the_layer_and_shapes(tmp_path):
    mlp(units=3).save_weights(str(tmp_path / "w.h5"))
    mlp(units=3).save_weights(str(tmp_path / "w.weights.h5"))
    other = mlp(units=5)
    before = snapshot(other)
    with pytest.raises(ValueError, match=r"hidden.*\(4, 5\).*\(4, 3\)"):
        other.load_weights(str(tmp_path / "w.h5"))
    assert_unchanged(other, before)
    with pytest.raises(ValueError, match=r"hidden.*expected shape \(4, 5\), received \(4, 3\)"):
        other.load_weights(str(tmp_path / "w.weights.h5"))
    assert_unchanged(other, before)


def test_failed_load_changes_no_weight_even_if_early_layers_fit(tmp_path):
    """The first layer fits, the second does not: nothing is assigned."""
    source = keras.Sequential([keras.Input((4,)), layers.Dense(3), layers.Dense(2)])
    source.save_weights(str(tmp_path / "w.weights.h5"))
    target = keras.Sequential([keras.Input((4,)), layers.Dense(3), layers.Dense(6)])
    before = snapshot(target)
    with pytest.raises(ValueError):
        target.load_weights(str(tmp_path / "w.weights.h5"))
    assert_unchanged(target, before)


def test_weights_file_given_to_load_model(tmp_path):
    model = mlp()
    model.save_weights(str(tmp_path / "w.h5"))
    model.save_weights(str(tmp_path / "w.weights.h5"))
    with pytest.raises(ValueError, match="weights only"):
        keras.models.load_model(str(tmp_path / "w.h5"))
    with pytest.raises(ValueError, match="weights only"):
        keras.models.load_model(str(tmp_path / "w.weights.h5"))


def test_bad_names_and_arguments(tmp_path):
    model = mlp()
    with pytest.raises(ValueError, match="Invalid filepath extension"):
        model.save(str(tmp_path / "model.bin"))
    with pytest.raises(ValueError, match=r"must end in `\.weights\.h5`"):
        model.save_weights(str(tmp_path / "w.bin"))
    model.save_weights(str(tmp_path / "w.weights.h5"))
    with pytest.raises(ValueError, match="by_name"):
        model.load_weights(str(tmp_path / "w.weights.h5"), by_name=True)


def lambda_model():
    inp = keras.Input((4,))
    return keras.Model(inp, layers.Lambda(lambda t: t * 3.0 + 1.0, name="lam")(inp))


@pytest.mark.parametrize("name", ["m.keras", "m.h5"])
def test_lambda_needs_safe_mode_false(name, tmp_path):
    model = lambda_model()
    path = str(tmp_path / name)
    model.save(path)
    with pytest.raises(ValueError, match="safe_mode=False"):
        keras.models.load_model(path)
    loaded = keras.models.load_model(path, safe_mode=False)
    np.testing.assert_allclose(loaded.predict(X, verbose=0), X * 3.0 + 1.0, rtol=1e-6)
    with pytest.raises(ValueError, match="safe_mode=False"):  # the opt-in does not leak to later loads
        keras.models.load_model(path)


@pytest.mark.parametrize("target,module,function", [
    ("m.h5", "legacy_weights", "write_weights_subset"),
    ("m.keras", "weights_h5", "write_model"),
    ("w.weights.h5", "weights_h5", "write_model"),
    ("w.h5", "legacy_weights", "write_weights_subset"),
])
def test_crash_mid_save_keeps_previous_file(target, module, function, tmp_path, monkeypatch):
    import importlib

    path = str(tmp_path / target)
    weights_only = target.startswith("w")
    good = mlp()
    (good.save_weights if weights_only else good.save)(path)
    original_bytes = open(path, "rb").read()

    lib = importlib.import_module(f"torchkeras.saving.{module}")
    real = getattr(lib, function)
    calls = []

    def crash_halfway(*args, **kwargs):
        calls.append(1)
        if len(calls) > 1 or function == "write_model":
            if function == "write_model":
                real(*args, **kwargs)
            raise RuntimeError("simulated crash during save")
        return real(*args, **kwargs)

    monkeypatch.setattr(lib, function, crash_halfway)
    changed = mlp()
    with pytest.raises(RuntimeError, match="simulated crash"):
        (changed.save_weights if weights_only else changed.save)(path)
    monkeypatch.undo()
    assert open(path, "rb").read() == original_bytes
    assert [p for p in os.listdir(tmp_path) if p.endswith(".tmp")] == []
    if weights_only:
        fresh = mlp()
        fresh.load_weights(path)
        restored = fresh
    else:
        restored = keras.models.load_model(path)
    np.testing.assert_allclose(restored.predict(X, verbose=0), good.predict(X, verbose=0), atol=1e-6)


def test_optimizer_state_mismatch_warns_and_keeps_fresh_state(tmp_path):
    model = mlp()
    model.compile(keras.optimizers.Adam(), "mse")
    model.train_on_batch(X, np.zeros((5, 2), "float32"))
    model.save_weights(str(tmp_path / "w.weights.h5"))
    other = mlp()
    other.compile(keras.optimizers.SGD(momentum=0.9), "mse")
    with pytest.warns(UserWarning, match="Skipping variable loading for optimizer"):
        other.load_weights(str(tmp_path / "w.weights.h5"))
    np.testing.assert_allclose(other.predict(X, verbose=0), model.predict(X, verbose=0), atol=1e-6)
