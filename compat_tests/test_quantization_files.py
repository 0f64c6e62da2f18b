"""Quantized and LoRA models in Keras files, both ways with real Keras 3: `.keras` and `.weights.h5` written by
one library load in the other with the same weights (quantized weights bit for bit) and outputs.

These go through the saving walk that calls each layer's `save_own_variables` / `load_own_variables` (the
quantized and LoRA layers store Keras's variables in Keras's order there)."""
import os
import warnings

import keras  # noqa: E402  (compat_tests/conftest.py skips the module when Keras is missing)
import numpy as np
import pytest
import torch

import torchkeras as tk

pytestmark = pytest.mark.skipif(
    not hasattr(tk.layers.Layer, "save_own_variables"),
    reason="needs the saving walk that calls layers' save_own_variables / load_own_variables",
)


def _rand(shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype("float32")


def _model(k, lora=False):
    inputs = k.Input((6,), dtype="int32")
    x = k.layers.Embedding(30, 8, name="embed")(inputs)
    x = k.layers.EinsumDense("abc,cd->abd", (None, 12), bias_axes="d", activation="relu", name="proj")(x)
    x = k.layers.Dense(5, name="head", **({"lora_rank": 2} if lora else {}))(x)
    return k.Model(inputs, x)


def _quantized_pair(mode, block_size, lora=False):
    km, tm = _model(keras, lora), _model(tk, lora)
    weights = [w * 0.5 if w.dtype == np.float32 else w for w in km.get_weights()]
    if lora:
        weights = [_rand(w.shape, i) * 0.3 for i, w in enumerate(km.get_weights())]
    km.set_weights(weights), tm.set_weights(weights)
    if mode is not None:
        config_k = keras.quantizers.Int4QuantizationConfig(block_size=block_size) if mode == "int4" else None
        config_t = tk.quantizers.Int4QuantizationConfig(block_size=block_size) if mode == "int4" else None
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            km.quantize(mode, config=config_k, filters=None if mode != "float8" else ["proj", "head"])
            tm.quantize(mode, config=config_t, filters=None if mode != "float8" else ["proj", "head"])
    return km, tm


def _same_weights(a, b):
    """Same variables (by path; a float8 layer built from its config lists its scales first, in Keras too) and
    values."""
    values_a = {w.path: np.asarray(w.numpy()) for w in a.weights}
    values_b = {w.path: np.asarray(w.numpy()) for w in b.weights}
    assert sorted(values_b) == sorted(values_a)
    for path, value in values_a.items():
        assert values_b[path].dtype == value.dtype, path
        np.testing.assert_array_equal(values_b[path], value)


IDS = np.random.default_rng(9).integers(0, 30, (4, 6))
MODES = [(None, None), ("int8", None), ("int4", 128), ("int4", None), ("int4", 4), ("float8", None)]


@pytest.mark.parametrize("mode, block_size", MODES, ids=["float32", "int8", "int4-128", "int4-channel", "int4-4",
                                                         "float8"])
@pytest.mark.parametrize("direction", ["keras_to_torchkeras", "torchkeras_to_keras"])
def test_keras_archive_both_ways(tmp_path, mode, block_size, direction):
    km, tm = _quantized_pair(mode, block_size)
    path = os.path.join(tmp_path, "model.keras")
    if direction == "keras_to_torchkeras":
        km.save(path)
        loaded, reference = tk.saving.load_model(path), km
    else:
        tm.save(path)
        loaded, reference = keras.saving.load_model(path), tm
    _same_weights(reference, loaded)
    np.testing.assert_allclose(np.asarray(loaded.predict(IDS, verbose=0)),
                               np.asarray(reference.predict(IDS, verbose=0)), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("mode, block_size", MODES[1:], ids=["int8", "int4-128", "int4-channel", "int4-4", "float8"])
def test_weights_h5_both_ways(tmp_path, mode, block_size):
    km, tm = _quantized_pair(mode, block_size)
    path_k, path_t = os.path.join(tmp_path, "k.weights.h5"), os.path.join(tmp_path, "t.weights.h5")
    km.save_weights(path_k), tm.save_weights(path_t)
    km2, tm2 = _quantized_pair(mode, block_size)
    for model in (km2, tm2):  # start from other values
        for w in model.weights:
            if w.dtype in ("float32", torch.float32):
                w.assign(np.zeros(tuple(w.shape), "float32"))
    km2.load_weights(path_t), tm2.load_weights(path_k)
    _same_weights(km, tm2)
    _same_weights(tm, km2)


@pytest.mark.parametrize("direction", ["keras_to_torchkeras", "torchkeras_to_keras"])
def test_lora_model_files_hold_the_merged_kernel(tmp_path, direction):
    km, tm = _quantized_pair(None, None, lora=True)
    path = os.path.join(tmp_path, "lora.keras")
    source = km if direction == "keras_to_torchkeras" else tm
    source.save(path)
    loaded = (tk if direction == "keras_to_torchkeras" else keras).saving.load_model(path)
    assert loaded.get_layer("head").lora_enabled
    np.testing.assert_allclose(np.asarray(loaded.predict(IDS, verbose=0)),
                               np.asarray(source.predict(IDS, verbose=0)), rtol=1e-5, atol=1e-5)
    assert float(np.abs(np.asarray(loaded.get_layer("head").lora_kernel_b.numpy())).sum()) == 0.0
