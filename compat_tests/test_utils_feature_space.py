"""`FeatureSpace` beside real Keras 3 (torch backend). Keras's FeatureSpace runs its `adapt` and `__call__`
through TensorFlow; without TensorFlow installed, what can be compared is the config, the `.keras` files both
ways, and the encoding graph (`get_inputs()` -> `get_encoded_features()`) that Keras runs on torch."""
import json
import zipfile

import keras
import numpy as np
import pytest
import torch

import torchkeras

pytestmark = pytest.mark.filterwarnings("ignore")

RNG = np.random.default_rng(0)
DATA = {"n": (RNG.normal(size=50) * 2 + 3).astype("float32"), "d": RNG.uniform(size=50).astype("float32"),
        "f": RNG.normal(size=50).astype("float32"), "r": RNG.normal(size=50).astype("float32")}


def _features(module):
    fs = module.utils.FeatureSpace
    return {"n": "float_normalized", "d": fs.float_discretized(num_bins=4, name="d"), "f": "float",
            "r": fs.float_rescaled(scale=0.5, offset=2.0, name="r")}


def _strip_names(config):
    if isinstance(config, dict):
        return {k: _strip_names(v) for k, v in config.items() if k != "name"}
    if isinstance(config, list):
        return [_strip_names(v) for v in config]
    return config


def test_config_matches_keras():
    ours = torchkeras.saving.serialize_keras_object(torchkeras.utils.FeatureSpace(_features(torchkeras)))
    theirs = keras.saving.serialize_keras_object(keras.utils.FeatureSpace(_features(keras)))
    ours.pop("build_config", None), theirs.pop("build_config", None)
    # Compared as the JSON written to `config.json` (tuples and lists are the same there).
    assert json.loads(json.dumps(_strip_names(ours))) == json.loads(json.dumps(_strip_names(theirs)))
    assert ours["config"]["features"]["n"]["config"]["preprocessor"]["config"]["name"] == "n_preprocessor"
    cross = torchkeras.utils.FeatureSpace.cross(("a", "b"), crossing_dim=8)
    assert json.dumps(torchkeras.saving.serialize_keras_object(cross)) == json.dumps(
        keras.saving.serialize_keras_object(keras.utils.FeatureSpace.cross(("a", "b"), crossing_dim=8)))


def _keras_encoder(feature_space):
    inputs = feature_space.get_inputs()
    return keras.Model(inputs, feature_space.get_encoded_features())


def test_torchkeras_file_loads_in_keras_and_encodes_the_same(tmp_path):
    fs = torchkeras.utils.FeatureSpace(_features(torchkeras))
    fs.adapt(DATA)
    ours = fs(DATA)
    path = str(tmp_path / "fs.keras")
    fs.save(path)
    loaded = keras.saving.load_model(path)
    assert isinstance(loaded, keras.utils.FeatureSpace)
    np.testing.assert_allclose(np.asarray(loaded.preprocessors["n"].mean), fs.preprocessors["n"].mean.numpy()
                               if isinstance(fs.preprocessors["n"].mean, torch.Tensor)
                               else np.asarray(fs.preprocessors["n"].mean), rtol=1e-6)
    assert loaded.preprocessors["d"].bin_boundaries == fs.preprocessors["d"].bin_boundaries
    theirs = _keras_encoder(loaded)({k: torch.tensor(v[:, None]) for k, v in DATA.items()})
    np.testing.assert_allclose(ours.numpy(), theirs.detach().cpu().numpy(), rtol=1e-5, atol=1e-5)


def test_keras_file_loads_in_torchkeras(tmp_path):
    features = {"f": "float", "r": keras.utils.FeatureSpace.float_rescaled(scale=3.0, name="r")}
    k_space = keras.utils.FeatureSpace(features, output_mode="concat")
    path = str(tmp_path / "k.keras")
    k_space.save(path)
    with zipfile.ZipFile(path) as archive:
        assert json.loads(archive.read("config.json"))["class_name"] == "FeatureSpace"
    loaded = torchkeras.saving.load_model(path)
    assert isinstance(loaded, torchkeras.utils.FeatureSpace)
    data = {"f": DATA["f"], "r": DATA["r"]}
    theirs = _keras_encoder(k_space)({k: torch.tensor(v[:, None]) for k, v in data.items()})
    np.testing.assert_allclose(loaded(data).numpy(), theirs.detach().cpu().numpy(), rtol=1e-6, atol=1e-6)


def test_normalization_statistics_match_keras_adapt_on_batches():
    # Keras adapts a Normalization preprocessor on batches of 32 scalars; so does torchkeras.
    fs = torchkeras.utils.FeatureSpace({"n": "float_normalized"})
    fs.adapt({"n": DATA["n"]})
    reference = keras.layers.Normalization(axis=-1)
    reference.adapt(DATA["n"][:, None])
    np.testing.assert_allclose(fs.preprocessors["n"].mean.reshape(-1), np.asarray(reference.mean).reshape(-1),
                               rtol=1e-5)
    np.testing.assert_allclose(fs.preprocessors["n"].variance.reshape(-1),
                               np.asarray(reference.variance).reshape(-1), rtol=1e-4)
