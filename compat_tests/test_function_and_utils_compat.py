"""keras.Function, keras.utils.get_source_inputs / standardize_dtype / Config: torchkeras beside real Keras 3."""
import numpy as np
import pytest
import torch

import keras  # noqa: E402  (conftest sets KERAS_BACKEND=torch first)

import torchkeras


def _graph(k):
    a = k.KerasTensor(shape=(None, 2, 3))
    b = k.KerasTensor(shape=(None, 2, 3))
    c = k.ops.sigmoid(a + b)
    d = k.ops.sum(c * b, axis=-1)
    return k.Function(inputs=[a, b], outputs={"c": c, "d": d})


def test_function_of_ops_matches_keras():
    rng = np.random.RandomState(0)
    a, b = rng.random_sample((4, 2, 3)).astype("float32"), rng.random_sample((4, 2, 3)).astype("float32")
    ours, theirs = _graph(torchkeras), _graph(keras)
    got, want = ours([a, b]), theirs([a, b])
    for key in ("c", "d"):
        np.testing.assert_allclose(got[key].numpy(), want[key].cpu().numpy(), rtol=1e-6, atol=1e-7)
    assert [type(op).__name__ for op in ours.operations] == [type(op).__name__ for op in theirs.operations]
    assert ours.compute_output_shape([(5, 2, 3), (5, 2, 3)]) == theirs.compute_output_shape([(5, 2, 3), (5, 2, 3)])


def test_function_with_a_layer_matches_keras():
    weights = [np.arange(12, dtype="float32").reshape(4, 3) / 10, np.array([0.1, -0.2, 0.3], "float32")]
    x = np.random.RandomState(1).random_sample((5, 4)).astype("float32")
    results = []
    for k in (torchkeras, keras):
        inputs = k.Input((4,))
        dense = k.layers.Dense(3)
        outputs = k.ops.relu(dense(inputs))
        dense.set_weights(weights)
        fn = k.Function(inputs, outputs)
        out = fn(x)
        results.append(out.detach().cpu().numpy() if isinstance(out, torch.Tensor) else np.asarray(out))
    np.testing.assert_allclose(results[0], results[1], rtol=1e-5, atol=1e-6)


def test_get_source_inputs_matches_keras():
    def build(k):
        a, b = k.Input((3,), name="a"), k.Input((2,), name="b")
        merged = k.layers.Concatenate()([k.layers.Dense(2)(b), a, k.layers.Dense(2)(b)])
        return [t.name for t in k.utils.get_source_inputs(merged)], [t.name for t in k.utils.get_source_inputs(a)]

    assert build(torchkeras) == build(keras)


@pytest.mark.parametrize("dtype", [float, int, bool, "float32", "float64", "int64", "uint8", "bool", "bfloat16",
                                   "float16", np.float32, np.int32, np.bool_, torch.float16, torch.int64])
def test_standardize_dtype_matches_keras(dtype):
    assert torchkeras.utils.standardize_dtype(dtype) == keras.utils.standardize_dtype(dtype)


def test_config_matches_keras():
    results = []
    for k in (torchkeras, keras):
        config = k.utils.Config(learning_rate=0.1, momentum=0.9)
        config.use_ema = True
        config["seed"] = 3
        frozen_error = None
        config.freeze()
        try:
            config.other = 1
        except ValueError as e:
            frozen_error = str(e)
        try:
            config.learning_rat
        except AttributeError as e:
            missing = str(e)
        results.append((list(config), config.as_dict(), config.to_json(), repr(config), len(config),
                        frozen_error, missing, config.get("nope", 5)))
    assert results[0] == results[1]
