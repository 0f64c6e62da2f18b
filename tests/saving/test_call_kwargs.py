"""Graphs whose layers take tensors through keyword arguments (an RNN's `initial_state`, `mask`, attention's
`value`/`key`) and plain call flags (`training`) are rebuilt in every format: legacy `.h5`, `.keras`, JSON
(+ `.weights.h5`) and `clone_model`, including the Keras 2 dialects of such nodes."""
import json

import h5py
import numpy as np
import pytest

import torchkeras as keras
from torchkeras import layers as L


def seq2seq():
    enc_in = keras.Input((None, 5), name="enc_in")
    _, h, c = L.LSTM(4, return_state=True, name="encoder")(enc_in)
    dec_in = keras.Input((None, 6), name="dec_in")
    seq = L.LSTM(4, return_sequences=True, name="decoder")(dec_in, initial_state=[h, c])
    return keras.Model([enc_in, dec_in], L.Dense(6, activation="softmax", name="out")(seq), name="s2s")


def masked():
    tokens = keras.Input((5,), dtype="int32", name="tokens")
    x = L.Embedding(12, 4, name="emb")(tokens)
    x = L.GRU(3, name="gru")(x, mask=keras.ops.not_equal(tokens, 0))
    return keras.Model(tokens, L.Dense(2, name="out")(x), name="masked")


def attention():
    q = keras.Input((4, 6), name="q")
    v = keras.Input((3, 6), name="v")
    k = L.Dense(6, name="kproj")(v)
    y = L.MultiHeadAttention(2, 3, name="mha")(q, v, key=k)
    y = L.Dropout(0.5, name="drop")(y, training=False)
    return keras.Model([q, v], L.GlobalAveragePooling1D(name="pool")(y), name="attn")


def data(name):
    rng = np.random.RandomState(0)
    if name == "seq2seq":
        return [rng.rand(2, 3, 5).astype("float32"), rng.rand(2, 4, 6).astype("float32")]
    if name == "masked":
        tokens = rng.randint(1, 12, size=(3, 5)).astype("int32")
        tokens[:, 3:] = 0
        return tokens
    return [rng.rand(2, 4, 6).astype("float32"), rng.rand(2, 3, 6).astype("float32")]


BUILDERS = {"seq2seq": seq2seq, "masked": masked, "attention": attention}


def reload(model, fmt, tmp_path):
    if fmt == "h5":
        model.save(str(tmp_path / "m.h5"))
        return keras.models.load_model(str(tmp_path / "m.h5"))
    if fmt == "keras":
        model.save(str(tmp_path / "m.keras"))
        return keras.models.load_model(str(tmp_path / "m.keras"))
    if fmt == "json":
        model.save_weights(str(tmp_path / "w.weights.h5"))
        rebuilt = keras.models.model_from_json(model.to_json())
        rebuilt.load_weights(str(tmp_path / "w.weights.h5"))
        return rebuilt
    clone = keras.models.clone_model(model)
    clone.set_weights(model.get_weights())
    return clone


@pytest.mark.parametrize("fmt", ["h5", "keras", "json", "clone"])
@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_round_trip_keeps_tensors_passed_as_keyword_arguments(name, fmt, tmp_path):
    model = BUILDERS[name]()
    x = data(name)
    expected = model.predict(x, verbose=0)
    loaded = reload(model, fmt, tmp_path)
    assert [layer.name for layer in loaded.layers] == [layer.name for layer in model.layers]
    assert len(loaded.weights) == len(model.weights)
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), expected)


def _legacy_config(model, tmp_path):
    model.save(str(tmp_path / "m.h5"))
    with h5py.File(str(tmp_path / "m.h5"), "r") as f:
        return json.loads(f.attrs["model_config"])


def _decoder_entry(config):
    return next(e for e in config["config"]["layers"] if e["name"] == "decoder")


def test_legacy_h5_writes_keyword_tensor_nodes_in_keras3_form(tmp_path):
    config = _legacy_config(seq2seq(), tmp_path)
    node = _decoder_entry(config)["inbound_nodes"][0]
    assert isinstance(node, dict)
    states = node["kwargs"]["initial_state"]
    assert [s["config"]["keras_history"] for s in states] == [["encoder", 0, 1], ["encoder", 0, 2]]
    dense = next(e for e in config["config"]["layers"] if e["name"] == "out")
    assert dense["inbound_nodes"] == [[["decoder", 0, 0, {}]]]  # plain calls keep Keras 2's form


KERAS2_DIALECTS = {
    # tensors inside kwargs as `[name, node_index, tensor_index]`, as tf.keras >= 2.4 writes them
    "kwargs": lambda dec_in: [[dec_in, 0, 0, {"initial_state": [["encoder", 0, 1], ["encoder", 0, 2]]}]],
    # the states as extra inbound tensors, as tf.keras's RNN `__call__` records `initial_state`
    "inbound": lambda dec_in: [[dec_in, 0, 0, {}], ["encoder", 0, 1, {}], ["encoder", 0, 2, {}]],
}


@pytest.mark.parametrize("dialect", sorted(KERAS2_DIALECTS))
@pytest.mark.parametrize("via", ["h5", "json"])
def test_keras2_dialects_of_initial_state_load(dialect, via, tmp_path):
    model = seq2seq()
    x = data("seq2seq")
    config = _legacy_config(model, tmp_path)
    entry = _decoder_entry(config)
    entry["inbound_nodes"] = [KERAS2_DIALECTS[dialect]("dec_in")]
    if via == "h5":
        with h5py.File(str(tmp_path / "m.h5"), "a") as f:
            f.attrs["model_config"] = json.dumps(config).encode("utf-8")
            f.attrs["keras_version"] = "2.15.0"
        loaded = keras.models.load_model(str(tmp_path / "m.h5"))
    else:
        config["keras_version"] = "2.15.0"
        loaded = keras.models.model_from_json(json.dumps(config))
        loaded.set_weights(model.get_weights())
    assert [layer.name for layer in loaded.layers] == [layer.name for layer in model.layers]
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))


def test_a_kwarg_list_naming_no_layer_stays_a_value(tmp_path):
    """`[name, int, int]` is read as a tensor only when `name` is a layer of the model."""
    from torchkeras.saving import legacy_config

    config = {"name": "m", "layers": [
        {"class_name": "InputLayer", "name": "x", "config": {"batch_input_shape": [None, 3], "name": "x"},
         "inbound_nodes": []},
        {"class_name": "Dense", "name": "d", "config": {"units": 2, "name": "d"},
         "inbound_nodes": [[["x", 0, 0, {"extra": ["not_a_layer", 0, 0]}]]]}],
        "input_layers": [["x", 0, 0]], "output_layers": [["d", 0, 0]]}
    graph = legacy_config._keras3_graph(config, keras2=True)
    assert graph["layers"][1]["inbound_nodes"][0]["kwargs"] == {"extra": ["not_a_layer", 0, 0]}
