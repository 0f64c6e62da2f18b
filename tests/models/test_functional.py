import json

import numpy as np
import pytest
import torch

import torchkeras as keras
from torchkeras import layers


def two_in_two_out():
    a = keras.Input((4,), name="a")
    b = keras.Input((3,), name="b")
    da = layers.Dense(5, name="da")(a)
    cat = layers.Concatenate(name="cat")([da, b]) if hasattr(layers, "Concatenate") else None
    return a, b, da, cat


def test_functional_basic_and_layers_order():
    x = keras.Input((4,), name="x")
    h = layers.Dense(8, activation="relu", name="h")(x)
    y = layers.Dense(2, name="y")(h)
    model = keras.Model(x, y, name="m")
    assert type(model).__name__ == "Functional"
    assert [l.name for l in model.layers] == ["x", "h", "y"]
    assert model.output_shape == (None, 2)
    out = model(np.ones((3, 4), dtype="float32"))
    assert tuple(out.shape) == (3, 2)
    assert list(model.state_dict()) == ["h.kernel", "h.bias", "y.kernel", "y.bias"]


def test_multi_input_output_lists_and_dicts():
    a = keras.Input((4,), name="a")
    b = keras.Input((3,), name="b")
    ha = layers.Dense(5, name="ha")(a)
    hb = layers.Dense(5, name="hb")(b)
    o1 = layers.Dense(1, name="o1")(ha)
    o2 = layers.Dense(2, name="o2")(hb)
    model = keras.Model(inputs=[a, b], outputs=[o1, o2])
    xa, xb = np.ones((2, 4), "float32"), np.ones((2, 3), "float32")
    r1, r2 = model([xa, xb])
    r1d, r2d = model({"a": xa, "b": xb})
    np.testing.assert_allclose(r1.detach().numpy(), r1d.detach().numpy())
    dict_model = keras.Model(inputs={"a": a, "b": b}, outputs={"first": o1, "second": o2})
    out = dict_model({"a": xa, "b": xb})
    assert set(out) == {"first", "second"}


def test_shared_layer_and_nested_model():
    shared = layers.Dense(3, name="shared")
    a = keras.Input((3,))
    b = keras.Input((3,))
    out = shared(shared(a))
    inner = keras.Model(a, out, name="inner")
    x = keras.Input((3,))
    y = layers.Dense(1, name="head")(inner(x))
    outer = keras.Model(x, y)
    assert len(outer.weights) == 4
    assert outer(np.ones((2, 3), "float32")).shape == (2, 1)
    del b


def test_feature_extraction_model():
    x = keras.Input((4,))
    h = layers.Dense(6, name="hidden")(x)
    y = layers.Dense(2)(h)
    model = keras.Model(x, y)
    extractor = keras.Model(model.inputs, model.get_layer("hidden").output)
    assert extractor(np.ones((1, 4), "float32")).shape == (1, 6)
    assert model.get_layer(index=1).name == "hidden"
    with pytest.raises(ValueError, match="No such layer"):
        model.get_layer("nope")


def test_duplicate_names_rejected():
    x = keras.Input((2,))
    h = layers.Dense(2, name="d")(x)
    with pytest.raises(ValueError, match="used 2 times"):
        keras.Model(x, layers.Dense(2, name="d")(h))


def test_disconnected_graph():
    x = keras.Input((2,))
    other = keras.Input((2,))
    with pytest.raises(ValueError, match="Graph disconnected"):
        keras.Model(x, layers.Dense(2)(other))


def test_ops_on_keras_tensors_make_nodes():
    x = keras.Input((3,))
    y = layers.Dense(3)(x) * 2.0 + 1.0
    model = keras.Model(x, y)
    out = model(np.zeros((2, 3), "float32"))
    np.testing.assert_allclose(out.detach().numpy(), np.ones((2, 3)))


def test_config_round_trip_and_json():
    x = keras.Input((4,), name="inp")
    h = layers.Dense(8, activation="relu", name="h")(x)
    y = layers.Dense(2, name="out")(h)
    model = keras.Model(x, y, name="net")
    config = model.get_config()
    assert config["input_layers"] == ["inp", 0, 0] and config["output_layers"] == ["out", 0, 0]
    assert config["layers"][1]["inbound_nodes"][0]["args"][0]["config"]["keras_history"] == ["inp", 0, 0]
    clone = keras.models.model_from_json(model.to_json())
    assert [l.name for l in clone.layers] == ["inp", "h", "out"]
    clone.set_weights(model.get_weights())
    data = np.random.rand(3, 4).astype("float32")
    np.testing.assert_allclose(clone.predict(data, verbose=0), model.predict(data, verbose=0), atol=1e-6)
    json.loads(model.to_json())


def test_keras2_functional_config_with_nested_model():
    # Keras 2 writes list-style inbound nodes and counts a nested model's first call as node 1.
    config = {
        "name": "func", "layers": [
            {"class_name": "InputLayer", "config": {"batch_input_shape": [None, 6], "dtype": "float32",
                                                    "name": "inp"}, "name": "inp", "inbound_nodes": []},
            {"class_name": "Sequential", "config": {"name": "inner", "layers": [
                {"class_name": "InputLayer", "config": {"batch_input_shape": [None, 6], "name": "inner_in"}},
                {"class_name": "Dense", "config": {"name": "idense", "units": 3, "dtype": "float32"}}]},
             "name": "inner", "inbound_nodes": [[["inp", 0, 0, {}]]]},
            {"class_name": "Dense", "config": {"name": "head", "units": 1, "time_major": False},
             "name": "head", "inbound_nodes": [[["inner", 1, 0, {}]]]}],
        "input_layers": [["inp", 0, 0]], "output_layers": [["head", 0, 0]]}
    model = keras.Model.from_config(config)
    assert [l.name for l in model.layers] == ["inp", "inner", "head"]
    assert model(np.ones((2, 6), "float32")).shape == (2, 1)


def test_clone_model_functional_and_sequential():
    x = keras.Input((4,))
    model = keras.Model(x, layers.Dense(2)(layers.Dense(3)(x)))
    clone = keras.models.clone_model(model)
    assert [type(l).__name__ for l in clone.layers] == ["InputLayer", "Dense", "Dense"]
    assert all(a is not b for a, b in zip(clone.layers, model.layers))
    seq = keras.Sequential([keras.Input((4,)), layers.Dense(2)])
    seq_clone = keras.models.clone_model(seq)
    assert seq_clone.output_shape == (None, 2) and seq_clone.layers[0] is not seq.layers[0]


def test_model_is_torch_module_and_autograd():
    x = keras.Input((4,))
    model = keras.Model(x, layers.Dense(1)(x))
    inp = torch.randn(5, 4)
    out = model(inp)
    out.sum().backward()
    assert all(p.grad is not None for p in model.parameters())
