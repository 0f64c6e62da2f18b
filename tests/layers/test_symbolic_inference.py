"""Symbolic shape inference never fails where the layer itself works (issue 13, item 2).

A family of custom layers using every kind of op is called on symbolic inputs, small and large (more than
65,536 elements: meta runs), with known and unknown batch sizes. Each must infer the shape the eager call
gives, build its sub-layers with real weights (never on the meta device), and keep working eagerly.
"""
import subprocess
import sys

import numpy as np
import pytest
import torch

import torchkeras as keras
from torchkeras import layers
from torchkeras import ops


class ArangePlusDense(layers.Layer):
    """The issue's layer: a constant from `ops.arange` meets a lazily built sub-layer's output."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.dense = layers.Dense(16)

    def call(self, x):
        positions = ops.cast(ops.arange(ops.shape(x)[1]), "float32")
        return self.dense(x) + ops.expand_dims(positions, -1)


class CreationOps(layers.Layer):
    """zeros / ones / eye / full / one_hot / linspace constants mixed with the input."""

    def call(self, x):
        n = x.shape[-1]
        y = ops.matmul(x, ops.eye(n) + ops.zeros((n, n)))
        y = y + ops.ones((n,)) * 0.5 + ops.full((1, n), 2.0)
        labels = ops.one_hot(ops.arange(n) % 3, 3)
        y = ops.concatenate([y, ops.broadcast_to(ops.sum(labels, axis=0), ops.shape(y)[:-1] + (3,))], axis=-1)
        return y + ops.linspace(0.0, 1.0, n + 3)


class RandomOps(layers.Layer):
    """Random draws shaped like the input, with a seed generator, and dropout in training."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.seed_generator = keras.random.SeedGenerator(1)
        self.proj = layers.Dense(8)

    def call(self, x, training=None):
        noise = keras.random.normal(ops.shape(x), seed=self.seed_generator)
        keep = keras.random.uniform(ops.shape(x)[-1:], seed=3) > 0.1
        x = ops.where(keep, x + 0.0 * noise, x)
        x = keras.random.dropout(x, 0.2, seed=self.seed_generator) if training else x
        return self.proj(x)


class ShapeArithmetic(layers.Layer):
    """Reshapes computed from `ops.shape` (unknown sizes included)."""

    def call(self, x):
        shape = ops.shape(x)
        batch, last = shape[0], shape[-1]
        flat = ops.reshape(x, (batch, -1, 2, last // 2))
        flat = ops.transpose(flat, (0, 2, 1, 3))
        return ops.reshape(flat, (batch, 2, -1))


class StaticControlFlow(layers.Layer):
    """Python `if`/`for` on static shapes choose the sub-layers (built lazily, in a list)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.blocks = [layers.Dense(8, activation="relu") for _ in range(3)]
        self.wide = layers.Dense(4)
        self.narrow = layers.Dense(2)

    def call(self, x):
        for block in self.blocks[: 2 if x.shape[-1] > 8 else 3]:
            x = block(x)
        if len(x.shape) == 3:
            x = ops.mean(x, axis=1)
        return self.wide(x) if x.shape[-1] >= 8 else self.narrow(x)


class Nested(layers.Layer):
    """A custom layer holding another custom layer, both building lazily."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.inner = ArangePlusDense()
        self.norm = layers.LayerNormalization()

    def call(self, x):
        return self.norm(self.inner(x) * 2.0)


class CausalSelfAttention(layers.Layer):
    """An attention mask built from `ops.tril(ops.ones(...))` and a padding mask, into MultiHeadAttention."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.attention = layers.MultiHeadAttention(num_heads=2, key_dim=4)

    def call(self, x):
        length = ops.shape(x)[1]
        causal = ops.cast(ops.tril(ops.ones((length, length))), "bool")
        padding = ops.not_equal(ops.sum(x, axis=-1), 12345.0)
        mask = ops.logical_and(causal[None, :, :], padding[:, None, :])
        return self.attention(x, x, attention_mask=mask)


class DeviceConstant(layers.Layer):
    """Plain torch code making a CPU tensor with no `device=` argument, next to a sub-layer."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.dense = layers.Dense(6)

    def call(self, x):
        offsets = torch.arange(6, dtype=torch.float32)
        return self.dense(x) + offsets.to(x.device)


class NeedsData(layers.Layer):
    """Reads a value (`.item()`): meta and fake runs can't, real stand-ins can."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.dense = layers.Dense(5)

    def call(self, x):
        scale = float(ops.convert_to_numpy(ops.max(ops.abs(x)))) + 1.0
        return self.dense(x) / scale


class EmbeddingMask(layers.Layer):
    """Int inputs, an embedding with `mask_zero`, and the mask used in a masked mean."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.embedding = layers.Embedding(50, 8, mask_zero=True)

    def call(self, ids):
        emb = self.embedding(ids)
        mask = ops.cast(self.embedding.compute_mask(ids), emb.dtype)[..., None]
        return ops.sum(emb * mask, axis=1) / ops.maximum(ops.sum(mask, axis=1), 1.0)


SMALL = (8, 16)  # 7 * 8 * 16 elements: real stand-ins
LARGE = (300, 300)  # > 65,536 elements: meta runs

CASES = [
    (ArangePlusDense, SMALL, "float32"),
    (ArangePlusDense, LARGE, "float32"),
    (CreationOps, SMALL, "float32"),
    (CreationOps, (400, 200), "float32"),
    (RandomOps, SMALL, "float32"),
    (RandomOps, LARGE, "float32"),
    (ShapeArithmetic, SMALL, "float32"),
    (ShapeArithmetic, LARGE, "float32"),
    (StaticControlFlow, SMALL, "float32"),
    (StaticControlFlow, (6,), "float32"),
    (StaticControlFlow, (500, 200), "float32"),
    (Nested, SMALL, "float32"),
    (Nested, LARGE, "float32"),
    (CausalSelfAttention, (6, 8), "float32"),
    (CausalSelfAttention, (2100, 8), "float32"),
    (DeviceConstant, SMALL, "float32"),
    (DeviceConstant, LARGE, "float32"),
    (NeedsData, SMALL, "float32"),
    (NeedsData, LARGE, "float32"),
    (EmbeddingMask, (12,), "int32"),
    (EmbeddingMask, (70000,), "int32"),
]


def _data(shape, dtype, batch):
    rng = np.random.default_rng(0)
    if dtype == "int32":
        return rng.integers(0, 50, (batch,) + shape).astype("int32")
    return rng.standard_normal((batch,) + shape).astype("float32")


def _all_real(layer):
    return all(v.device.type != "meta" for v in layer.weights) and all(
        p.device.type != "meta" for p in layer.parameters())


@pytest.mark.parametrize("batch_size", [None, 3])
@pytest.mark.parametrize("cls,shape,dtype", CASES, ids=[f"{c.__name__}-{s}" for c, s, _ in CASES])
def test_symbolic_call_matches_eager_and_builds_real_weights(cls, shape, dtype, batch_size):
    layer = cls()
    symbolic_out = layer(keras.Input(shape, batch_size=batch_size, dtype=dtype))
    assert layer.built
    assert _all_real(layer), [(v.path, v.device) for v in layer.weights]
    x = _data(shape, dtype, batch_size or 2)
    eager_out = layer(x)
    expected = (batch_size,) + tuple(eager_out.shape)[1:]
    assert symbolic_out.shape == expected
    assert symbolic_out.dtype == keras.backend.standardize_dtype(eager_out.dtype)
    n_weights = len(layer.weights)
    # A second symbolic call reuses the weights: nothing is built twice.
    layer(keras.Input(shape, batch_size=batch_size, dtype=dtype))
    assert len(layer.weights) == n_weights and _all_real(layer)


@pytest.mark.parametrize("shape", [(None, 16), (None, 300)], ids=["small", "large"])
def test_unknown_sequence_length(shape):
    layer = ArangePlusDense()
    out = layer(keras.Input(shape))
    assert out.shape == (None, None, 16)
    assert _all_real(layer)
    built_shape = layer.dense.get_build_config()["input_shape"]
    # The batch size stays unknown; like Keras (which records its filler, 83), a sub-layer may see a stand-in
    # size for the unknown length.
    assert built_shape[0] is None and built_shape[-1] == shape[-1]
    assert tuple(layer(np.ones((2, 5, shape[-1]), "float32")).shape) == (2, 5, 16)


def test_issue_reproducer_in_a_functional_model_trains():
    inputs = keras.Input((300, 300))
    h = ArangePlusDense()(inputs)
    outputs = layers.Dense(1)(layers.GlobalAveragePooling1D()(h))
    model = keras.Model(inputs, outputs)
    assert all(p.device.type != "meta" for p in model.parameters())
    model.compile("sgd", "mse")
    x = np.random.default_rng(0).standard_normal((4, 300, 300)).astype("float32")
    history = model.fit(x, np.zeros((4, 1), "float32"), epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])


def test_subclassed_model_with_lazy_sublayers_on_large_input():
    class Net(keras.Model):
        def __init__(self):
            super().__init__()
            self.block = Nested()
            self.head = layers.Dense(3)

        def call(self, x):
            return self.head(ops.mean(self.block(x), axis=1))

    model = Net()
    model.build((None, 300, 300))
    assert all(p.device.type != "meta" for p in model.parameters())
    assert tuple(model(np.ones((2, 300, 300), "float32")).shape) == (2, 3)


class Bad(layers.Layer):
    def call(self, x):
        raise ValueError("boom")


class BadShapes(layers.Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.dense = layers.Dense(4)

    def call(self, x):
        return ops.reshape(self.dense(x), (5, 7))


@pytest.mark.parametrize("shape", [(3,), (300, 300)], ids=["small", "large"])
def test_errors_of_the_users_call_are_reported_as_keras_does(shape):
    with pytest.raises(ValueError) as info:
        Bad(name="bad")(keras.Input(shape))
    message = str(info.value)
    assert message.startswith("Exception encountered when calling Bad.call().")
    assert "Could not automatically infer the output shape / dtype of 'bad' (of type Bad)" in message
    assert "Error encountered:\n\nboom" in message
    assert f"shape={(None,) + shape}" in message
    assert "Arguments received by Bad.call():" in message

    layer = BadShapes(name="bad_shapes")
    with pytest.raises(RuntimeError, match="is invalid for input of size") as info:
        layer(keras.Input(shape))
    assert "'bad_shapes' (of type BadShapes)" in str(info.value)
    # The sub-layer built on the way has real weights, and nothing is left on meta.
    assert layer.dense.built and _all_real(layer)


def test_error_of_nested_layer_is_reported_once():
    class Outer(layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.inner = Bad(name="inner_bad")

        def call(self, x):
            return self.inner(x)

    with pytest.raises(ValueError) as info:
        Outer(name="outer")(keras.Input((3,)))
    assert str(info.value).count("Exception encountered when calling") == 1
    assert "boom" in str(info.value)


def test_traceback_filtering_off_keeps_the_inference_error():
    keras.config.disable_traceback_filtering()
    try:
        with pytest.raises(ValueError) as info:
            Bad(name="bad")(keras.Input((3,)))
    finally:
        keras.config.enable_traceback_filtering()
    assert not str(info.value).startswith("Exception encountered")
    assert "Could not automatically infer" in str(info.value)


def test_a_failed_build_leaves_no_weights_behind():
    class Flaky(layers.Layer):
        tries = 0

        def build(self, input_shape):
            self.kernel = self.add_weight(shape=(input_shape[-1], 2), name="kernel")
            Flaky.tries += 1
            if Flaky.tries == 1:
                raise RuntimeError("first build fails")
            self.bias = self.add_weight(shape=(2,), name="bias", initializer="zeros")

        def call(self, x):
            return ops.matmul(x, self.kernel) + self.bias

    layer = Flaky()
    with pytest.raises(RuntimeError, match="first build fails"):
        layer(np.ones((1, 3), "float32"))
    assert not layer.built and layer.weights == [] and list(layer.state_dict()) == []
    assert tuple(layer(np.ones((1, 3), "float32")).shape) == (1, 2)
    assert [w.path for w in layer.weights] == ["flaky/kernel", "flaky/bias"]


def test_ops_on_large_symbolic_inputs_with_constants():
    x = keras.Input((300, 300))
    y = ops.add(x, ops.arange(300, dtype="float32"))
    assert y.shape == (None, 300, 300)
    z = ops.matmul(x, ops.eye(300))
    assert z.shape == (None, 300, 300)


def test_small_models_build_without_importing_dynamo():
    code = (
        "import sys\n"
        "import torchkeras as keras\n"
        "from torchkeras import layers, ops\n"
        "class L(layers.Layer):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        self.d = layers.Dense(4)\n"
        "    def call(self, x):\n"
        "        return self.d(x) + ops.cast(ops.arange(ops.shape(x)[1]), 'float32')[:, None]\n"
        "inputs = keras.Input((10, 8))\n"
        "h = L()(inputs)\n"
        "h = layers.Conv1D(4, 3)(h)\n"
        "h = layers.LSTM(4)(h)\n"
        "h = layers.Dropout(0.1)(layers.BatchNormalization()(h))\n"
        "model = keras.Model(inputs, layers.Dense(2)(h))\n"
        "seq = keras.Sequential([keras.Input((4,)), layers.Dense(3), layers.Dense(1)])\n"
        "print('torch._dynamo' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"
