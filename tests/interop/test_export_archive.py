"""`keras.export.ExportArchive` on PyTorch: endpoints traced with torch.export (dynamic batch), several
endpoints, functional models with several inputs, variable collections, the written directory and its
reloading, and Keras's errors."""
import json
import os

import numpy as np
import pytest
import torch

import torchkeras
from torchkeras.export import ExportArchive
from torchkeras.export import load_export_archive


def _model():
    return torchkeras.Sequential([torchkeras.Input((3,)), torchkeras.layers.Dense(4, activation="relu"),
                                  torchkeras.layers.Dropout(0.5), torchkeras.layers.Dense(2)])


def test_endpoints_and_variable_collections(tmp_path, capsys):
    model = _model()
    model.compile("adam", "mse")
    model.fit(np.ones((4, 3), "float32"), np.ones((4, 2), "float32"), verbose=0)
    archive = ExportArchive()
    archive.track(model)
    spec = [torchkeras.InputSpec(shape=(None, 3), dtype="float32")]
    archive.add_endpoint("serve", model.call, input_signature=spec)
    archive.add_endpoint("call_training", lambda x: model.call(x, training=True), input_signature=spec)
    assert not model.training  # exporting leaves the model in inference mode
    archive.add_variable_collection("optimizer_variables", model.optimizer.variables)
    assert len(archive.variables) == 4 and len(archive.trainable_variables) == 4
    path = str(tmp_path / "artifact")
    archive.write_out(path)
    out = capsys.readouterr().out
    assert f"Saved artifact at '{path}'" in out and "* Endpoint 'serve'" in out
    assert sorted(os.listdir(path)) == ["archive.json", "call_training.pt2", "serve.pt2", "variables.pt"]
    with open(os.path.join(path, "archive.json")) as f:
        manifest = json.load(f)
    assert manifest["endpoints"]["serve"] == [{"shape": [None, 3], "dtype": "float32"}]
    revived = load_export_archive(path)
    for batch in (1, 7):  # the batch dim is dynamic
        x = torch.randn(batch, 3)
        torch.testing.assert_close(revived.serve(x), model(x))
    x = torch.ones(256, 3)
    training_out = revived.call_training(x)
    assert not torch.allclose(training_out, model(x))  # dropout on
    assert [tuple(v.shape) for v in revived.optimizer_variables] == [tuple(v.shape)
                                                                    for v in model.optimizer.variables]
    for a, b in zip(revived.optimizer_variables, model.optimizer.variables):
        torch.testing.assert_close(a, b.detach().cpu())


def test_track_and_add_endpoint_functional_two_inputs(tmp_path):
    a, b = torchkeras.Input((3,), name="a"), torchkeras.Input((2,), name="b")
    model = torchkeras.Model([a, b], torchkeras.layers.Dense(1)(torchkeras.layers.Concatenate()([a, b])))
    archive = ExportArchive()
    signature = [[torchkeras.InputSpec(shape=(None, 3)), torchkeras.InputSpec(shape=(None, 2))]]
    archive.track_and_add_endpoint("serve", model, input_signature=signature)
    archive.write_out(str(tmp_path / "two"), verbose=False)
    revived = load_export_archive(str(tmp_path / "two"))
    xa, xb = torch.randn(5, 3), torch.randn(5, 2)
    torch.testing.assert_close(revived.serve([xa, xb]), model([xa, xb]))


def test_errors():
    model = _model()
    archive = ExportArchive()
    with pytest.raises(ValueError, match="Invalid resource type"):
        archive.track("model")
    with pytest.raises(ValueError, match="not yet been built"):
        archive.track(torchkeras.layers.Dense(2))
    with pytest.raises(ValueError, match="input_signature"):
        archive.add_endpoint("serve", model.call)
    spec = [torchkeras.InputSpec(shape=(None, 3))]
    archive.track_and_add_endpoint("serve", model, spec)
    with pytest.raises(ValueError, match="already taken"):
        archive.add_endpoint("serve", model.call, spec)
    with pytest.raises(ValueError, match="only supported with the jax backend"):
        archive.add_endpoint("other", model.call, spec, is_static=True)
    with pytest.raises(ValueError, match="list/tuple/set"):
        archive.add_variable_collection("v", model.weights[0])
    with pytest.raises(ValueError, match="No endpoints"):
        ExportArchive().write_out("unused")
    with pytest.raises(NotImplementedError, match="Neptune"):
        ExportArchive(format="neptune_model")
    with pytest.raises(ValueError, match="Unsupported format"):
        ExportArchive(format="onnx")
    with pytest.raises(ValueError, match="No ExportArchive"):
        load_export_archive("/nonexistent/path")
