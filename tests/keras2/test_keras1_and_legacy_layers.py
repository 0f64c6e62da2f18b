"""Keras 1's Merge/merge and Keras 2's legacy layers (MaxoutDense, Highway): Keras's math, configs, saving."""
import warnings

import numpy as np
import pytest

import torchkeras
from torchkeras import layers

RNG = np.random.default_rng(3)
A = RNG.standard_normal((4, 5)).astype("float32")
B = RNG.standard_normal((4, 5)).astype("float32")


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        yield


def _run(mode, **kwargs):
    a, b = torchkeras.Input((5,)), torchkeras.Input((5,))
    model = torchkeras.Model([a, b], layers.merge([a, b], mode=mode, **kwargs))
    return model, model.predict([A, B], verbose=0)


@pytest.mark.parametrize("mode, expected", [
    ("sum", A + B), ("mul", A * B), ("ave", (A + B) / 2), ("max", np.maximum(A, B)),
    ("concat", np.concatenate([A, B], -1)), ("dot", (A * B).sum(-1, keepdims=True)),
    ("cos", ((A * B).sum(-1, keepdims=True) / np.maximum(
        np.sqrt((A * A).sum(-1, keepdims=True) * (B * B).sum(-1, keepdims=True)), 1e-7))[:, None]),
])
def test_merge_modes_follow_keras1(mode, expected):
    _, out = _run(mode)
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-5)


def test_merge_layer_callable_mode_and_config_round_trip():
    merged = layers.Merge(mode="concat", concat_axis=1)([torchkeras.Input((2, 3)), torchkeras.Input((4, 3))])
    assert merged.shape == (None, 6, 3)
    model, _ = _run("mul")
    restored = torchkeras.models.model_from_json(model.to_json())
    np.testing.assert_allclose(restored.predict([A, B], verbose=0), A * B, rtol=1e-6)
    a, b = torchkeras.Input((5,)), torchkeras.Input((5,))
    out = layers.Merge(mode=lambda t: t[0] - 2 * t[1], output_shape=(5,))([a, b])
    model = torchkeras.Model([a, b], out)
    np.testing.assert_allclose(model.predict([A, B], verbose=0), A - 2 * B, rtol=1e-6)
    with pytest.raises(ValueError, match="Invalid merge mode"):
        layers.Merge(mode="median")
    with pytest.raises(TypeError, match="functional API"):
        layers.Merge([torchkeras.Sequential(), torchkeras.Sequential()])


def test_merge_warns_with_the_keras2_layer(fresh_warnings):
    with pytest.warns(DeprecationWarning, match=r"Use `keras\.layers\.Concatenate`"):
        layers.Merge(mode="concat")


def test_maxout_dense_and_highway_math_and_h5_round_trip(tmp_path):
    inputs = torchkeras.Input((5,))
    maxout = layers.MaxoutDense(3, nb_feature=4)
    highway = layers.Highway(activation="relu")
    model = torchkeras.Model(inputs, [maxout(inputs), highway(inputs)])
    W, b = maxout.get_weights()
    assert W.shape == (4, 5, 3) and b.shape == (4, 3)
    hw, hwc, hb, hbc = highway.get_weights()
    np.testing.assert_array_equal(hbc, np.ones(5))
    out_max, out_high = model.predict(A, verbose=0)
    np.testing.assert_allclose(out_max, (np.einsum("bi,kio->bko", A, W) + b).max(1), rtol=1e-5, atol=1e-5)
    gate = 1 / (1 + np.exp(-(A @ hwc + hbc)))
    np.testing.assert_allclose(out_high, np.maximum(A @ hw + hb, 0) * gate + (1 - gate) * A, rtol=1e-5, atol=1e-5)
    path = str(tmp_path / "legacy.h5")
    model.save(path)
    restored = torchkeras.models.load_model(path)
    for got, want in zip(restored.predict(A, verbose=0), (out_max, out_high)):
        np.testing.assert_allclose(got, want, rtol=1e-6)
