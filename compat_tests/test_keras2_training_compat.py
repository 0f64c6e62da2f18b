"""Keras 2 training behaviours beside real Keras 3 where Keras 3 shares them: bool one-hot targets with
accuracy, `acc`/`val_acc` log names, symbolic losses against the same loss in a Keras 3 `compute_loss`, and
the loss/metric functions called on symbolic tensors."""
import numpy as np
import torch

import keras

import torchkeras

RNG = np.random.default_rng(0)
X = RNG.random((30, 4)).astype("float32")
Y_BOOL = np.eye(3, dtype=bool)[np.arange(30) % 3]


def _classifier(lib):
    return lib.Sequential([lib.Input((4,)), lib.layers.Dense(6, activation="relu"),
                           lib.layers.Dense(3, activation="softmax")])


def test_bool_targets_with_accuracy_train_as_in_keras():
    k, t = _classifier(keras), _classifier(torchkeras)
    t.set_weights(k.get_weights())
    for m in (k, t):
        m.compile(keras.optimizers.SGD(0.1) if m is k else torchkeras.optimizers.SGD(0.1),
                  "categorical_crossentropy", metrics=["accuracy", "acc"])
    kh = k.fit(X, Y_BOOL, epochs=3, batch_size=10, shuffle=False, validation_split=0.2, verbose=0).history
    th = t.fit(X, Y_BOOL, epochs=3, batch_size=10, shuffle=False, validation_split=0.2, verbose=0).history
    assert set(kh) == set(th) == {"loss", "accuracy", "acc", "val_loss", "val_accuracy", "val_acc"}
    for key in kh:
        np.testing.assert_allclose(th[key], kh[key], rtol=1e-5, atol=1e-6)


def test_loss_and_metric_functions_on_symbolic_tensors_have_keras_shapes():
    for name in ("mean_squared_error", "mean_absolute_error", "binary_crossentropy", "categorical_crossentropy", "kl_divergence", "hinge"):
        k_in, t_in = keras.Input((5,)), torchkeras.Input((5,))
        k_out = getattr(keras.losses, name)(k_in, keras.layers.Dense(5, activation="sigmoid")(k_in))
        t_out = getattr(torchkeras.losses, name)(t_in, torchkeras.layers.Dense(5, activation="sigmoid")(t_in))
        assert tuple(t_out.shape) == tuple(k_out.shape), name
    k_in, t_in = keras.Input((3,)), torchkeras.Input((3,))
    assert tuple(torchkeras.metrics.categorical_accuracy(t_in, t_in).shape) == \
        tuple(keras.metrics.categorical_accuracy(k_in, k_in).shape)


def test_symbolic_loss_trains_like_the_same_loss_in_a_keras_3_compute_loss():
    """Keras 3 has no symbolic `add_loss`; its spelling is `compute_loss`. Both give the same trajectory."""

    class KerasAE(keras.Model):
        def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
            hidden = self.get_layer("hidden")(x)
            return keras.ops.mean(keras.losses.mean_squared_error(x, y_pred)) + 0.1 * keras.ops.mean(keras.ops.square(hidden))

    k_in = keras.Input((4,))
    k_hidden = keras.layers.Dense(2, name="hidden")(k_in)
    k = KerasAE(k_in, keras.layers.Dense(4, name="out")(k_hidden))
    t_in = torchkeras.Input((4,))
    t_hidden = torchkeras.layers.Dense(2, name="hidden")(t_in)
    t_out = torchkeras.layers.Dense(4, name="out")(t_hidden)
    t = torchkeras.Model(t_in, t_out)
    b = torchkeras.backend
    t.add_loss(b.mean(torchkeras.losses.mse(t_in, t_out)) + 0.1 * b.mean(b.square(t_hidden)))
    t.set_weights(k.get_weights())
    k.compile(keras.optimizers.SGD(0.1))
    t.compile(torchkeras.optimizers.SGD(0.1))
    kh = k.fit(X, X, epochs=3, batch_size=10, shuffle=False, verbose=0).history
    th = t.fit(X, None, epochs=3, batch_size=10, shuffle=False, verbose=0).history
    np.testing.assert_allclose(th["loss"], kh["loss"], rtol=1e-5)
    for kw, tw in zip(k.get_weights(), t.get_weights()):
        np.testing.assert_allclose(tw, kw, rtol=1e-5, atol=1e-6)
    assert isinstance(t(torch.as_tensor(X)), torch.Tensor)
