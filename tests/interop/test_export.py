"""`model.export(path, format=...)` (via `torchkeras.export.export_model`): torch.export programs and ONNX."""
import numpy as np
import pytest
import torch

import torchkeras as keras
from . import helpers
from torchkeras.export import export_model

needs_onnx = pytest.mark.skipif(not helpers.onnx_installed(), reason="the onnx package is not installed")


def export(model, path, **kwargs):
    if helpers.model_has_export():
        return model.export(path, **kwargs)
    return export_model(model, path, **kwargs)


def test_torch_format_round_trip_in_inference_mode(tmp_path, capsys):
    model = helpers.functional_mlp(dropout=0.5, batchnorm=True)
    model.get_layer("bn").moving_mean.assign(np.linspace(-1, 1, 8).astype("float32"))
    model.train()  # the export runs in inference mode and gives the mode back
    path = str(tmp_path / "model.pt2")
    assert export(model, path, format="torch") == path
    assert f"Saved PyTorch ExportedProgram at '{path}'." in capsys.readouterr().out
    assert model.training
    model.eval()
    program = torch.export.load(path)
    x = torch.ones(1, 4)
    torch.testing.assert_close(program.module()(x), model(x))


def test_dynamic_batch_and_the_pt2_alias(tmp_path):
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="tanh"), keras.layers.Dense(2)])
    path = str(tmp_path / "model.pt2")
    export(model, path, format="pt2", verbose=False, dynamic_shapes={0: torch.export.Dim("batch")})
    program = torch.export.load(path)
    for batch in (1, 5, 17):
        x = torch.randn(batch, 4)
        torch.testing.assert_close(program.module()(x), model(x))


def test_subclassed_and_dict_input_models(tmp_path):
    class Net(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = keras.layers.Dense(2)

        def call(self, x):
            return torch.relu(self.dense(x))

    net = Net()
    net(torch.zeros(3, 5))
    export(net, str(tmp_path / "net.pt2"), format="torch", verbose=False)
    x = torch.randn(1, 5)
    torch.testing.assert_close(torch.export.load(str(tmp_path / "net.pt2")).module()(x), net(x))

    a, b = keras.Input((3,), name="a"), keras.Input((2,), name="b")
    model = keras.Model({"a": a, "b": b}, keras.layers.Dense(1)(keras.layers.Concatenate()([a, b])))
    export(model, str(tmp_path / "dict.pt2"), format="torch", verbose=False)
    inputs = {"a": torch.randn(1, 3), "b": torch.randn(1, 2)}
    torch.testing.assert_close(torch.export.load(str(tmp_path / "dict.pt2")).module()(inputs), model(inputs))


def test_input_signature_overrides_the_model_inputs(tmp_path):
    model = keras.Sequential([keras.layers.Dense(2)])
    model.build((None, 6))
    path = str(tmp_path / "sig.pt2")
    export(model, path, format="torch", verbose=False, input_signature=[keras.KerasTensor((3, 6))])
    x = torch.randn(3, 6)
    torch.testing.assert_close(torch.export.load(path).module()(x), model(x))


def test_errors(tmp_path):
    model = helpers.functional_mlp()
    with pytest.raises(ValueError, match="needs TensorFlow"):
        export(model, str(tmp_path / "saved"), format="tf_saved_model")
    with pytest.raises(ValueError, match="needs TensorFlow"):
        export(model, str(tmp_path / "saved"))  # Keras's default format
    with pytest.raises(ValueError, match='format="openvino" is not supported'):
        export(model, str(tmp_path / "m.xml"), format="openvino")
    with pytest.raises(ValueError, match="Unrecognized format=jpeg"):
        export(model, str(tmp_path / "m"), format="jpeg")
    with pytest.raises(ValueError, match="end with '.pt2'"):
        export(model, str(tmp_path / "m.pt"), format="torch")
    with pytest.raises(ValueError, match='Unsupported arguments for `format="torch"`: opset_version'):
        export(model, str(tmp_path / "m.pt2"), format="torch", opset_version=17)
    unbuilt = keras.Sequential([keras.layers.Dense(2)])
    with pytest.raises(ValueError, match="not yet been built"):
        export(unbuilt, str(tmp_path / "m.pt2"), format="torch")


def test_onnx_needs_the_onnx_package(tmp_path, monkeypatch):
    from torchkeras.export import onnx_format

    monkeypatch.setattr(onnx_format, "onnx_available", lambda: False)
    with pytest.raises(ImportError, match="pip install onnx onnxscript"):
        export(helpers.functional_mlp(), str(tmp_path / "m.onnx"), format="onnx")


@needs_onnx
def test_onnx_export_matches_with_a_dynamic_batch(tmp_path):
    import onnx
    from onnx.reference import ReferenceEvaluator

    model = helpers.functional_mlp(dropout=0.5, batchnorm=True)
    path = str(tmp_path / "model.onnx")
    export(model, path, format="onnx")
    graph = onnx.load(path).graph
    assert [i.name for i in graph.input] == ["features"]
    assert graph.input[0].type.tensor_type.shape.dim[0].dim_param  # the batch dim stays symbolic
    evaluator = ReferenceEvaluator(path)
    for batch in (1, 6):
        x = torch.randn(batch, 4)
        result = evaluator.run(None, {"features": x.numpy()})[0]
        np.testing.assert_allclose(result, model(x).detach().numpy(), rtol=1e-5, atol=1e-6)


@needs_onnx
def test_onnx_export_of_a_dict_input_model(tmp_path):
    from onnx.reference import ReferenceEvaluator

    a, b = keras.Input((3,), name="a"), keras.Input((2,), name="b")
    model = keras.Model({"a": a, "b": b}, keras.layers.Dense(1)(keras.layers.Concatenate()([a, b])))
    path = str(tmp_path / "dict.onnx")
    export(model, path, format="onnx")
    xa, xb = np.random.rand(4, 3).astype("float32"), np.random.rand(4, 2).astype("float32")
    result = ReferenceEvaluator(path).run(None, {"a": xa, "b": xb})[0]
    expected = model({"a": torch.tensor(xa), "b": torch.tensor(xb)}).detach().numpy()
    np.testing.assert_allclose(result, expected, rtol=1e-5, atol=1e-6)
