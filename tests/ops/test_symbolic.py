"""Ops on symbolic KerasTensors: shapes and dtypes, graph nodes, and functional models built from ops."""
import numpy as np
import pytest

import torchkeras
from torchkeras import ops
from torchkeras.backend import KerasTensor

X = KerasTensor((None, 3))
I = KerasTensor((None, 3), dtype="int32")
IMG = KerasTensor((None, 8, 8, 3))

CASES = [
    (lambda: ops.add(X, 1.0), (None, 3), "float32"),
    (lambda: ops.add(I, 1.0), (None, 3), "float32"),
    (lambda: ops.add(I, 2), (None, 3), "int32"),
    (lambda: X - X, (None, 3), "float32"),
    (lambda: 2.0 * X, (None, 3), "float32"),
    (lambda: X / 2, (None, 3), "float32"),
    (lambda: I // 2, (None, 3), "int32"),
    (lambda: I % 2, (None, 3), "int32"),
    (lambda: X ** 2, (None, 3), "float32"),
    (lambda: -X, (None, 3), "float32"),
    (lambda: abs(X), (None, 3), "float32"),
    (lambda: X > 0, (None, 3), "bool"),
    (lambda: (X > 0) & (X < 1), (None, 3), "bool"),
    (lambda: ~(X > 0), (None, 3), "bool"),
    (lambda: X @ ops.ones((3, 4)), (None, 4), "float32"),
    (lambda: X[:, 1], (None,), "float32"),
    (lambda: X[:, None, 0:2], (None, 1, 2), "float32"),
    (lambda: X[..., -1:], (None, 1), "float32"),
    (lambda: ops.mean(X, axis=-1), (None,), "float32"),
    (lambda: ops.mean(I, axis=0), (3,), "float32"),
    (lambda: ops.sum(X, axis=1, keepdims=True), (None, 1), "float32"),
    (lambda: ops.max(X), (), "float32"),
    (lambda: ops.argmax(X, axis=-1), (None,), "int32"),
    (lambda: ops.reshape(X, (-1, 3, 1)), (None, 3, 1), "float32"),
    (lambda: X.reshape((-1, 1, 3)), (None, 1, 3), "float32"),
    (lambda: ops.transpose(X), (3, None), "float32"),
    (lambda: ops.expand_dims(X, 1), (None, 1, 3), "float32"),
    (lambda: ops.squeeze(ops.expand_dims(X, 1), 1), (None, 3), "float32"),
    (lambda: ops.concatenate([X, X], axis=-1), (None, 6), "float32"),
    (lambda: ops.concatenate([X, X], axis=0), (None, 3), "float32"),
    (lambda: ops.stack([X, X], axis=1), (None, 2, 3), "float32"),
    (lambda: ops.tile(X, (1, 2)), (None, 6), "float32"),
    (lambda: ops.repeat(X, 2, axis=1), (None, 6), "float32"),
    (lambda: ops.broadcast_to(ops.ones((1, 3)), (4, 3)), (4, 3), "float32"),
    (lambda: ops.where(X > 0, X, 0.0), (None, 3), "float32"),
    (lambda: ops.clip(X, 0, 1), (None, 3), "float32"),
    (lambda: ops.cast(X, "int32"), (None, 3), "int32"),
    (lambda: ops.convert_to_tensor(X, dtype="float16"), (None, 3), "float16"),
    (lambda: ops.one_hot(I[:, 0], 5), (None, 5), "float32"),
    (lambda: ops.softmax(X), (None, 3), "float32"),
    (lambda: ops.relu(X), (None, 3), "float32"),
    (lambda: ops.take(X, [0, 2], axis=1), (None, 2), "float32"),
    (lambda: ops.take_along_axis(X, ops.argsort(X), axis=1), (None, 3), "float32"),
    (lambda: ops.pad(X, ((0, 0), (1, 2))), (None, 6), "float32"),
    (lambda: ops.cumsum(X, axis=1), (None, 3), "float32"),
    (lambda: ops.sort(X), (None, 3), "float32"),
    (lambda: ops.top_k(X, 2)[1], (None, 2), "int64"),  # torch's indices, as Keras on torch returns them
    (lambda: ops.split(X, 3, axis=1)[0], (None, 1), "float32"),
    (lambda: ops.unstack(X, axis=1)[2], (None,), "float32"),
    (lambda: ops.slice(X, (0, 1), (2, 2)), (2, 2), "float32"),
    (lambda: ops.slice_update(X, (0, 1), ops.zeros((1, 2))), (None, 3), "float32"),
    (lambda: ops.zeros_like(X), (None, 3), "float32"),
    (lambda: ops.full_like(I, 3), (None, 3), "int32"),
    (lambda: ops.einsum("bi,bj->bij", X, X), (None, 3, 3), "float32"),
    (lambda: ops.tensordot(X, ops.ones((3, 2)), 1), (None, 2), "float32"),
    (lambda: ops.norm(X, axis=-1), (None,), "float32"),
    (lambda: ops.normalize(X), (None, 3), "float32"),
    (lambda: ops.moments(X, axes=[0])[1], (3,), "float32"),
    (lambda: ops.layer_normalization(X), (None, 3), "float32"),
    (lambda: ops.logsumexp(X, axis=1), (None,), "float32"),
    (lambda: ops.conv(IMG, ops.ones((3, 3, 3, 4)), padding="same"), (None, 8, 8, 4), "float32"),
    (lambda: ops.conv(IMG, ops.ones((3, 3, 3, 4)), strides=2), (None, 3, 3, 4), "float32"),
    (lambda: ops.conv_transpose(IMG, ops.ones((3, 3, 5, 3)), strides=2, padding="same"), (None, 16, 16, 5),
     "float32"),
    (lambda: ops.depthwise_conv(IMG, ops.ones((3, 3, 3, 2))), (None, 6, 6, 6), "float32"),
    (lambda: ops.max_pool(IMG, 2), (None, 4, 4, 3), "float32"),
    (lambda: ops.average_pool(IMG, 3, 2, "same"), (None, 4, 4, 3), "float32"),
    (lambda: ops.image.resize(IMG, (4, 5)), (None, 4, 5, 3), "float32"),
    (lambda: ops.image.rgb_to_grayscale(IMG), (None, 8, 8, 1), "float32"),
    (lambda: ops.binary_crossentropy(X, X), (None, 3), "float32"),
    (lambda: ops.categorical_crossentropy(X, X), (None,), "float32"),
    (lambda: ops.sparse_categorical_crossentropy(I[:, 0], X), (None,), "float32"),
    (lambda: ops.dot_product_attention(KerasTensor((None, 4, 2, 8)), KerasTensor((None, 5, 2, 8)),
                                       KerasTensor((None, 5, 2, 8))), (None, 4, 2, 8), "float32"),
    (lambda: ops.cond(ops.sum(X) > 0, lambda: X + 1, lambda: X - 1), (None, 3), "float32"),
    (lambda: ops.stop_gradient(X), (None, 3), "float32"),
    (lambda: ops.rearrange(X, "b c -> c b"), (3, None), "float32"),
    (lambda: ops.arange(0, 4), (4,), "int32"),
]


def test_ops_on_keras_tensors_give_keras_tensors_with_the_right_spec():
    for i, (make, shape, dtype) in enumerate(CASES):
        out = make()
        if isinstance(out, KerasTensor):
            assert out.shape == shape, (i, out.shape, shape)
            assert out.dtype == dtype, (i, out.dtype, dtype)
        else:  # pure creation ops have no symbolic input
            assert tuple(out.shape) == shape, (i, tuple(out.shape))


def test_symbolic_op_records_a_node_with_keras_class_name():
    y = ops.mean(X, axis=1)
    op, node_index, _ = y._keras_history
    assert type(op).__name__ == "Mean"
    assert type(op)._keras_registered_name == ("keras.src.ops.numpy", "Mean")
    assert op._inbound_nodes[node_index].input_tensors == [X]
    relu_op = ops.relu(X)._keras_history[0]
    assert type(relu_op)._keras_registered_name == ("keras.src.ops.nn", "Relu")


def test_functional_model_built_from_ops_matches_eager():
    inputs = torchkeras.Input((4,))
    h = ops.reshape(ops.add(inputs, 1.0), (-1, 2, 2))
    h = ops.softmax(ops.mean(h, axis=1) * 3.0)
    out = ops.concatenate([h, inputs[:, :1] ** 2], axis=-1)
    model = torchkeras.Model(inputs, out)
    x = np.random.default_rng(0).standard_normal((5, 4)).astype("float32")
    got = ops.convert_to_numpy(model(x))
    h_ref = ops.softmax(ops.mean(ops.reshape(x + 1.0, (-1, 2, 2)), axis=1) * 3.0)
    expected = np.concatenate([ops.convert_to_numpy(h_ref), x[:, :1] ** 2], axis=-1)
    np.testing.assert_allclose(got, expected, rtol=1e-6)


def test_shape_inference_does_not_advance_seed_generators():
    gen = torchkeras.random.SeedGenerator(3)

    def noisy(x):
        return x + torchkeras.random.normal(ops.shape(x), seed=gen)

    from torchkeras.backend import symbolic

    spec = symbolic.compute_output_spec(noisy, KerasTensor((2, 3)))
    assert spec.shape == (2, 3)
    np.testing.assert_array_equal(gen.state.numpy(), [3, 0])


def test_symbolic_errors_are_raised_at_build_time():
    with pytest.raises(RuntimeError, match="same reduction dim|shapes cannot be multiplied"):
        ops.matmul(X, ops.ones((4, 2)))
    with pytest.raises(ValueError, match="must have the same shape"):
        ops.categorical_crossentropy(X, KerasTensor((None, 4)))
