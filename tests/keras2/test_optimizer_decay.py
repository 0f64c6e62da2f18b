"""Keras 2's optimizer API: `decay=` (lr / (1 + decay * iterations)), `optimizer.lr` with `K.set_value` /
`K.get_value` (also from callbacks), `epsilon=None` meaning `K.epsilon()`."""
import warnings

import numpy as np
import pytest

import torchkeras
from torchkeras import backend as K
from torchkeras import optimizers

RNG = np.random.default_rng(4)
GRADS = [RNG.standard_normal(3).astype("float32") for _ in range(5)]


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", UserWarning)
        yield


def _run(optimizer, start):
    variable = torchkeras.Variable(start.copy())
    for g in GRADS:
        optimizer.apply([torchkeras.ops.convert_to_tensor(g)], [variable])
    return variable.numpy()


def test_sgd_with_momentum_and_decay_follows_keras2():
    start = RNG.standard_normal(3).astype("float32")
    lr, decay, momentum = 0.1, 0.5, 0.9
    w, velocity = start.astype("float64"), np.zeros(3)
    for k, g in enumerate(GRADS):
        lr_k = lr / (1 + decay * k)
        velocity = momentum * velocity - lr_k * g
        w = w + velocity
    got = _run(optimizers.SGD(lr=lr, momentum=momentum, decay=decay), start)
    np.testing.assert_allclose(got, w, rtol=1e-5, atol=1e-6)


def test_adam_with_decay_follows_keras2():
    start = RNG.standard_normal(3).astype("float32")
    lr, decay, b1, b2, eps = 0.01, 0.1, 0.9, 0.999, 1e-7
    w, m, v = start.astype("float64"), np.zeros(3), np.zeros(3)
    for k, g in enumerate(GRADS):
        t = k + 1
        lr_t = lr / (1 + decay * k) * np.sqrt(1 - b2 ** t) / (1 - b1 ** t)
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        w = w - lr_t * m / (np.sqrt(v) + eps)
    np.testing.assert_allclose(_run(optimizers.Adam(lr=lr, decay=decay, epsilon=None), start), w, rtol=1e-5,
                               atol=1e-6)


def test_decay_is_saved_and_reloaded(tmp_path):
    optimizer = optimizers.RMSprop(learning_rate=0.01, decay=1e-3)
    config = optimizer.get_config()
    assert config["decay"] == 1e-3
    assert optimizers.RMSprop.from_config(config).decay == 1e-3
    assert optimizers.deserialize(optimizers.serialize(optimizer)).decay == 1e-3
    assert "decay" not in optimizers.RMSprop().get_config()  # Keras 3 configs stay Keras 3 configs
    model = torchkeras.Sequential([torchkeras.Input((3,)), torchkeras.layers.Dense(1)])
    model.compile(optimizers.SGD(0.1, decay=0.25), "mse")
    model.fit(RNG.random((8, 3)), RNG.random((8, 1)), epochs=1, verbose=0)
    for name in ("model.h5", "model.keras"):
        path = str(tmp_path / name)
        model.save(path)
        restored = torchkeras.models.load_model(path)
        assert restored.optimizer.decay == 0.25, name


def test_lr_is_a_settable_variable_for_k_set_value_even_in_callbacks():
    optimizer = optimizers.SGD(lr=0.5)
    assert K.get_value(optimizer.lr) == pytest.approx(0.5)
    K.set_value(optimizer.lr, 0.25)
    assert K.get_value(optimizer.learning_rate) == pytest.approx(0.25)
    optimizer.lr = 0.125
    assert float(optimizer.learning_rate.numpy()) == 0.125

    seen = []

    class Halve(torchkeras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            if epoch:
                K.set_value(self.model.optimizer.lr, K.get_value(self.model.optimizer.lr) / 2)
            seen.append(float(K.get_value(self.model.optimizer.lr)))

    model = torchkeras.Sequential([torchkeras.Input((1,)), torchkeras.layers.Dense(1, use_bias=False,
                                                                                   kernel_initializer="zeros")])
    model.compile(optimizers.SGD(lr=1.0), "mse")
    x, y = np.ones((1, 1), "float32"), np.ones((1, 1), "float32")
    model.fit(x, y, epochs=3, verbose=0, callbacks=[Halve()])
    assert seen == [1.0, 0.5, 0.25]
    # w <- w - lr * 2 (w - 1) per step: 0 -> 2 -> 1 (lr 0.5) -> 1 (lr 0.25, gradient 0)
    assert model.get_weights()[0].item() == pytest.approx(1.0)


def test_epsilon_none_means_k_epsilon():
    for cls in (optimizers.Adam, optimizers.RMSprop, optimizers.Adagrad, optimizers.Adadelta, optimizers.Adamax,
                optimizers.Nadam):
        optimizer = cls(epsilon=None)
        assert optimizer.epsilon == K.epsilon() and optimizer.get_config()["epsilon"] == K.epsilon(), cls
    assert optimizers.Adam(epsilon=1e-3).epsilon == 1e-3
