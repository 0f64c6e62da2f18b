"""`ReversibleEmbedding` beside real Keras 3 (torch backend): same weights give the same embeddings, reverse
logits, gradients, masks, configs and weight files."""
import keras
import numpy as np
import pytest
import torch

import torchkeras

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

IDS = np.array([[1, 4, 0, 2], [3, 3, 9, 0]], dtype="int32")
HIDDEN = np.random.default_rng(0).normal(size=(2, 4, 6)).astype("float32")


def _np(x):
    if isinstance(x, torch.Tensor):
        x = x.detach().cpu()
        return (x.float() if x.dtype == torch.bfloat16 else x).numpy()
    return np.asarray(x)


CASES = [{}, {"tie_weights": False}, {"logit_soft_cap": 2.0}, {"mask_zero": True, "tie_weights": False},
         {"reverse_dtype": "float64"}, {"reverse_dtype": "float64", "autocast": False},
         {"reverse_dtype": "bfloat16", "logit_soft_cap": 3.0},
         {"embeddings_initializer": "ones", "tie_weights": False}]


@pytest.mark.parametrize("kwargs", CASES, ids=[",".join(c) or "defaults" for c in CASES])
def test_forward_reverse_and_config_match_keras(kwargs):
    ours = torchkeras.layers.ReversibleEmbedding(10, 6, **kwargs)
    theirs = keras.layers.ReversibleEmbedding(10, 6, **kwargs)
    theirs(IDS)
    ours(torch.tensor(IDS))
    assert [w.name for w in ours.weights] == [w.name for w in theirs.weights]
    assert [tuple(w.shape) for w in ours.weights] == [tuple(w.shape) for w in theirs.weights]
    ours.set_weights(theirs.get_weights())
    a, b = ours(torch.tensor(IDS)), theirs(IDS)
    np.testing.assert_array_equal(_np(a), _np(b))
    mask_a, mask_b = getattr(a, "_keras_mask", None), keras.src.backend.get_keras_mask(b)
    assert (mask_a is None) == (mask_b is None)
    if mask_b is not None:
        np.testing.assert_array_equal(_np(mask_a), _np(mask_b))
    a, b = ours(torch.tensor(HIDDEN), reverse=True), theirs(torch.tensor(HIDDEN), reverse=True)
    assert str(a.dtype) == str(b.dtype)
    tolerance = 1e-2 if a.dtype == torch.bfloat16 else 1e-6
    np.testing.assert_allclose(_np(a), _np(b), rtol=tolerance, atol=tolerance)
    assert getattr(a, "_keras_mask", None) is None and keras.src.backend.get_keras_mask(b) is None
    config_a, config_b = ours.get_config(), theirs.get_config()
    config_a.pop("name"), config_b.pop("name")
    assert config_a == config_b


def test_gradients_of_tied_weights_match_keras():
    ours, theirs = torchkeras.layers.ReversibleEmbedding(10, 6), keras.layers.ReversibleEmbedding(10, 6)
    theirs(IDS)
    ours(torch.tensor(IDS))
    ours.set_weights(theirs.get_weights())
    (ours(ours(torch.tensor(IDS)), reverse=True) ** 2).sum().backward()
    (theirs(theirs(IDS), reverse=True) ** 2).sum().backward()
    np.testing.assert_allclose(_np(ours.embeddings.grad), _np(theirs.embeddings.value.grad), rtol=1e-5, atol=1e-5)


def test_functional_model_and_weight_files_both_ways(tmp_path):
    def build(module):
        inputs = module.Input((4,), dtype="int32")
        embedding = module.layers.ReversibleEmbedding(10, 6, tie_weights=False, name="embed")
        hidden = module.layers.Dense(6, name="mix")(embedding(inputs))
        return module.Model(inputs, embedding(hidden, reverse=True))

    k_model, t_model = build(keras), build(torchkeras)
    assert tuple(t_model.output.shape) == tuple(k_model.output.shape) == (None, 4, 10)
    t_model.set_weights(k_model.get_weights())
    np.testing.assert_allclose(_np(t_model(torch.tensor(IDS))), _np(k_model(IDS)), rtol=1e-5, atol=1e-6)
    k_path, t_path = str(tmp_path / "k.weights.h5"), str(tmp_path / "t.weights.h5")
    k_model.save_weights(k_path)
    t_model.save_weights(t_path)
    k_other, t_other = build(keras), build(torchkeras)
    k_other.load_weights(t_path)
    t_other.load_weights(k_path)
    for a, b in zip(t_other.get_weights(), k_other.get_weights()):
        np.testing.assert_array_equal(a, b)
    # A `.keras` archive written by torchkeras loads in Keras.
    path = str(tmp_path / "t.keras")
    t_model.save(path)
    loaded = keras.saving.load_model(path)
    np.testing.assert_allclose(_np(loaded(IDS)), _np(t_model(torch.tensor(IDS))), rtol=1e-5, atol=1e-6)
