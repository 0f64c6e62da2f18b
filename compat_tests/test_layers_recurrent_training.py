"""Training recurrent models side by side with real Keras 3 (torch backend): same initial weights, same batches
(shuffle=False), 2 epochs; the losses and the final weights must match."""
import numpy as np
import pytest

import keras

import torchkeras

N, T, VOCAB = 32, 6, 20


def _tokens(seed=0, gaps=True):
    """Right-padded token sequences of random length, some with a 0 (masked) token in the middle."""
    rng = np.random.default_rng(seed)
    x = np.zeros((N, T), "int32")
    for i, length in enumerate(rng.integers(1, T + 1, N)):
        x[i, :length] = rng.integers(1, VOCAB, length)
    if gaps:
        x[3, 1] = 0
        x[10, 0] = 0
    return x


def _fit_both(make, x, y, loss, optimizer, epochs=2, batch_size=16):
    k_model, t_model = make(keras), make(torchkeras)
    t_model.set_weights(k_model.get_weights())
    k_model.compile(optimizer=optimizer(keras), loss=loss)
    t_model.compile(optimizer=optimizer(torchkeras), loss=loss)
    np.testing.assert_allclose(t_model.evaluate(x, y, verbose=0), k_model.evaluate(x, y, verbose=0), rtol=1e-5)
    k_hist = k_model.fit(x, y, batch_size=batch_size, epochs=epochs, shuffle=False, verbose=0)
    t_hist = t_model.fit(x, y, batch_size=batch_size, epochs=epochs, shuffle=False, verbose=0)
    np.testing.assert_allclose(t_hist.history["loss"], k_hist.history["loss"], rtol=1e-5)
    # Adam divides by sqrt(v): a weight whose gradients are ~1e-7 (next to epsilon) amplifies float32 rounding
    # differences of the gradient, up to a small fraction of the learning rate per step. A wrong gate order,
    # mask or update rule moves weights by about the learning rate (1e-2).
    for k, t in zip(k_model.get_weights(), t_model.get_weights()):
        np.testing.assert_allclose(t, k, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("rnn", ["LSTM", "GRU"])
def test_masked_text_classifier_trains_like_keras(rnn):
    """Embedding(mask_zero=True) -> RNN(return_sequences) -> RNN -> Dense(sigmoid), binary crossentropy, Adam."""
    def make(lib):
        inp = lib.Input((T,), dtype="int32")
        h = lib.layers.Embedding(VOCAB, 8, mask_zero=True)(inp)
        h = getattr(lib.layers, rnn)(6, return_sequences=True)(h)
        h = getattr(lib.layers, rnn)(5)(h)
        return lib.Model(inp, lib.layers.Dense(1, activation="sigmoid")(h))

    x = _tokens()
    y = (x.sum(axis=1) % 2).astype("float32")[:, None]
    _fit_both(make, x, y, "binary_crossentropy", lambda lib: lib.optimizers.Adam(0.01))


@pytest.mark.parametrize("rnn", ["LSTM", "GRU"])
def test_masked_sequence_loss_trains_like_keras(rnn):
    """return_sequences carries the mask to the loss: padded timesteps don't count (mse, SGD)."""
    def make(lib):
        return lib.Sequential([
            lib.Input((T,), dtype="int32"),
            lib.layers.Embedding(VOCAB, 8, mask_zero=True),
            getattr(lib.layers, rnn)(6, return_sequences=True),
            lib.layers.TimeDistributed(lib.layers.Dense(1)),
        ])

    x = _tokens(seed=1, gaps=False)
    y = np.random.default_rng(2).standard_normal((N, T, 1)).astype("float32")
    _fit_both(make, x, y, "mse", lambda lib: lib.optimizers.SGD(0.1))


def test_bidirectional_masked_classifier_trains_like_keras():
    def make(lib):
        inp = lib.Input((T,), dtype="int32")
        h = lib.layers.Embedding(VOCAB, 6, mask_zero=True)(inp)
        h = lib.layers.Bidirectional(lib.layers.LSTM(4, return_sequences=True))(h)
        h = lib.layers.Bidirectional(lib.layers.GRU(3), merge_mode="ave")(h)
        return lib.Model(inp, lib.layers.Dense(3, activation="softmax")(h))

    x = _tokens(seed=3)
    y = x[:, 0] % 3
    _fit_both(make, x, y, "sparse_categorical_crossentropy", lambda lib: lib.optimizers.RMSprop(0.01))


def test_unmasked_simple_rnn_and_stacked_cells_train_like_keras():
    def make(lib):
        inp = lib.Input((T, 3))
        h = lib.layers.SimpleRNN(5, return_sequences=True, activation="relu")(inp)
        h = lib.layers.RNN([lib.layers.LSTMCell(4), lib.layers.GRUCell(3, reset_after=False)])(h)
        return lib.Model(inp, lib.layers.Dense(1)(h))

    rng = np.random.default_rng(4)
    x = rng.standard_normal((N, T, 3)).astype("float32")
    y = x.sum(axis=(1, 2))[:, None].astype("float32")
    _fit_both(make, x, y, "mse", lambda lib: lib.optimizers.Adam(0.01))
