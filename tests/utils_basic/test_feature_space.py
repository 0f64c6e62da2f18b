"""`keras.utils.FeatureSpace`: every feature type, crosses, concat and dict outputs, adapt on dicts and on
iterables of batches (PyDataset, DataLoader, generators), unbatched calls, the functional API, errors,
config and saving."""
import numpy as np
import pytest
import torch

import torchkeras
from torchkeras.utils import FeatureSpace

RAW = {
    "float_values": [0.0, 0.1, 0.2, 0.3],
    "string_values": ["zero", "one", "two", "three"],
    "int_values": [0, 1, 2, 3],
}


def _space(output_mode="concat", crosses=(("string_values", "int_values"),)):
    return FeatureSpace(features={"float_values": "float_normalized", "string_values": "string_categorical",
                                  "int_values": "integer_categorical"},
                        crosses=list(crosses), output_mode=output_mode)


def test_concat_layout_matches_keras_encoding():
    fs = _space()
    fs.adapt(RAW)
    out = fs(RAW)
    assert out.dtype == torch.float32
    # float_values (1) + int_values one-hot (4 + OOV) + string_values one-hot (4 + OOV) + cross (32).
    assert tuple(out.shape) == (4, 1 + 5 + 5 + 32)
    x = np.array(RAW["float_values"], "float32")
    np.testing.assert_allclose(out[:, 0].numpy(), (x - x.mean()) / np.sqrt(x.var()), rtol=1e-5, atol=1e-5)
    int_lookup = fs.preprocessors["int_values"]
    string_lookup = fs.preprocessors["string_values"]
    for row, (s, i) in enumerate(zip(RAW["string_values"], RAW["int_values"])):
        assert out[row, 1 + int(int_lookup(torch.tensor([i]))[0])] == 1  # sorted names: float, int, string
        assert out[row, 6 + int(string_lookup(np.array([s]))[0])] == 1
        assert out[row, 11:].sum() == 1  # one crossed bin
    assert tuple(fs.get_encoded_features().shape) == (None, 43)
    assert set(fs.get_inputs()) == set(RAW)


def test_dict_output_with_int_features_and_cross():
    fs = FeatureSpace(
        features={"string_values": FeatureSpace.string_categorical(output_mode="int"),
                  "int_values": FeatureSpace.integer_categorical(output_mode="int")},
        crosses=[FeatureSpace.cross(feature_names=("string_values", "int_values"), crossing_dim=8,
                                    output_mode="int")],
        output_mode="dict")
    fs.adapt(RAW)  # extra features in the data are ignored by adapt
    with pytest.raises(ValueError, match="unknown features \\['float_values'\\]"):
        fs(RAW)
    out = fs({k: RAW[k] for k in ("string_values", "int_values")})
    assert sorted(out) == ["int_values", "string_values", "string_values_X_int_values"]
    assert all(v.dtype == torch.int64 and tuple(v.shape) == (4, 1) for v in out.values())
    # The cross hashes the preprocessed (looked-up) values, as Keras does.
    expected = torchkeras.layers.HashedCrossing(8)((out["string_values"], out["int_values"]))
    torch.testing.assert_close(out["string_values_X_int_values"], expected)
    assert int(out["string_values_X_int_values"].max()) < 8


def test_all_builtin_feature_types():
    rng = np.random.default_rng(0)
    data = {"f": rng.normal(size=64).astype("float32"), "r": rng.normal(size=64), "n": rng.normal(size=64) * 3 + 1,
            "d": rng.uniform(size=64), "ic": rng.integers(0, 5, 64), "sc": rng.choice(["a", "b", "c"], 64),
            "ih": rng.integers(0, 100, 64), "sh": rng.choice(["x", "y"], 64)}
    fs = FeatureSpace({"f": "float", "r": FeatureSpace.float_rescaled(scale=2.0, offset=1.0), "n": "float_normalized",
                       "d": "float_discretized", "ic": "integer_categorical", "sc": "string_categorical",
                       "ih": "integer_hashed", "sh": "string_hashed"},
                      hashing_dim=16, num_discretization_bins=4)
    fs.adapt(data)
    out = fs(data)
    # Sorted feature names: d (4 bins), f (1), ic (5 + OOV), ih (16), n (1), r (1), sc (3 + OOV), sh (16).
    widths = {"d": 4, "f": 1, "ic": 6, "ih": 16, "n": 1, "r": 1, "sc": 4, "sh": 16}
    starts = dict(zip(widths, np.cumsum([0] + list(widths.values()))[:-1]))
    assert tuple(out.shape) == (64, sum(widths.values()))
    assert tuple(fs.get_encoded_features().shape) == (None, out.shape[1])
    np.testing.assert_allclose(out[:, starts["f"]].numpy(), data["f"], rtol=1e-6)
    np.testing.assert_allclose(out[:, starts["r"]].numpy(), data["r"].astype("float32") * 2 + 1, rtol=1e-5)
    n = data["n"].astype("float32")
    np.testing.assert_allclose(out[:, starts["n"]].numpy(), (n - n.mean()) / n.std(), rtol=1e-4, atol=1e-4)
    for name in ("ic", "ih", "sc", "sh"):
        assert torch.all(out[:, starts[name]:starts[name] + widths[name]].sum(-1) == 1)
    assert torch.all(out[:, :4].sum(-1) == 1)  # one-hot bins


def test_adapt_on_iterables_of_batches():
    batches = [{k: v[:2] for k, v in RAW.items()}, {k: v[2:] for k, v in RAW.items()}]

    class Batches(torchkeras.utils.PyDataset):
        def __len__(self):
            return 2

        def __getitem__(self, i):
            return batches[i], np.zeros(2)

    reference = _space()
    reference.adapt(RAW)
    expected = reference(RAW)
    for source in (batches, Batches(), (b for b in batches),
                   torch.utils.data.DataLoader([{k: v[i] for k, v in RAW.items()} for i in range(4)], batch_size=3)):
        fs = _space()
        fs.adapt(source)
        torch.testing.assert_close(fs(RAW), expected)


def test_unbatched_call_and_tensor_inputs():
    fs = _space()
    fs.adapt(RAW)
    single = fs({"float_values": 0.2, "string_values": "two", "int_values": 2})
    assert tuple(single.shape) == (43,)
    torch.testing.assert_close(single, fs(RAW)[2])
    tensors = fs({"float_values": torch.tensor(RAW["float_values"]), "string_values": np.array(RAW["string_values"]),
                  "int_values": torch.tensor(RAW["int_values"])})
    torch.testing.assert_close(tensors, fs(RAW))
    dict_space = _space(output_mode="dict")
    dict_space.adapt(RAW)
    single = dict_space({"float_values": 0.2, "string_values": "two", "int_values": 2})
    assert tuple(single["string_values"].shape) == (5,)


def test_functional_model_on_encoded_features():
    # The keras.io structured-data recipe: train on preprocessed data, serve on raw features.
    fs = _space()
    fs.adapt(RAW)
    encoded = fs.get_encoded_features()
    predictions = torchkeras.layers.Dense(1, activation="sigmoid")(torchkeras.layers.Dense(4)(encoded))
    training_model = torchkeras.Model(encoded, predictions)
    inference_model = torchkeras.Model(fs.get_inputs(), predictions)
    training_model.compile("adam", "binary_crossentropy")
    history = training_model.fit(fs(RAW), np.array([0, 1, 0, 1], "float32"), epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2
    raw_batch = {"float_values": torch.tensor([[0.1]]), "string_values": np.array([["one"]]),
                 "int_values": torch.tensor([[1]])}
    torch.testing.assert_close(inference_model(raw_batch), training_model(fs(RAW)[1:2]))


def test_custom_feature_and_errors():
    text = torchkeras.layers.TextVectorization(output_mode="multi_hot", max_tokens=6)
    fs = FeatureSpace({"text": FeatureSpace.feature(preprocessor=text, dtype="string", output_mode="float")})
    fs.adapt({"text": ["1st string", "2nd string", "3rd string"]})
    assert tuple(fs({"text": ["1st string", "2nd string", "3rd string"]}).shape) == (3, 5)  # [UNK] + 4 words
    with pytest.raises(ValueError, match="cannot be None or empty"):
        FeatureSpace({})
    with pytest.raises(ValueError, match="Invalid feature type"):
        FeatureSpace({"a": "floaty"})
    with pytest.raises(ValueError, match="output_mode"):
        FeatureSpace({"a": "float"}, output_mode="list")
    with pytest.raises(ValueError, match="unknown features"):
        FeatureSpace({"a": "float"}, crosses=[("a", "b")])
    with pytest.raises(ValueError, match="adapt"):
        _space()(RAW)
    with pytest.raises(ValueError, match="only be called with a dict"):
        fs([1, 2])
    with pytest.raises(ValueError, match="adapt\\(\\)` can only be called"):
        _space().adapt(42)
    with pytest.raises(ValueError, match="Cannot concatenate"):
        FeatureSpace({"s": FeatureSpace.string_categorical(output_mode="int")}).adapt({"s": ["a", "b"]})
    with pytest.raises(ValueError, match="isn't a standard feature"):
        FeatureSpace({"t": FeatureSpace.feature(preprocessor=torchkeras.layers.TextVectorization(
            output_mode="int", output_sequence_length=1), dtype="string", output_mode="one_hot")}).adapt(
            {"t": ["a b", "c"]})


def test_no_adapt_needed_and_config_round_trip():
    fs = FeatureSpace({"a": "float", "b": FeatureSpace.float_rescaled(scale=0.5)}, output_mode="dict")
    out = fs({"a": [1.0, 2.0], "b": [4.0, 6.0]})
    torch.testing.assert_close(out["b"], torch.tensor([[2.0], [3.0]]))
    config = torchkeras.saving.serialize_keras_object(_space())
    assert config["module"] == "keras.utils" and config["class_name"] == "FeatureSpace"
    feature = config["config"]["features"]["string_values"]
    assert feature["module"] == "keras.src.layers.preprocessing.feature_space"
    assert feature["registered_name"] == "Feature" and feature["config"]["dtype"] == "string"
    assert config["config"]["crosses"][0]["config"] == {"feature_names": ["string_values", "int_values"],
                                                        "crossing_dim": 32, "output_mode": "one_hot"}
    clone = torchkeras.saving.deserialize_keras_object(config)
    assert isinstance(clone, FeatureSpace) and clone.crosses[0].name == "string_values_X_int_values"
    assert sorted(clone.features) == sorted(RAW)


def test_save_and_load_keras_file(tmp_path):
    rng = np.random.default_rng(1)
    data = {"n": rng.normal(size=40) * 2 + 5, "d": rng.uniform(size=40), "f": rng.normal(size=40)}
    fs = FeatureSpace({"n": "float_normalized", "d": FeatureSpace.float_discretized(num_bins=3), "f": "float"})
    fs.adapt(data)
    path = str(tmp_path / "fs.keras")
    fs.save(path)
    loaded = torchkeras.saving.load_model(path)
    assert isinstance(loaded, FeatureSpace)
    torch.testing.assert_close(loaded(data), fs(data))
