"""`KerasFileEditor` beside real Keras 3 (torch backend): same view of the same files (structure, arrays,
printed summary), same comparison results, same edits, and edited files that both load."""
import h5py
import keras
import numpy as np
import pytest

import torchkeras

pytestmark = pytest.mark.filterwarnings("ignore")


def _model(module, extra=False, units=4):
    layers = [module.Input((3,)), module.layers.Dense(units, name="dense"),
              module.layers.BatchNormalization(name="batch_normalization"), module.layers.Dense(2, name="dense_1")]
    if extra:
        layers.append(module.layers.Dense(5, name="dense_2"))
    model = module.Sequential(layers, name="sequential")
    model.compile("adam", "mse")
    model.fit(np.ones((4, 3), "float32"), np.ones((4, 5 if extra else 2), "float32"), verbose=0)
    return model


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    root = tmp_path_factory.mktemp("editor")
    model = _model(keras)
    paths = {"weights": str(root / "k.weights.h5"), "keras": str(root / "k.keras")}
    model.save_weights(paths["weights"])
    model.save(paths["keras"])
    return paths


def _assert_same_tree(ours, theirs):
    assert list(ours) == list(theirs)
    for key in ours:
        if isinstance(theirs[key], dict):
            _assert_same_tree(ours[key], theirs[key])
        else:
            np.testing.assert_array_equal(np.asarray(ours[key]), np.asarray(theirs[key]))
            assert np.asarray(ours[key]).dtype == np.asarray(theirs[key]).dtype


@pytest.mark.parametrize("kind", ["weights", "keras"])
def test_same_view_and_summary(files, kind, capsys):
    theirs = keras.saving.KerasFileEditor(files[kind])
    capsys.readouterr()
    theirs.summary()
    their_summary = capsys.readouterr().out
    ours = torchkeras.saving.KerasFileEditor(files[kind])
    capsys.readouterr()
    ours.summary()
    assert capsys.readouterr().out == their_summary
    _assert_same_tree(ours.weights_dict, theirs.weights_dict)
    assert ours.config == theirs.config and ours.metadata == theirs.metadata


@pytest.mark.parametrize("variant", [{}, {"extra": True}, {"units": 6}])
def test_compare_matches_keras(files, variant, capsys):
    theirs = keras.saving.KerasFileEditor(files["weights"]).compare(_model(keras, **variant))
    their_text = capsys.readouterr().out
    ours = torchkeras.saving.KerasFileEditor(files["weights"]).compare(_model(torchkeras, **variant))
    our_text = capsys.readouterr().out
    assert ours == theirs
    # Same messages, line by line (Keras's rich console may wrap long lines differently).
    strip = lambda text: [line.strip() for line in text.splitlines() if line.strip() and "Keras model file" not in line]
    assert " ".join(strip(our_text)).split() == " ".join(strip(their_text)).split()


def test_edits_match_keras_and_saved_files_load_in_both(files, tmp_path):
    editors = [keras.saving.KerasFileEditor(files["weights"]), torchkeras.saving.KerasFileEditor(files["weights"])]
    new_kernel = np.full((2, 5), 0.5, "float32")
    for editor in editors:
        # Keras 3.15 miscounts a bare name that has sibling objects after it ("occurs more than once"), so
        # the edits compared with Keras use paths; torchkeras accepts the bare names (tested below).
        editor.rename_object("layers/dense_1", "head")
        editor.delete_object("optimizer")
        editor.add_object("layers/dense_2", weights={"0": new_kernel, "1": np.zeros(5, "float32")})
        editor.delete_weight("layers/batch_normalization", "3")
        editor.add_weights("layers/batch_normalization", {"3": np.ones(4, "float32")})
        editor.rename_object("layers/head", "dense_1")
    _assert_same_tree(editors[1].weights_dict, editors[0].weights_dict)
    k_path, t_path = str(tmp_path / "k_edit.weights.h5"), str(tmp_path / "t_edit.weights.h5")
    editors[0].save(k_path)
    editors[1].save(t_path)

    def listing(path):
        names = []
        with h5py.File(path, "r") as f:
            f.visit(names.append)
        return sorted(names)

    assert listing(t_path) == listing(k_path)
    # The edited file fits a model with the new layer, in both libraries.
    k_model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4), keras.layers.BatchNormalization(),
                                keras.layers.Dense(2), keras.layers.Dense(5)])
    t_model = torchkeras.Sequential([torchkeras.Input((3,)), torchkeras.layers.Dense(4),
                                     torchkeras.layers.BatchNormalization(), torchkeras.layers.Dense(2),
                                     torchkeras.layers.Dense(5)])
    k_model.load_weights(t_path)
    t_model.load_weights(k_path)
    for a, b in zip(t_model.get_weights(), k_model.get_weights()):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(k_model.layers[-1].get_weights()[0], new_kernel)
    np.testing.assert_array_equal(k_model.layers[1].get_weights()[3], np.ones(4, "float32"))


@pytest.mark.parametrize("call", [
    lambda e: e.rename_object("dense", "a/b"),
    lambda e: e.rename_object("layers/nothing", "x"),
    lambda e: e.delete_object("nothing"),
    lambda e: e.add_object("nowhere/dense", {"0": np.ones(1)}),
    lambda e: e.add_weights("dense", [np.ones(1)]),
    lambda e: e.delete_weight("layers/dense", "7"),
    lambda e: e.save("out.h5"),
])
def test_errors_match_keras(files, call):
    messages = []
    for module in (keras, torchkeras):
        with pytest.raises(ValueError) as info:
            call(module.saving.KerasFileEditor(files["weights"]))
        messages.append(str(info.value))
    assert messages[0] == messages[1]


def test_bare_names_resolve_when_unique(files):
    editor = torchkeras.saving.KerasFileEditor(files["weights"])
    editor.rename_object("dense_1", "head")
    assert "head" in editor.weights_dict["layers"] and "dense_1" not in editor.weights_dict["layers"]
    editor.delete_weight("batch_normalization", "3")
    assert list(editor.weights_dict["layers"]["batch_normalization"]) == ["0", "1", "2"]
    editor.add_object("renamed", {"0": np.ones(2)})
    with pytest.raises(ValueError, match="more than once"):
        editor.add_object("layers/renamed", {"0": np.ones(2)}) or editor.delete_object("renamed")
