"""`keras.saving.KerasFileEditor` on torchkeras files: the weights view, summary, compare, every edit, saving
the edited file, and the safety checks on reading."""
import h5py
import numpy as np
import pytest

import torchkeras
from torchkeras.saving import KerasFileEditor


def _model(extra=False, units=4):
    layers = [torchkeras.Input((3,)), torchkeras.layers.Dense(units), torchkeras.layers.Dense(2)]
    if extra:
        layers.append(torchkeras.layers.Dense(5))
    return torchkeras.Sequential(layers)


@pytest.fixture()
def weights_file(tmp_path):
    model = _model()
    path = str(tmp_path / "m.weights.h5")
    model.save_weights(path)
    return model, path


def test_view_and_summary(weights_file, capsys):
    model, path = weights_file
    editor = KerasFileEditor(path)
    assert "Keras model file" in capsys.readouterr().out
    assert list(editor.weights_dict["layers"]) == ["dense", "dense_1"]
    for (name, arrays), layer in zip(editor.weights_dict["layers"].items(), model.layers):
        for key, weight in zip(("0", "1"), layer.get_weights()):
            np.testing.assert_array_equal(arrays[key], weight)
    editor.summary()
    out = capsys.readouterr().out
    assert out.splitlines()[:4] == ["Weights structure", "  > layers", "      ├─ dense",
                                    "      │   ├─ 0: shape=(3, 4), dtype=float32"]


def test_compare(weights_file, capsys):
    _, path = weights_file
    editor = KerasFileEditor(path)
    assert editor.compare(_model())["status"] == "success"
    result = editor.compare(_model(extra=True))
    assert result["status"] == "error" and result["error_count"] == 1
    assert "Object /layers/dense_2 present in reference model, missing from saved file" in capsys.readouterr().out
    result = editor.compare(_model(units=6))
    # Three mismatched weights; Keras 3.15 adds a sub-object's running count to its parent again, giving 5.
    assert result["status"] == "error" and result["error_count"] == 5
    assert "Weight shape mismatch for /layers/dense/0" in capsys.readouterr().out


def test_edits_and_save(weights_file, tmp_path):
    model, path = weights_file
    editor = KerasFileEditor(path)
    editor.add_object("layers/dense_2", {"0": np.ones((2, 5), "float32"), "1": np.zeros(5, "float32")})
    assert editor.compare(_model(extra=True))["status"] == "success"
    out = str(tmp_path / "edited.weights.h5")
    editor.save(out)
    bigger = _model(extra=True)
    bigger.load_weights(out)
    np.testing.assert_array_equal(bigger.layers[-1].get_weights()[0], np.ones((2, 5), "float32"))
    np.testing.assert_array_equal(bigger.layers[0].get_weights()[0], model.layers[0].get_weights()[0])
    editor.rename_object("dense_2", "extra")
    editor.delete_weight("extra", "1")
    editor.add_weights("extra", {"1": np.full(5, 2.0, "float32")})
    assert list(editor.weights_dict["layers"]["extra"]) == ["0", "1"]
    editor.delete_object("layers/extra")
    assert list(editor.weights_dict["layers"]) == ["dense", "dense_1"]
    with h5py.File(out, "r") as f:
        assert "layers/dense_2/vars/0" in f
    with pytest.raises(ValueError, match="weights.h5"):
        editor.save(str(tmp_path / "x.h5"))


def test_keras_archive_and_optimizer(tmp_path):
    model = _model()
    model.compile("adam", "mse")
    model.fit(np.ones((4, 3), "float32"), np.ones((4, 2), "float32"), verbose=0)
    path = str(tmp_path / "m.keras")
    model.save(path)
    editor = KerasFileEditor(path)
    assert editor.config["class_name"] == "Sequential" and editor.metadata["keras_version"]
    assert len(editor.weights_dict["optimizer"]) == len(model.optimizer.variables)
    assert editor.compare(model)["status"] == "success"


def test_rejects_unsafe_and_unknown_files(tmp_path):
    path = str(tmp_path / "bad.weights.h5")
    with h5py.File(path, "w") as f:
        f.create_dataset("layers/dense/vars/0", data=np.ones(2))
        f["layers/other"] = h5py.SoftLink("/layers/dense")
    with pytest.raises(ValueError, match="SoftLink"):
        KerasFileEditor(path)
    with pytest.raises(ValueError, match="expected a `.keras` `.weights.h5` extension"):
        KerasFileEditor(str(tmp_path / "model.h5"))
    with pytest.raises(ValueError, match="should be a dict"):
        KerasFileEditor.__new__(KerasFileEditor).add_object("x", [1])
