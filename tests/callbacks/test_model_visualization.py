import re

import pytest

import torchkeras as keras
from torchkeras.utils import model_visualization
from torchkeras.utils.model_visualization import model_to_dot
from torchkeras.utils.model_visualization import plot_model



@pytest.fixture
def pydot():
    return pytest.importorskip("pydot")


def _functional():
    inputs = keras.Input((4,), name="x")
    a = keras.layers.Dense(3, activation="relu", name="a")(inputs)
    b = keras.layers.Dense(3, name="b")(inputs)
    merged = keras.layers.Concatenate(name="merge")([a, b])
    outputs = keras.layers.Dense(1, activation="sigmoid", name="out")(merged)
    return keras.Model(inputs, outputs, name="fn")


def _titles(dot):
    """{node id: layer name} from the labels' title cells."""
    out = {}
    for node in dot.get_nodes():
        match = re.search(r"<b>([^<]+)</b> \(", node.get("label") or "")
        if match:
            out[node.get_name()] = match.group(1)
    return out


def _edges(dot):
    names = _titles(dot)
    return sorted((names[e.get_source()], names[e.get_destination()]) for e in dot.get_edges())


def test_functional_nodes_and_edges(pydot):
    dot = model_to_dot(_functional())
    assert sorted(_titles(dot).values()) == ["a", "b", "merge", "out", "x"]
    assert _edges(dot) == [("a", "merge"), ("b", "merge"), ("merge", "out"), ("x", "a"), ("x", "b")]
    assert dot.get("rankdir") == "TB" and dot.get("dpi") == 200 and dot.get("splines") == "ortho"


def test_sequential_is_a_chain_without_the_input_layer(pydot):
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, name="h"), keras.layers.Dense(1, name="o")])
    dot = model_to_dot(model)
    assert _edges(dot) == [("h", "o")]


def test_label_contents(pydot):
    dot = model_to_dot(_functional(), show_shapes=True, show_dtype=True, show_layer_activations=True,
                       show_trainable=True)
    labels = {name: dot.get_node(node_id)[0].get("label") for node_id, name in _titles(dot).items()}
    assert "Output shape: <b>(None, 4)</b>" in labels["x"] and "Input shape" not in labels["x"]
    assert "Input shape: <b>[(None, 3), (None, 3)]</b>" in labels["merge"]
    assert "Output shape: <b>(None, 1)</b>" in labels["out"]
    assert "Activation: <b>sigmoid</b>" in labels["out"] and "Activation: <b>linear</b>" in labels["b"]
    assert "Output dtype: <b>float32</b>" in labels["a"]
    assert "<b>Trainable</b>" in labels["a"] and "Trainable" not in labels["merge"]  # no weights, no cell
    assert labels["out"].startswith('<<table border="0" cellborder="1" bgcolor="black" cellpadding="10">')


def test_hidden_layer_names_and_non_trainable(pydot):
    model = _functional()
    model.get_layer("a").trainable = False
    dot = model_to_dot(model, show_layer_names=False, show_trainable=True)
    labels = [node.get("label") for node in dot.get_nodes() if node.get("label")]
    assert any("<b>Dense</b>" in label and "Non-trainable" in label for label in labels)
    assert not any("<b>a</b>" in label for label in labels)


def test_subclassed_model_is_one_box(pydot):
    class Net(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = keras.layers.Dense(2)

        def call(self, x, training=None):
            return self.dense(x)

    model = Net()
    model.build((None, 3))
    dot = model_to_dot(model)
    assert len([n for n in dot.get_nodes() if n.get("label")]) == 1 and not dot.get_edges()


def test_expand_nested(pydot):
    inner_in = keras.Input((3,), name="inner_in")
    inner = keras.Model(inner_in, keras.layers.Dense(2, name="inner_dense")(inner_in), name="inner")
    x = keras.Input((3,), name="outer_in")
    y = keras.layers.Dense(1, name="head")(inner(x))
    model = keras.Model(x, y)
    collapsed = model_to_dot(model)
    assert _edges(collapsed) == [("inner", "head"), ("outer_in", "inner")]
    expanded = model_to_dot(model, expand_nested=True)
    (cluster,) = expanded.get_subgraphs()
    assert cluster.get("label") == "inner"
    names = dict(_titles(expanded))
    for node in cluster.get_nodes():
        match = re.search(r"<b>([^<]+)</b> \(", node.get("label") or "")
        if match:
            names[node.get_name()] = match.group(1)
    edges = sorted((names[e.get_source()], names[e.get_destination()]) for e in expanded.get_edges())
    assert ("outer_in", "inner_in") in edges and ("inner_dense", "head") in edges


def test_keras2_layer_range(pydot):
    dot = model_to_dot(_functional(), layer_range=["a", "merge"])
    assert sorted(_titles(dot).values()) == ["a", "b", "merge"]
    assert _edges(dot) == [("a", "merge"), ("b", "merge")]
    with pytest.raises(ValueError, match="does not match any layer range"):
        model_to_dot(_functional(), layer_range=["zzz", "out"])


def test_errors(pydot):
    with pytest.raises(ValueError, match="This model has not yet been built"):
        model_to_dot(keras.Sequential([keras.layers.Dense(1)]))
    with pytest.raises(ValueError, match="Unrecognized keyword arguments"):
        model_to_dot(_functional(), colour="red")


def test_missing_pydot_and_graphviz_messages(monkeypatch):
    model = _functional()
    monkeypatch.setattr(model_visualization, "pydot", None)
    with pytest.raises(ImportError) as e:
        plot_model(model)
    assert str(e.value) == "You must install pydot (`pip install pydot`) for `plot_model` to work."
    with pytest.raises(ImportError) as e:
        model_to_dot(model)
    assert str(e.value) == "You must install pydot (`pip install pydot`) for model_to_dot to work."
    monkeypatch.setattr(model_visualization, "pydot", object())  # pydot present, graphviz's `dot` missing
    monkeypatch.setattr(model_visualization, "check_graphviz", lambda: False)
    with pytest.raises(ImportError) as e:
        plot_model(model)
    assert str(e.value) == ("You must install graphviz (see instructions at https://graphviz.gitlab.io/download/) "
                            "for `plot_model` to work.")


def test_plot_model_writes_the_image(tmp_path, pydot):
    if not model_visualization.check_graphviz():
        pytest.skip("graphviz's `dot` program is not installed")
    png = tmp_path / "sub" / "model.png"
    plot_model(_functional(), to_file=str(png), show_shapes=True, rankdir="LR", dpi=50)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    svg = tmp_path / "model.svg"
    plot_model(_functional(), to_file=str(svg), show_layer_names=True)
    text = svg.read_text()
    assert "<svg" in text and "merge" in text
