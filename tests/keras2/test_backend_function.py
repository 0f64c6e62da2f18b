"""`K.function`, `K.gradients`, `K.placeholder`, `K.learning_phase` and symbolic `K.update` on functional graphs,
checked against torch autograd; the patterns of Keras 2's filter-visualization, deep-dream and neural-style
examples run unchanged."""
import numpy as np
import pytest
import torch

import torchkeras
from torchkeras import backend as K
from torchkeras import layers

RNG = np.random.default_rng(2)


def _on(model, array):
    """`array` as a leaf tensor that requires grad, on the device of `model`'s weights."""
    return torch.tensor(array, device=model.weights[0].device, requires_grad=True)


def conv_model():
    inputs = torchkeras.Input((None, None, 3))
    x = layers.Conv2D(4, 3, padding="same", activation="relu", name="block1_conv1")(inputs)
    x = layers.MaxPooling2D(name="block1_pool")(x)
    x = layers.Conv2D(5, 3, padding="same", activation="relu", name="block2_conv1")(x)
    return torchkeras.Model(inputs, x)


def test_function_evaluates_intermediate_outputs_and_returns_numpy():
    model = torchkeras.Sequential([torchkeras.Input((3,)), layers.Dense(4, activation="relu"), layers.Dense(2)])
    x = RNG.standard_normal((5, 3)).astype("float32")
    get_hidden = K.function([model.layers[0].input], [model.layers[0].output])
    hidden = get_hidden([x])
    assert isinstance(hidden, list) and isinstance(hidden[0], np.ndarray) and hidden[0].dtype == np.float32
    kernel, bias = model.layers[0].get_weights()
    np.testing.assert_allclose(hidden[0], np.maximum(x @ kernel + bias, 0), rtol=1e-5, atol=1e-6)
    single = K.function(model.input, model.output)(x)  # a single tensor in, a single array out
    np.testing.assert_allclose(single, model.predict(x, verbose=0), rtol=1e-5, atol=1e-6)
    from_hidden = K.function([model.layers[1].input], [model.output])([hidden[0]])  # feed an intermediate tensor
    np.testing.assert_allclose(from_hidden[0], single, rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="expected 1 input value"):
        get_hidden([x, x])


def test_learning_phase_input_decides_training():
    inputs = torchkeras.Input((200,))
    model = torchkeras.Model(inputs, layers.Dropout(0.5)(inputs))
    assert K.is_keras_tensor(K.learning_phase()) and K.learning_phase() is K.learning_phase()
    f = K.function([model.input, K.learning_phase()], [model.output])
    ones = np.ones((4, 200), "float32")
    np.testing.assert_array_equal(f([ones, 0])[0], ones)
    dropped = f([ones, 1])[0]
    assert set(np.unique(dropped)) == {0.0, 2.0}
    switch = K.in_train_phase(inputs * 2, inputs)
    g = K.function([inputs, K.learning_phase()], switch)
    np.testing.assert_array_equal(g([ones, 1]), 2 * ones)
    np.testing.assert_array_equal(K.function([inputs], switch)([ones]), ones)  # unfed phase: 0


def test_set_learning_phase_is_global_until_cleared(fresh_warnings):
    inputs = torchkeras.Input((200,))
    model = torchkeras.Model(inputs, layers.Dropout(0.5)(inputs))
    ones = np.ones((2, 200), "float32")
    with pytest.warns(DeprecationWarning, match="training=True/False"):
        K.set_learning_phase(1)
    try:
        assert K.learning_phase() == 1
        assert set(np.unique(model(ones).detach().cpu().numpy())) == {0.0, 2.0}  # direct calls train
        np.testing.assert_array_equal(model.predict(ones, verbose=0), ones)  # predict stays inference
        f = K.function([model.input, K.learning_phase()], [model.output])  # the phase is the int 1 now
        assert set(np.unique(f([ones, 0])[0])) == {0.0, 2.0}
    finally:
        K.clear_session()
    assert K.is_keras_tensor(K.learning_phase())
    with K.learning_phase_scope(1):
        assert K.learning_phase() == 1
    np.testing.assert_array_equal(model(ones).detach().cpu().numpy(), ones)


def test_gradients_of_a_symbolic_loss_match_autograd():
    model = conv_model()
    image = model.inputs[0]
    loss = K.mean(model.get_layer("block2_conv1").output[:, :, :, 2])
    grads = K.gradients(loss, image)[0]
    grads = grads / (K.sqrt(K.mean(K.square(grads))) + K.epsilon())
    iterate = K.function([image], [loss, grads])
    x = RNG.random((1, 8, 8, 3)).astype("float32")
    loss_value, grad_value = iterate([x])
    xt = _on(model, x)
    expected = model(xt)[..., 2].mean()
    (g,) = torch.autograd.grad(expected, xt)
    g = g / (g.square().mean().sqrt() + 1e-7)
    assert loss_value.shape == () and abs(float(loss_value) - expected.item()) < 1e-6
    np.testing.assert_allclose(grad_value, g.cpu().numpy(), rtol=1e-4, atol=1e-6)


def test_gradients_with_respect_to_weights_layer_outputs_and_second_order():
    inputs = torchkeras.Input((3,))
    dense = layers.Dense(2)
    hidden = dense(inputs)
    out = K.sum(K.square(hidden))
    grad_w = K.gradients(out, dense.trainable_weights)
    grad_hidden = K.gradients(out, [hidden])[0]
    x = RNG.standard_normal((4, 3)).astype("float32")
    gk, gb, gh = K.function([inputs], grad_w + [grad_hidden])([x])
    h = x @ dense.get_weights()[0] + dense.get_weights()[1]
    np.testing.assert_allclose(gh, 2 * h, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(gk, x.T @ (2 * h), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(gb, (2 * h).sum(0), rtol=1e-5, atol=1e-5)
    p = K.placeholder(shape=(None, 1))
    first = K.gradients(K.sum(p ** 3), p)[0]
    second = K.gradients(K.sum(first), p)[0]
    d1, d2 = K.function([p], [first, second])([np.array([[2.0], [-1.0]])])
    np.testing.assert_allclose(d1, [[12.0], [3.0]], rtol=1e-6)
    np.testing.assert_allclose(d2, [[12.0], [-6.0]], rtol=1e-6)
    unrelated = K.gradients(K.sum(p), [inputs])[0]
    np.testing.assert_array_equal(K.function([p, inputs], unrelated)([np.ones((1, 1)), x]), np.zeros_like(x))


def test_gradients_of_real_tensors_inside_a_training_step():
    """Keras 2 `K.gradients` inside a Lambda (mnist_swwae's `getwhere`): torch autograd, differentiable."""
    def where(tensors):
        before, after = tensors
        return K.gradients(K.sum(after), before)[0]

    inputs = torchkeras.Input((4, 4, 1))
    conv = layers.Conv2D(2, 1)(inputs)
    pooled = layers.MaxPooling2D()(conv)
    mask = layers.Lambda(where, output_shape=lambda shapes: shapes[0])([conv, pooled])
    model = torchkeras.Model(inputs, layers.Multiply()([mask, conv]))
    model.compile("sgd", "mse")
    history = model.fit(RNG.random((4, 4, 4, 1)), RNG.random((4, 4, 4, 2)), epochs=2, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    x = torch.randn(2, 3, requires_grad=True)
    (g,) = K.gradients(K.sum(x ** 2), x)
    np.testing.assert_allclose(g.detach().cpu().numpy(), 2 * x.detach().cpu().numpy(), rtol=1e-6)
    with pytest.raises(ValueError, match="does not require gradients"):
        K.gradients(torch.ones(()), [x])


def test_symbolic_updates_and_variables():
    v = K.variable(np.zeros(3))
    x = K.placeholder((3,))
    f = K.function([x], [K.sum(x)], updates=[K.update_add(v, x * 2)])
    assert float(f([np.ones(3)])[0]) == 3.0
    f([np.ones(3)])
    np.testing.assert_array_equal(K.get_value(v), [4, 4, 4])
    K.function([x], [], updates=[(v, x)])([np.arange(3.0)])
    np.testing.assert_array_equal(K.get_value(v), [0, 1, 2])
    K.function([x], [K.update_sub(v, x)])([np.ones(3)])
    np.testing.assert_array_equal(K.get_value(v), [-1, 0, 1])
    assert K.is_placeholder(x) and not K.is_placeholder(K.sum(x))
    out = K.function([x], [v, K.stop_gradient(x * v)])([np.ones(3)])
    np.testing.assert_array_equal(out[0], [-1, 0, 1])
    with pytest.raises(ValueError, match="Specify either `shape` or `ndim`"):
        K.placeholder()
    assert K.placeholder(ndim=3).shape == (None, None, None)


def test_symbolic_shape():
    x = torchkeras.Input((None, 3))
    shape = K.shape(x)
    assert K.is_keras_tensor(shape) and K.int_shape(shape) == (2 + 1,)
    count = K.prod(K.cast(shape, "float32"))
    np.testing.assert_array_equal(K.function([x], [shape, count])([np.zeros((2, 5, 3))])[0], [2, 5, 3])
    assert float(K.function([x], count)([np.zeros((2, 5, 3))])) == 30.0


def test_deep_dream_pattern():
    K.set_learning_phase(0)
    try:
        model = conv_model()
        dream = model.input
        layer_dict = {layer.name: layer for layer in model.layers}
        loss = K.variable(0.0)
        for name, coeff in (("block1_conv1", 0.5), ("block2_conv1", 1.5)):
            x = layer_dict[name].output
            scaling = K.prod(K.cast(K.shape(x), "float32"))
            loss = loss + coeff * K.sum(K.square(x[:, 2:-2, 2:-2, :])) / scaling
        grads = K.gradients(loss, dream)[0]
        grads /= K.maximum(K.mean(K.abs(grads)), K.epsilon())
        fetch = K.function([dream], [loss, grads])
        image = RNG.random((1, 12, 10, 3)).astype("float32")
        loss_value, grad_value = fetch([image])
    finally:
        K.clear_session()
    xt = _on(model, image)
    first = model.get_layer("block1_conv1")(xt)
    second = model.get_layer("block2_conv1")(model.get_layer("block1_pool")(first))
    total = sum(c * (t[:, 2:-2, 2:-2, :] ** 2).sum() / t.numel() for c, t in ((0.5, first), (1.5, second)))
    (g,) = torch.autograd.grad(total, xt)
    g = g / torch.clamp(g.abs().mean(), min=1e-7)
    assert abs(float(loss_value) - float(total)) < 1e-5
    np.testing.assert_allclose(grad_value, g.cpu().numpy(), rtol=1e-4, atol=1e-5)


def test_neural_style_transfer_pattern():
    """Images as `K.variable`s, a `K.placeholder`, a model built on their concatenation (the applications'
    `input_tensor` path), Gram-matrix losses on layer outputs and gradients w.r.t. the placeholder."""
    h, w = 8, 10
    base = RNG.random((1, h, w, 3)).astype("float32")
    style = RNG.random((1, h, w, 3)).astype("float32")
    combination = K.placeholder((1, h, w, 3))
    input_tensor = K.concatenate([K.variable(base), K.variable(style), combination], axis=0)
    assert K.is_keras_tensor(input_tensor)
    x = layers.Conv2D(4, 3, padding="same", activation="relu", name="block1_conv1")(input_tensor)
    x = layers.Conv2D(6, 3, padding="same", activation="relu", name="block2_conv1")(x)
    model = torchkeras.Model(torchkeras.utils.get_source_inputs(input_tensor), x)
    outputs = {layer.name: layer.output for layer in model.layers}

    def gram(t):
        features = K.batch_flatten(K.permute_dimensions(t, (2, 0, 1)))
        return K.dot(features, K.transpose(features))

    feats = outputs["block2_conv1"]
    loss = K.variable(0.0)
    loss = loss + 0.025 * K.sum(K.square(feats[2, :, :, :] - feats[0, :, :, :]))
    for name in ("block1_conv1", "block2_conv1"):
        f = outputs[name]
        loss = loss + K.sum(K.square(gram(f[1, :, :, :]) - gram(f[2, :, :, :]))) / (4.0 * 9 * (h * w) ** 2)
    a = K.square(combination[:, :h - 1, :w - 1, :] - combination[:, 1:, :w - 1, :])
    b = K.square(combination[:, :h - 1, :w - 1, :] - combination[:, :h - 1, 1:, :])
    loss = loss + K.sum(K.pow(a + b + 1.0, 1.25))
    grads = K.gradients(loss, combination)
    f_outputs = K.function([combination], [loss] + grads)
    image = RNG.random((1, h, w, 3)).astype("float32")
    loss_value, grad_value = f_outputs([image])

    xt = _on(model, image)
    batch = torch.cat([torch.tensor(base, device=xt.device), torch.tensor(style, device=xt.device), xt])
    f1 = model.get_layer("block1_conv1")(batch)
    f2 = model.get_layer("block2_conv1")(f1)

    def tgram(t):
        flat = t.permute(2, 0, 1).reshape(t.shape[2], -1)
        return flat @ flat.t()

    total = 0.025 * ((f2[2] - f2[0]) ** 2).sum()
    for f in (f1, f2):
        total = total + ((tgram(f[1]) - tgram(f[2])) ** 2).sum() / (4.0 * 9 * (h * w) ** 2)
    ta = (xt[:, :h - 1, :w - 1] - xt[:, 1:, :w - 1]) ** 2
    tb = (xt[:, :h - 1, :w - 1] - xt[:, :h - 1, 1:]) ** 2
    total = total + ((ta + tb + 1.0) ** 1.25).sum()
    (g,) = torch.autograd.grad(total, xt)
    np.testing.assert_allclose(float(loss_value), float(total), rtol=1e-5)
    np.testing.assert_allclose(grad_value, g.cpu().numpy(), rtol=1e-4, atol=1e-5)


def test_input_with_a_constant_tensor_is_fed_by_k_function():
    """Keras 2's `Input(tensor=K.variable(...))` (neural_doodle's masks): a graph input with a fixed value."""
    masks = K.concatenate([K.variable(np.ones((1, 4, 4, 2))), K.variable(np.zeros((1, 4, 4, 2)))], axis=0)
    mask_input = layers.Input(tensor=masks, shape=(None, None, None), name="mask_input")
    assert mask_input.shape == (2, 4, 4, 2)
    pooled = layers.AveragePooling2D(2, name="mask_pool")(mask_input)
    image = K.placeholder((2, 4, 4, 2))
    loss = K.sum(layers.AveragePooling2D(2)(image) * pooled)
    f = K.function([image], [loss, K.gradients(loss, image)[0]])
    x = RNG.random((2, 4, 4, 2)).astype("float32")
    loss_value, grad_value = f([x])
    np.testing.assert_allclose(float(loss_value), x[0].reshape(2, 2, 2, 2, 2).mean((1, 3)).sum(), rtol=1e-5)
    np.testing.assert_allclose(grad_value, np.concatenate([np.full((1, 4, 4, 2), 0.25), np.zeros((1, 4, 4, 2))]))
    model = torchkeras.Model(mask_input, pooled)
    assert model.predict(np.ones((2, 4, 4, 2)), verbose=0).shape == (2, 2, 2, 2)
