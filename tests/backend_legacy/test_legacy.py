"""Keras 2's `keras.backend` tensor functions (`K.*`): values vs NumPy, Keras 2 semantics, symbolic use."""
import numpy as np
import pytest
import torch

import torchkeras
from torchkeras import backend as K
from torchkeras.backend import legacy

RNG = np.random.default_rng(5)
A = RNG.standard_normal((3, 4)).astype("float32")
B = RNG.standard_normal((3, 4)).astype("float32")
A3 = RNG.standard_normal((2, 3, 4)).astype("float32")


def check(got, expected, rtol=1e-5, atol=1e-6):
    got = got.detach().cpu().numpy() if isinstance(got, torch.Tensor) else np.asarray(got)
    expected = np.asarray(expected)
    assert got.shape == expected.shape, (got.shape, expected.shape)
    np.testing.assert_allclose(got, expected, rtol=rtol, atol=atol)


def test_every_name_in_all_exists_and_does_not_shadow_backend_settings():
    core_names = {"backend", "epsilon", "floatx", "image_data_format", "set_epsilon", "set_floatx",
                  "set_image_data_format", "clear_session", "Variable", "is_variable", "name_scope", "get_uid",
                  "is_keras_tensor", "KerasTensor", "standardize_dtype", "get_device", "set_device"}
    assert not core_names & set(legacy.__all__)
    for name in legacy.__all__:
        assert callable(getattr(K, name)), name
    assert K.floatx() == "float32" and K.epsilon() == 1e-7


def test_elementwise_and_reductions_vs_numpy():
    pairs = [
        (K.abs(A), np.abs(A)), (K.square(A), A ** 2), (K.sqrt(A), np.sqrt(np.maximum(A, 0))),
        (K.exp(A), np.exp(A)), (K.log(np.abs(A)), np.log(np.abs(A))), (K.sin(A), np.sin(A)), (K.cos(A), np.cos(A)),
        (K.tanh(A), np.tanh(A)), (K.sign(A), np.sign(A)), (K.round(A * 3), np.round(A * 3)),
        (K.pow(np.abs(A), 1.5), np.abs(A) ** 1.5), (K.sigmoid(A), 1 / (1 + np.exp(-A))),
        (K.softplus(A), np.log1p(np.exp(A))), (K.softsign(A), A / (1 + np.abs(A))),
        (K.hard_sigmoid(A), np.clip(0.2 * A + 0.5, 0, 1)), (K.elu(A, 0.5), np.where(A > 0, A, 0.5 * (np.exp(A) - 1))),
        (K.maximum(A, B), np.maximum(A, B)), (K.minimum(A, B), np.minimum(A, B)),
        (K.clip(A, -0.5, 0.5), np.clip(A, -0.5, 0.5)), (K.clip(A, 0.5, -0.5), np.clip(A, 0.5, 0.5)),
        (K.clip(A, None, 0.1), np.minimum(A, 0.1)),
        (K.equal(A, A), np.ones_like(A, bool)), (K.not_equal(A, B), A != B), (K.greater(A, B), A > B),
        (K.greater_equal(A, B), A >= B), (K.less(A, B), A < B), (K.less_equal(A, B), A <= B),
        (K.sum(A, axis=1), A.sum(1)), (K.prod(A, axis=0, keepdims=True), A.prod(0, keepdims=True)),
        (K.mean(A), A.mean()), (K.mean(A > 0, axis=1), (A > 0).mean(1)), (K.std(A, axis=0), A.std(0)),
        (K.var(A, axis=-1, keepdims=True), A.var(-1, keepdims=True)), (K.max(A, axis=1), A.max(1)),
        (K.min(A), A.min()), (K.any(A > 1), (A > 1).any()), (K.all(A > -5, axis=1), (A > -5).all(1)),
        (K.argmax(A), A.argmax(-1)), (K.argmin(A, axis=0), A.argmin(0)), (K.cumsum(A), np.cumsum(A, 0)),
        (K.cumprod(A, axis=1), np.cumprod(A, 1)), (K.logsumexp(A, axis=1), np.log(np.exp(A).sum(1))),
        (K.l2_normalize(A, axis=1), A / np.sqrt(np.maximum((A ** 2).sum(1, keepdims=True), 1e-12))),
        (K.l2_normalize(A), A / np.sqrt((A ** 2).sum())),
    ]
    for got, expected in pairs:
        check(got, expected, atol=1e-5)


def test_relu_variants_follow_keras_2():
    check(K.relu(A), np.maximum(A, 0))
    check(K.relu(A, alpha=0.1), np.where(A > 0, A, 0.1 * A))
    check(K.relu(A, max_value=0.5), np.clip(A, 0, 0.5))
    check(K.relu(A, threshold=0.2), np.where(A > 0.2, A, 0))
    check(K.relu(A, alpha=0.1, max_value=0.5, threshold=0.2),
          np.where(A > 0.2, np.minimum(A, 0.5), 0) - 0.1 * np.maximum(0.2 - A, 0), atol=1e-6)


def test_shapes_and_structure_vs_numpy():
    pairs = [
        (K.reshape(A, (4, 3)), A.reshape(4, 3)), (K.flatten(A3), A3.ravel()),
        (K.batch_flatten(A3), A3.reshape(2, -1)), (K.expand_dims(A), A[..., None]),
        (K.squeeze(A[:, :1], 1), A[:, 0]), (K.transpose(A), A.T),
        (K.permute_dimensions(A3, (2, 0, 1)), A3.transpose(2, 0, 1)),
        (K.concatenate([A, B]), np.concatenate([A, B], -1)), (K.stack([A, B], axis=1), np.stack([A, B], 1)),
        (K.tile(A, (2, 1)), np.tile(A, (2, 1))), (K.repeat(A, 2), np.repeat(A[:, None], 2, 1)),
        (K.repeat_elements(A, 2, axis=1), np.repeat(A, 2, 1)), (K.reverse(A3, [0, 2]), A3[::-1, :, ::-1]),
        (K.reverse(A, 1), A[:, ::-1]), (K.gather(A, np.array([2, 0])), A[[2, 0]]),
        (K.one_hot(np.array([0, 2]), 3), np.eye(3)[[0, 2]]), (K.arange(5), np.arange(5)),
        (K.arange(-3), np.arange(0)), (K.arange(1, 7, 2, dtype="float32"), np.arange(1, 7, 2)),
        (K.temporal_padding(A3, (1, 2)), np.pad(A3, ((0, 0), (1, 2), (0, 0)))),
        (K.spatial_2d_padding(A3[..., None]), np.pad(A3[..., None], ((0, 0), (1, 1), (1, 1), (0, 0)))),
        (K.resize_images(A3[..., None], 2, 2, "channels_last"), A3[..., None].repeat(2, 1).repeat(2, 2)),
        (K.bias_add(A3, A3[0, 0]), A3 + A3[0, 0]), (K.bias_add(A3, A3[0]), A3 + A3[0]),
        (K.bias_add(A3, A3[0, :, 0], data_format="channels_first"), A3 + A3[0, :, 0][None, :, None]),
    ]
    for got, expected in pairs:
        check(got, expected)
    assert K.int_shape(A3) == (2, 3, 4) and K.ndim(A3) == 3 and K.count_params(A3) == 24
    assert K.dtype(torch.zeros(1, dtype=torch.int8)) == "int8"
    np.testing.assert_array_equal(K.shape(A3).numpy(), [2, 3, 4])
    assert K.int_shape(torchkeras.KerasTensor((None, 5))) == (None, 5)


def test_dot_and_batch_dot_vs_numpy():
    check(K.dot(A, B.T), A @ B.T, atol=1e-5)
    check(K.dot(A3, B.T), np.dot(A3, B.T), atol=1e-5)
    c = RNG.standard_normal((5, 4, 2)).astype("float32")
    check(K.dot(A, c), np.dot(A, c), atol=1e-5)
    x = RNG.standard_normal((6, 3, 4)).astype("float32")
    y = RNG.standard_normal((6, 4, 5)).astype("float32")
    check(K.batch_dot(x, y), np.einsum("bij,bjk->bik", x, y), atol=1e-5)
    check(K.batch_dot(x, y, axes=(2, 1)), np.einsum("bij,bjk->bik", x, y), atol=1e-5)
    v, w = x[:, 0], x[:, 1]
    check(K.batch_dot(v, w), (v * w).sum(-1, keepdims=True), atol=1e-5)
    check(K.batch_dot(v[:, :3], x, axes=1), np.einsum("bi,bij->bj", v[:, :3], x), atol=1e-5)
    z = RNG.standard_normal((6, 5, 3)).astype("float32")
    check(K.batch_dot(x, z, axes=(1, 2)), np.einsum("bji,bkj->bik", x, z), atol=1e-5)
    with pytest.raises(ValueError, match="axis 0"):
        K.batch_dot(x, y, axes=0)
    with pytest.raises(ValueError, match="rank < 2"):
        K.batch_dot(v[0], w[0])


def test_losses_follow_keras_2_formulas():
    eps = 1e-7
    t = (RNG.uniform(size=(3, 4)) > 0.5).astype("float32")
    p = np.clip(RNG.uniform(size=(3, 4)).astype("float32"), 0.0, 1.0)
    pc = np.clip(p, eps, 1 - eps)
    check(K.binary_crossentropy(t, p), -(t * np.log(pc + eps) + (1 - t) * np.log(1 - pc + eps)), atol=1e-5)
    check(K.binary_crossentropy(t, A, from_logits=True),
          np.maximum(A, 0) - A * t + np.log1p(np.exp(-np.abs(A))), atol=1e-5)
    probs = np.exp(A) / np.exp(A).sum(-1, keepdims=True)
    onehot = np.eye(4, dtype="float32")[[0, 3, 1]]
    check(K.categorical_crossentropy(onehot, probs), -np.log(probs[[0, 1, 2], [0, 3, 1]]), atol=1e-5)
    labels = np.array([0, 3, 1])
    check(K.sparse_categorical_crossentropy(labels, probs), -np.log(probs[[0, 1, 2], [0, 3, 1]]), atol=1e-5)
    check(K.sparse_categorical_crossentropy(labels[:, None], A, from_logits=True),
          -np.log(probs[[0, 1, 2], [0, 3, 1]]), atol=1e-5)
    ignored = K.sparse_categorical_crossentropy(np.array([0, 3, 3]), probs, ignore_class=3)
    check(ignored, [-np.log(probs[0, 0]), 0.0, 0.0], atol=1e-5)


def test_variables_values_and_updates():
    v = K.variable(np.ones((2, 2)), name="w")
    assert isinstance(v, torchkeras.Variable) and v.dtype == torch.float32 and v.name == "w"
    K.set_value(v, [[1, 2], [3, 4]])
    check(K.get_value(v), [[1, 2], [3, 4]])
    K.batch_set_value([(v, np.zeros((2, 2)))])
    assert K.batch_get_value([v])[0].sum() == 0
    K.update_add(v, np.ones((2, 2), "float32"))
    K.update_sub(v, 0.5 * np.ones((2, 2), "float32"))
    check(K.eval(v), np.full((2, 2), 0.5))
    K.update(v, np.full((2, 2), 2.0, "float32"))
    K.moving_average_update(v, np.zeros((2, 2), "float32"), 0.9)
    check(K.get_value(v), np.full((2, 2), 1.8))
    assert isinstance(K.zeros((2, 3)), torchkeras.Variable) and K.ones((2,), dtype="int32").dtype == torch.int32
    check(K.eye(3), np.eye(3))
    check(K.zeros_like(A), np.zeros_like(A))
    check(K.ones_like(A, dtype="int32"), np.ones_like(A))
    check(K.constant(2.0, shape=(2, 3)), np.full((2, 3), 2.0))
    check(K.constant([1, 2, 3, 4], shape=(2, 2)), [[1.0, 2.0], [3.0, 4.0]])
    assert K.cast_to_floatx(np.arange(3)).dtype == np.float32
    assert K.cast(torch.ones(2), "int64").dtype == torch.int64
    assert K.get_value(3.5) == 3.5
    with pytest.raises(TypeError, match="variable"):
        K.set_value(3.5, 1.0)
    with pytest.raises(ValueError, match="autograd"):
        K.gradients(torch.ones(()), [v])


def test_switch_and_phases():
    check(K.switch(A > 0, A, -A), np.abs(A))
    check(K.switch((A > 0)[:, 0], A, B), np.where((A > 0)[:, :1], A, B))
    check(K.switch(torch.tensor(True), lambda: A, lambda: B), A)
    check(K.switch(False, A, B), B)
    with pytest.raises(ValueError, match="Rank of `condition`"):
        K.switch(A3 > 0, A, B)
    assert K.is_keras_tensor(K.learning_phase())  # symbolic until set (Keras 2's placeholder)
    check(K.in_train_phase(lambda: A, B, training=True), A)
    check(K.in_train_phase(A, B, training=0), B)
    check(K.in_test_phase(A, B, training=False), A)
    from torchkeras.utils import keras2_paths

    keras2_paths._WARNED.discard("keras.backend.set_learning_phase")  # it warns once per process
    with pytest.warns(DeprecationWarning, match="training=True/False"):
        K.set_learning_phase(1)
    assert K.learning_phase() == 1
    check(K.in_train_phase(A, B), A)
    K.clear_session()
    assert K.is_keras_tensor(K.learning_phase())


def test_map_fold_random_dropout():
    check(K.map_fn(lambda r: r * 2, A), A * 2)
    check(K.foldl(lambda acc, r: acc + r, A), A.sum(0))
    check(K.foldr(lambda acc, r: acc * 0 + r, A), A[0])
    x = K.random_normal((K.shape(A)[0], 5), seed=3)
    assert tuple(x.shape) == (3, 5)
    check(K.random_normal((4,), seed=3), torchkeras.random.normal((4,), seed=3))
    u = K.random_uniform((1000,), -1.0, 1.0, seed=1)
    assert float(u.min()) >= -1.0 and float(u.max()) < 1.0
    bern = K.random_bernoulli((1000,), p=0.3, seed=2).numpy()
    assert set(np.unique(bern)) <= {0.0, 1.0} and abs(bern.mean() - 0.3) < 0.06
    assert float(K.truncated_normal((500,), seed=4).abs().max()) <= 2.0
    d = K.dropout(torch.ones(1000), 0.5, seed=1).numpy()
    assert set(np.unique(d)) <= {0.0, 2.0}
    assert isinstance(K.random_uniform_variable((2,), 0, 1, seed=1), torchkeras.Variable)
    sg = K.stop_gradient([torch.ones(1, requires_grad=True)])
    assert not sg[0].requires_grad


def test_conv_and_pool_wrappers():
    x = RNG.standard_normal((1, 6, 6, 2)).astype("float32")
    k = RNG.standard_normal((3, 3, 2, 4)).astype("float32")
    check(K.conv2d(x, k, padding="same"), torchkeras.ops.conv(x, k, padding="same"))
    x1 = RNG.standard_normal((1, 7, 2)).astype("float32")
    k1 = RNG.standard_normal((3, 2, 3)).astype("float32")
    causal = K.conv1d(x1, k1, padding="causal").numpy()
    check(causal, torchkeras.ops.conv(np.pad(x1, ((0, 0), (2, 0), (0, 0))), k1))
    check(K.pool2d(x, (2, 2), (2, 2)), torchkeras.ops.max_pool(x, 2))
    check(K.pool2d(x, (2, 2), (2, 2), pool_mode="avg"), torchkeras.ops.average_pool(x, 2))
    with pytest.raises(ValueError, match="pooling mode"):
        K.pool2d(x, (2, 2), (2, 2), pool_mode="min")
    dk = RNG.standard_normal((3, 3, 2, 1)).astype("float32")
    check(K.depthwise_conv2d(x, dk), torchkeras.ops.depthwise_conv(x, dk))


def test_ctc_batch_cost_and_decode():
    probs = np.full((1, 5, 3), 0.05, "float32")
    path = [0, 0, 2, 1, 1]  # blank is the last class (2)
    probs[0, np.arange(5), path] = 0.9
    loss = K.ctc_batch_cost(np.array([[0, 1]]), probs, np.array([[5]]), np.array([[2]]))
    assert tuple(loss.shape) == (1, 1) and float(loss[0, 0]) < 1.0
    decoded, log_prob = K.ctc_decode(probs, np.array([5]))
    check(decoded[0], [[0, 1, -1, -1, -1]])
    assert tuple(log_prob.shape) == (1, 1)


def test_custom_keras2_loss_and_metric_with_autograd():
    def rmse(y_true, y_pred):
        return K.sqrt(K.mean(K.square(y_pred - y_true), axis=-1))

    y_true = torch.as_tensor(A)
    y_pred = torch.tensor(B, requires_grad=True)
    loss = rmse(y_true, y_pred)
    check(loss, np.sqrt(((B - A) ** 2).mean(-1)), atol=1e-6)
    loss.sum().backward()
    assert y_pred.grad is not None and y_pred.grad.shape == y_pred.shape


def test_backend_functions_on_symbolic_inputs_build_graphs():
    inputs = torchkeras.Input((4,))
    h = K.expand_dims(inputs, -1)
    h = K.concatenate([h, K.square(h)])
    out = K.sum(K.batch_flatten(h), axis=-1, keepdims=True)
    model = torchkeras.Model(inputs, out)
    x = RNG.standard_normal((2, 4)).astype("float32")
    check(model(x), (x + x ** 2).sum(-1, keepdims=True), atol=1e-5)
    assert K.int_shape(out) == (None, 1)
