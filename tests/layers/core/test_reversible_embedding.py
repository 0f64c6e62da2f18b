"""`keras.layers.ReversibleEmbedding`: lookup, tied and untied reverse projection, soft cap, masks, shapes,
config and weight saving."""
import numpy as np
import pytest
import torch

import torchkeras
from torchkeras.layers import ReversibleEmbedding

IDS = torch.tensor([[1, 4, 0], [3, 3, 9]])


def test_tied_reverse_is_the_transposed_table():
    layer = ReversibleEmbedding(10, 4)
    hidden = layer(IDS)
    assert tuple(hidden.shape) == (2, 3, 4)
    torch.testing.assert_close(hidden, layer.embeddings[IDS])
    logits = layer(hidden, reverse=True)
    assert tuple(logits.shape) == (2, 3, 10)
    torch.testing.assert_close(logits, hidden @ layer.embeddings.t())
    assert [w.name for w in layer.weights] == ["embeddings"]


def test_untied_weights_and_soft_cap():
    layer = ReversibleEmbedding(10, 4, tie_weights=False, logit_soft_cap=2.0, embeddings_initializer="ones")
    hidden = layer(IDS)
    assert [w.name for w in layer.weights] == ["embeddings", "reverse_embeddings"]
    assert tuple(layer.reverse_embeddings.shape) == (4, 10)
    logits = layer(hidden, reverse=True)
    torch.testing.assert_close(logits, torch.tanh(hidden @ layer.reverse_embeddings / 2.0) * 2.0)
    assert float(logits.detach().abs().max()) <= 2.0


def test_masks_only_on_the_forward_lookup():
    layer = ReversibleEmbedding(10, 4, mask_zero=True)
    hidden = layer(IDS)
    np.testing.assert_array_equal(hidden._keras_mask.numpy(), (IDS != 0).numpy())
    assert getattr(layer(hidden, reverse=True), "_keras_mask", None) is None


def test_reverse_dtype():
    layer = ReversibleEmbedding(10, 4, reverse_dtype="bfloat16")
    assert layer(layer(IDS), reverse=True).dtype == torch.bfloat16
    # Keras's type promotion on torch has no 64-bit floats: float64 computes as float32.
    layer = ReversibleEmbedding(10, 4, reverse_dtype="float64")
    assert layer(layer(IDS), reverse=True).dtype == torch.float32


def test_symbolic_shapes_and_training():
    inputs = torchkeras.Input((5,), dtype="int32")
    embedding = ReversibleEmbedding(12, 6)
    hidden = embedding(inputs)
    logits = embedding(torchkeras.layers.Dense(6)(hidden), reverse=True)
    assert tuple(hidden.shape) == (None, 5, 6) and tuple(logits.shape) == (None, 5, 12)
    model = torchkeras.Model(inputs, logits)
    model.compile("adam", torchkeras.losses.SparseCategoricalCrossentropy(from_logits=True))
    ids = np.random.default_rng(0).integers(0, 12, size=(16, 5))
    history = model.fit(ids, ids, epochs=3, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]


def test_config_and_weights_round_trip(tmp_path):
    layer = ReversibleEmbedding(10, 4, tie_weights=False, reverse_dtype="bfloat16", logit_soft_cap=3.0,
                                mask_zero=True)
    config = layer.get_config()
    assert {k: config[k] for k in ("tie_weights", "reverse_dtype", "logit_soft_cap", "mask_zero")} == {
        "tie_weights": False, "reverse_dtype": "bfloat16", "logit_soft_cap": 3.0, "mask_zero": True}
    clone = ReversibleEmbedding.from_config(config)
    assert clone.get_config() == config
    model = torchkeras.Sequential([torchkeras.Input((3,), dtype="int32"),
                                   ReversibleEmbedding(10, 4, tie_weights=False)])
    path = str(tmp_path / "rev.keras")
    model.save(path)
    loaded = torchkeras.saving.load_model(path)
    for a, b in zip(model.get_weights(), loaded.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_unknown_argument():
    with pytest.raises((TypeError, ValueError)):
        ReversibleEmbedding(10, 4, tied=True)
