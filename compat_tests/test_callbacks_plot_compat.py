"""`model_to_dot` / `plot_model` side by side: the same boxes (labels) and the same edges as real Keras 3."""
import pytest

import keras

import torchkeras
from torchkeras.utils.model_visualization import model_to_dot as tk_model_to_dot

pytest.importorskip("pydot")

LIBS = {"keras": keras, "torchkeras": torchkeras}


def _functional(lib):
    inputs = lib.Input((4,), name="x")
    a = lib.layers.Dense(3, activation="relu", name="a")(inputs)
    b = lib.layers.Dense(3, name="b")(inputs)
    merged = lib.layers.Concatenate(name="merge")([a, b])
    outputs = lib.layers.Dense(1, activation="sigmoid", name="out")(merged)
    model = lib.Model(inputs, outputs, name="fn")
    model.get_layer("b").trainable = False
    return model


def _sequential(lib):
    return lib.Sequential([lib.Input((4,)), lib.layers.Dense(3, activation="tanh", name="h"),
                           lib.layers.Dense(2, name="o")], name="seq")


def _nested(lib):
    inner_in = lib.Input((3,), name="inner_in")
    inner = lib.Model(inner_in, lib.layers.Dense(2, name="inner_dense")(inner_in), name="inner")
    x = lib.Input((3,), name="outer_in")
    return lib.Model(x, lib.layers.Dense(1, name="head")(inner(x)), name="outer")


def _graph(dot):
    """(sorted labels, sorted edges as label pairs) of a pydot graph and its clusters, ids replaced by labels."""
    labels = {}

    def collect(graph):
        for node in graph.get_nodes():
            if node.get("label"):
                labels[node.get_name()] = node.get("label")
        for sub in graph.get_subgraphs():
            collect(sub)

    collect(dot)
    edges = []

    def collect_edges(graph):
        for edge in graph.get_edges():
            edges.append((labels[edge.get_source()], labels[edge.get_destination()]))
        for sub in graph.get_subgraphs():
            collect_edges(sub)

    collect_edges(dot)
    return sorted(labels.values()), sorted(edges)


@pytest.mark.parametrize("build", [_functional, _sequential, _nested])
@pytest.mark.parametrize("options", [
    dict(),
    dict(show_shapes=True, show_dtype=True, show_layer_activations=True, show_trainable=True),
    dict(show_layer_names=False, show_shapes=True, expand_nested=True),
])
def test_model_to_dot_matches(build, options):
    k_dot = keras.utils.model_to_dot(build(keras), **options)
    t_dot = tk_model_to_dot(build(torchkeras), **options)
    k_labels, k_edges = _graph(k_dot)
    t_labels, t_edges = _graph(t_dot)
    assert t_labels == k_labels
    assert t_edges == k_edges
    for attr in ("rankdir", "dpi", "splines", "concentrate"):
        assert str(t_dot.get(attr)) == str(k_dot.get(attr))


def test_errors_match():
    for make in (lambda lib: lib.Sequential([lib.layers.Dense(1)]),):
        errors = {}
        for name, lib in LIBS.items():
            visualization = keras.utils if name == "keras" else torchkeras.utils.model_visualization
            with pytest.raises(ValueError) as e:
                visualization.model_to_dot(make(lib))
            errors[name] = str(e.value)
        assert errors["torchkeras"] == errors["keras"]
