"""The Masking layer, and masks flowing through recurrent models into the loss."""
import numpy as np
import pytest
import torch

import torchkeras as keras
from torchkeras import layers


def _x(batch=3, steps=5, features=4, seed=0):
    return np.random.default_rng(seed).standard_normal((batch, steps, features)).astype("float32")


def test_masking_layer_mask_and_outputs():
    x = _x()
    x[0, 2:] = 0.0
    x[1, 1] = 0.0
    x[2, 3, 0] = 0.0  # a single zero feature does not mask the step
    layer = layers.Masking(mask_value=0.0)
    out = layer(torch.tensor(x))
    expected = np.array([[1, 1, 0, 0, 0], [1, 0, 1, 1, 1], [1, 1, 1, 1, 1]], bool)
    np.testing.assert_array_equal(out._keras_mask.numpy(), expected)
    np.testing.assert_array_equal(layer.compute_mask(torch.tensor(x)).numpy(), expected)
    np.testing.assert_allclose(out.numpy(), x)
    assert layer.compute_output_shape((None, 5, 4)) == (None, 5, 4)


def test_masking_other_value_zeroes_masked_steps():
    x = np.ones((1, 3, 2), "float32")
    x[0, 1] = -1.0
    out = layers.Masking(mask_value=-1.0)(torch.tensor(x))
    np.testing.assert_array_equal(out._keras_mask.numpy(), [[True, False, True]])
    np.testing.assert_array_equal(out.numpy(), [[[1, 1], [0, 0], [1, 1]]])


def test_masking_config():
    layer = layers.Masking(mask_value=-2.5, name="pad")
    config = layer.get_config()
    assert config["mask_value"] == -2.5 and config["name"] == "pad"
    assert layers.Masking.from_config(config).mask_value == -2.5


@pytest.mark.parametrize("cls", ["SimpleRNN", "LSTM", "GRU"])
def test_masked_steps_are_skipped(cls):
    """Masking then an RNN: the masked timesteps (at the end or in the middle) change nothing."""
    x = _x(1, 6, 3)
    model = keras.Sequential([keras.Input((None, 3)), layers.Masking(), getattr(layers, cls)(4)])
    padded = np.concatenate([x[:, :2], np.zeros((1, 1, 3), "float32"), x[:, 2:], np.zeros((1, 2, 3), "float32")],
                            axis=1)
    np.testing.assert_allclose(model.predict(padded, verbose=0), model.predict(x, verbose=0), atol=1e-6)
    leading = np.concatenate([np.zeros((1, 3, 3), "float32"), x], axis=1)
    np.testing.assert_allclose(model.predict(leading, verbose=0), model.predict(x, verbose=0), atol=1e-6)


def test_return_sequences_propagates_the_mask_to_the_loss():
    """An Embedding(mask_zero) -> GRU(return_sequences) -> Dense model: padded steps don't count in the loss."""
    inp = keras.Input((4,), dtype="int32")
    h = layers.Embedding(6, 3, mask_zero=True)(inp)
    h = layers.GRU(3, return_sequences=True)(h)
    out = layers.Dense(1)(h)
    assert out._keras_mask is not None
    model = keras.Model(inp, out)
    model.compile(optimizer="sgd", loss="mse")
    x = np.array([[1, 2, 0, 0]])
    pred = model.predict(x, verbose=0)
    y_good = pred.copy()
    y_bad = pred.copy()
    y_bad[0, 2:] += 100.0  # targets at padded steps are ignored
    assert model.evaluate(x, y_good, verbose=0) < 1e-10
    assert model.evaluate(x, y_bad, verbose=0) < 1e-10
    y_bad[0, 1] += 1.0
    assert model.evaluate(x, y_bad, verbose=0) > 0.1


def test_masked_model_trains_and_padding_does_not_matter():
    keras.utils.set_random_seed(0)
    x = np.array([[3, 1, 4, 0, 0], [2, 7, 0, 0, 0], [5, 9, 2, 6, 5], [8, 0, 0, 0, 0]])
    y = np.array([[1.0], [0.0], [1.0], [0.0]], "float32")
    model = keras.Sequential([keras.Input((5,), dtype="int32"), layers.Embedding(10, 4, mask_zero=True),
                              layers.LSTM(3), layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy")
    history = model.fit(x, y, epochs=3, batch_size=2, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    longer = np.concatenate([x, np.zeros((4, 3), "int64")], axis=1)
    wide = keras.Sequential([keras.Input((8,), dtype="int32"), layers.Embedding(10, 4, mask_zero=True),
                             layers.LSTM(3), layers.Dense(1, activation="sigmoid")])
    wide.set_weights(model.get_weights())
    np.testing.assert_allclose(wide.predict(longer, verbose=0), model.predict(x, verbose=0), atol=1e-6)
