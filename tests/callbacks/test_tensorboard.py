import json
import os
import warnings

import numpy as np
import pytest

import torchkeras as keras
from torchkeras.callbacks.lazy_logs import LazyLogs

from .helpers import make_model

event_accumulator = pytest.importorskip("tensorboard.backend.event_processing.event_accumulator")


def _read(run_dir):
    acc = event_accumulator.EventAccumulator(
        str(run_dir), size_guidance={"scalars": 0, "histograms": 0, "images": 0, "tensors": 0})
    acc.Reload()
    return acc


def _scalars(acc, tag):
    return [(e.step, e.value) for e in acc.Scalars(tag)]


def _fit(data, callbacks, epochs=3, model=None, batch_size=10, validation=True):
    x, y = data
    model = model or make_model(metrics=["mae"])
    kwargs = dict(validation_split=0.25) if validation else {}
    history = model.fit(x, y, epochs=epochs, batch_size=batch_size, shuffle=False, verbose=0, callbacks=callbacks,
                        **kwargs)
    return model, history


def test_runs_and_epoch_scalars(tmp_path, data):
    model, history = _fit(data, [keras.callbacks.TensorBoard(tmp_path)])
    assert sorted(os.listdir(tmp_path)) == ["train", "validation"]
    train, val = _read(tmp_path / "train"), _read(tmp_path / "validation")
    assert sorted(train.Tags()["scalars"]) == ["epoch_learning_rate", "epoch_loss", "epoch_mae"]
    for key in ("loss", "mae"):
        steps, values = zip(*_scalars(train, f"epoch_{key}"))
        assert steps == (0, 1, 2)
        np.testing.assert_allclose(values, history.history[key], rtol=1e-6)
        steps, values = zip(*_scalars(val, f"epoch_{key}"))
        assert steps == (0, 1, 2)
        np.testing.assert_allclose(values, history.history[f"val_{key}"], rtol=1e-6)
    np.testing.assert_allclose([v for _, v in _scalars(train, "epoch_learning_rate")], [0.05] * 3, rtol=1e-6)
    # One evaluation per epoch, at the optimizer's iteration count (3 batches per epoch).
    assert [s for s, _ in _scalars(val, "evaluation_loss_vs_iterations")] == [3, 6, 9]
    np.testing.assert_allclose([v for _, v in _scalars(val, "evaluation_mae_vs_iterations")],
                               history.history["val_mae"], rtol=1e-6)


def test_batch_scalars_with_update_freq(tmp_path, data):
    batch_logs = []
    recorder = keras.callbacks.LambdaCallback(on_train_batch_end=lambda b, logs: batch_logs.append(logs["loss"]))
    _fit(data, [recorder, keras.callbacks.TensorBoard(tmp_path / "every", update_freq="batch")], epochs=2)
    steps, values = zip(*_scalars(_read(tmp_path / "every" / "train"), "batch_loss"))
    assert steps == (1, 2, 3, 4, 5, 6)
    np.testing.assert_allclose(values, batch_logs, rtol=1e-6)
    _fit(data, [keras.callbacks.TensorBoard(tmp_path / "two", update_freq=2)], epochs=2)
    assert [s for s, _ in _scalars(_read(tmp_path / "two" / "train"), "batch_mae")] == [2, 4, 6]


def test_no_batch_scalars_by_default_and_no_host_sync_per_batch(tmp_path, data, monkeypatch):
    calls = []
    original = LazyLogs.materialize

    def counting(self):
        calls.append(1)
        return original(self)

    monkeypatch.setattr(LazyLogs, "materialize", counting)
    _fit(data, [keras.callbacks.TensorBoard(tmp_path, histogram_freq=1, write_images=True)], epochs=2,
         validation=False)
    assert len(calls) == 0  # epoch logs come from the metrics; none of the 6 batch logs is read
    assert "batch_loss" not in _read(tmp_path / "train").Tags()["scalars"]


def test_weight_histograms_and_images(tmp_path, data):
    model, _ = _fit(data, [keras.callbacks.TensorBoard(tmp_path, histogram_freq=2, write_images=True)])
    train = _read(tmp_path / "train")
    paths = [w.path for w in model.weights]
    assert sorted(train.Tags()["histograms"]) == sorted(f"{p}/histogram" for p in paths)
    kernel = model.weights[0]
    events = train.Histograms(f"{kernel.path}/histogram")
    assert [e.step for e in events] == [0, 2]
    last = events[-1].histogram_value
    assert last.num == kernel.numpy().size
    np.testing.assert_allclose([last.min, last.max], [kernel.numpy().min(), kernel.numpy().max()], rtol=1e-6)
    # Kernels (3x4, 4x1) and the 4-unit bias are written as images; the 1-unit bias squeezes to a scalar.
    assert sorted(train.Tags()["images"]) == sorted(f"{p}/image" for p in paths[:3])
    image = train.Images(f"{kernel.path}/image")[0]
    assert (image.height, image.width) == (3, 4)


def test_keras_model_config_and_traced_graph(tmp_path, data):
    model, _ = _fit(data, [keras.callbacks.TensorBoard(tmp_path)], epochs=1)
    train = _read(tmp_path / "train")
    (event,) = train.Tensors("keras")
    assert event.step == 0
    assert json.loads(event.tensor_proto.string_val[0]) == json.loads(model.to_json())
    assert train.summary_metadata["keras"].plugin_data.plugin_name == "graph_keras_model"
    graph = train.Graph()
    assert any("Dense" in node.op or "addmm" in node.op or "linear" in node.op for node in graph.node)


def test_write_graph_false_writes_neither(tmp_path, data):
    _fit(data, [keras.callbacks.TensorBoard(tmp_path, write_graph=False)], epochs=1)
    train = _read(tmp_path / "train")
    assert train.Tags()["tensors"] == [] and not train.Tags()["graph"]


def test_graph_that_cannot_be_traced_warns(tmp_path, data, monkeypatch):
    from torch.utils.tensorboard import SummaryWriter

    def refuse(self, model, input_to_model=None, verbose=False, use_strict_trace=True):
        raise RuntimeError("Tracer cannot infer type of output")

    monkeypatch.setattr(SummaryWriter, "add_graph", refuse)
    with pytest.warns(UserWarning) as record:
        _fit(data, [keras.callbacks.TensorBoard(tmp_path)], epochs=1)
    messages = [str(w.message) for w in record]
    assert ("TensorBoard could not trace the model's graph with torch.jit.trace, so no graph is written (the Keras "
            "model config is still written as `keras`). Reason: RuntimeError: Tracer cannot infer type of output"
            in messages)
    train = _read(tmp_path / "train")
    assert "epoch_loss" in train.Tags()["scalars"] and train.Tags()["tensors"] == ["keras"]


def test_subclassed_model_graph_without_keras_config(tmp_path, data):
    class Net(keras.Model):
        def __init__(self):
            super().__init__()
            self.hidden = keras.layers.Dense(4, activation="relu")
            self.out = keras.layers.Dense(1)

        def call(self, x, training=None):
            return self.out(self.hidden(x))

    model = Net()
    model.compile("sgd", "mse")
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        _fit(data, [keras.callbacks.TensorBoard(tmp_path)], epochs=1, model=model)
    train = _read(tmp_path / "train")
    assert train.Tags()["tensors"] == []  # Keras writes the config only for Sequential and functional models
    assert "epoch_loss" in train.Tags()["scalars"]
    # The graph is traced by torch.jit.trace; when tracing fails the callback says so and training goes on.
    failed = [w for w in record if "could not trace the model's graph" in str(w.message)]
    assert bool(train.Tags()["graph"]) != bool(failed)


def test_steps_per_second(tmp_path, data):
    _fit(data, [keras.callbacks.TensorBoard(tmp_path, write_steps_per_second=True, update_freq=1)], epochs=2)
    train = _read(tmp_path / "train")
    assert all(v > 0 for _, v in _scalars(train, "epoch_steps_per_second"))
    assert [s for s, _ in _scalars(train, "batch_steps_per_second")] == [1, 2, 3, 4, 5, 6]


def test_standalone_evaluate(tmp_path, data):
    x, y = data
    model = make_model()
    model.fit(x, y, epochs=1, batch_size=10, verbose=0)
    loss = model.evaluate(x, y, verbose=0, callbacks=[keras.callbacks.TensorBoard(tmp_path)])
    events = _scalars(_read(tmp_path / "validation"), "evaluation_loss_vs_iterations")
    assert [s for s, _ in events] == [4]
    np.testing.assert_allclose(events[0][1], loss, rtol=1e-6)


def test_profile_batch_writes_a_torch_profiler_trace(tmp_path, data):
    _fit(data, [keras.callbacks.TensorBoard(tmp_path, profile_batch=(2, 3))], epochs=1, validation=False)
    profile_dir = tmp_path / "train" / "plugins" / "profile"
    traces = [name for name in os.listdir(profile_dir) if name.endswith(".pt.trace.json")]
    assert len(traces) == 1
    trace = json.loads((profile_dir / traces[0]).read_text())
    assert trace["traceEvents"]


@pytest.mark.parametrize("value", [-1, (3, 2), "a,b", (1, 2, 3)])
def test_profile_batch_errors(value):
    with pytest.raises(ValueError) as e:
        keras.callbacks.TensorBoard(profile_batch=value)
    assert str(e.value) == (
        "profile_batch must be a non-negative integer or 2-tuple of positive integers. A pair of positive integers "
        f"signifies a range of batches to profile. Found: {value}"
    )


def test_embeddings(tmp_path, data):
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((2,), dtype="int32"), keras.layers.Embedding(5, 3, name="emb"),
                              keras.layers.Flatten(), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    metadata = tmp_path / "labels.tsv"
    metadata.write_text("\n".join(f"word{i}" for i in range(5)) + "\n")
    x = np.random.default_rng(0).integers(0, 5, (8, 2)).astype("int32")
    y = np.zeros((8, 1), "float32")
    model.fit(x, y, epochs=2, verbose=0, callbacks=[
        keras.callbacks.TensorBoard(tmp_path / "logs", embeddings_freq=1, embeddings_metadata={"emb": str(metadata)})])
    train = tmp_path / "logs" / "train"
    config = (train / "projector_config.pbtxt").read_text()
    assert config.count("embeddings {") == 2 and "tensor_name: \"emb:00001\"" in config
    vectors = np.loadtxt(train / "00001" / "emb" / "tensors.tsv", delimiter="\t")
    np.testing.assert_allclose(vectors, model.get_layer("emb").embeddings.numpy(), rtol=1e-5)
    assert (train / "00001" / "emb" / "metadata.tsv").read_text().split() == [f"word{i}" for i in range(5)]
    with pytest.raises(ValueError, match="Unrecognized `Embedding` layer names passed to `keras.callbacks"):
        model.fit(x, y, epochs=1, verbose=0, callbacks=[
            keras.callbacks.TensorBoard(tmp_path / "bad", embeddings_freq=1, embeddings_metadata={"nope": "x"})])


def test_keras2_arguments():
    with pytest.warns(UserWarning, match="`write_grads` will be ignored"):
        keras.callbacks.TensorBoard(write_grads=True)
    with pytest.raises(TypeError, match="unexpected keyword argument 'bogus'"):
        keras.callbacks.TensorBoard(bogus=1)
    with pytest.raises(ValueError, match="Expected `update_freq` to be 'epoch', 'batch' or a positive integer"):
        keras.callbacks.TensorBoard(update_freq="sometimes")


def test_writers_are_created_lazily(tmp_path):
    keras.callbacks.TensorBoard(tmp_path / "never", write_graph=False)
    assert not (tmp_path / "never").exists()
