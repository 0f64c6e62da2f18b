"""Bidirectional, TimeDistributed, ConvLSTM1D/2D/3D and Masking beside real Keras 3 (torch backend)."""
import numpy as np
import pytest
import torch

import keras

import torchkeras
from torchkeras.utils import tree

GAP_MASK = np.array([[1, 1, 0, 1, 0], [0, 1, 1, 1, 1], [1, 1, 1, 0, 0]], dtype=bool)


def _x(shape=(3, 5, 4), seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype("float32")


def compare(k_layer, t_layer, x, mask=None, training=False, initial_state=None, atol=1e-5):
    kx = torch.tensor(x, requires_grad=True)
    tx = torch.tensor(x, requires_grad=True)
    kwargs = {} if mask is None else {"mask": torch.tensor(mask)}
    if initial_state is not None:
        kwargs["initial_state"] = [torch.tensor(s) for s in initial_state]
    k_out = k_layer(kx, training=training, **kwargs)
    t_layer.build(x.shape)
    t_layer.set_weights(k_layer.get_weights())
    t_out = t_layer(tx, training=training, **kwargs)
    k_flat, t_flat = tree.flatten(k_out), tree.flatten(t_out)
    assert len(k_flat) == len(t_flat)
    for k, t in zip(k_flat, t_flat):
        np.testing.assert_allclose(t.detach().numpy(), k.detach().numpy(), atol=atol)
    weights = [torch.linspace(0.5, 1.5, o.shape[-1]) for o in k_flat]
    sum((o * w).sum() for o, w in zip(k_flat, weights)).backward()
    sum((o * w).sum() for o, w in zip(t_flat, weights)).backward()
    np.testing.assert_allclose(tx.grad.numpy(), kx.grad.numpy(), atol=atol)


def _config_keys_match(k_layer, t_layer):
    k_config, t_config = k_layer.get_config(), t_layer.get_config()
    assert set(t_config) == set(k_config)
    return k_config, t_config


@pytest.mark.parametrize("inner", ["LSTM", "GRU", "SimpleRNN"])
@pytest.mark.parametrize("merge_mode", ["concat", "sum", "mul", "ave", None])
@pytest.mark.parametrize("inner_config", [{}, {"return_sequences": True}, {"return_state": True},
                                          {"return_sequences": True, "return_state": True}],
                         ids=["last", "seq", "state", "seq_state"])
@pytest.mark.parametrize("masked", [False, True], ids=["nomask", "gaps"])
def test_bidirectional_matches_keras(inner, merge_mode, inner_config, masked):
    def make(lib):
        return lib.layers.Bidirectional(getattr(lib.layers, inner)(3, **inner_config), merge_mode=merge_mode)

    compare(make(keras), make(torchkeras), _x(), mask=GAP_MASK if masked else None)


def test_bidirectional_custom_backward_layer_and_initial_state():
    def make(lib):
        return lib.layers.Bidirectional(
            lib.layers.LSTM(3, return_sequences=True, return_state=True),
            backward_layer=lib.layers.LSTM(3, activation="relu", return_sequences=True, return_state=True,
                                           go_backwards=True))

    states = [_x((3, 3), seed=s) for s in range(4)]
    compare(make(keras), make(torchkeras), _x(), initial_state=states)
    compare(make(keras), make(torchkeras), _x(), mask=GAP_MASK)


def test_bidirectional_dropout_and_config():
    def make(lib):
        return lib.layers.Bidirectional(lib.layers.GRU(3, dropout=0.3, recurrent_dropout=0.2, seed=5,
                                                       return_sequences=True), merge_mode="sum")

    compare(make(keras), make(torchkeras), _x(), training=True)
    k_layer, t_layer = make(keras), make(torchkeras)
    k_config, t_config = _config_keys_match(k_layer, t_layer)
    assert t_config["merge_mode"] == "sum"
    for key in ("layer", "backward_layer"):
        assert t_config[key]["class_name"] == "GRU"
        assert set(t_config[key]["config"]) == set(k_config[key]["config"])
        for name, value in k_config[key]["config"].items():
            if name != "name":
                assert t_config[key]["config"][name] == value, (key, name)
    rebuilt = keras.layers.Bidirectional.from_config(t_config)
    assert rebuilt.backward_layer.go_backwards and rebuilt.merge_mode == "sum"


@pytest.mark.parametrize("make", [
    lambda lib: lib.layers.TimeDistributed(lib.layers.Dense(3, activation="tanh")),
    lambda lib: lib.layers.TimeDistributed(lib.layers.LSTM(2, return_sequences=True)),
], ids=["dense", "lstm"])
def test_time_distributed_matches_keras(make):
    shape = (2, 3, 4) if "Dense" in repr(make(torchkeras).layer) else (2, 3, 5, 4)
    compare(make(keras), make(torchkeras), _x(shape))
    _config_keys_match(make(keras), make(torchkeras))


def test_time_distributed_dense_on_masked_sequences():
    def make(lib):
        inp = lib.Input((5,), dtype="int32")
        h = lib.layers.Embedding(8, 4, mask_zero=True)(inp)
        h = lib.layers.LSTM(3, return_sequences=True)(h)
        return lib.Model(inp, lib.layers.TimeDistributed(lib.layers.Dense(2))(h))

    k_model, t_model = make(keras), make(torchkeras)
    t_model.set_weights(k_model.get_weights())
    x = np.array([[1, 2, 3, 0, 0], [4, 0, 5, 6, 7]])
    np.testing.assert_allclose(t_model.predict(x, verbose=0), k_model.predict(x, verbose=0), atol=1e-5)


@pytest.mark.parametrize("name, shape, config", [
    ("ConvLSTM2D", (2, 3, 6, 6, 2), {"filters": 3, "kernel_size": 3}),
    ("ConvLSTM2D", (2, 3, 6, 6, 2), {"filters": 3, "kernel_size": (2, 3), "padding": "same",
                                     "return_sequences": True}),
    ("ConvLSTM2D", (2, 3, 7, 7, 2), {"filters": 2, "kernel_size": 3, "strides": 2, "padding": "same",
                                     "return_state": True}),
    ("ConvLSTM2D", (2, 3, 6, 6, 2), {"filters": 2, "kernel_size": 2, "dilation_rate": 2, "go_backwards": True,
                                     "return_sequences": True}),
    ("ConvLSTM2D", (2, 3, 2, 6, 6), {"filters": 2, "kernel_size": 3, "data_format": "channels_first",
                                     "return_sequences": True}),
    ("ConvLSTM1D", (2, 4, 7, 2), {"filters": 2, "kernel_size": 3, "padding": "same", "return_sequences": True,
                                  "activation": "relu"}),
    ("ConvLSTM3D", (2, 3, 4, 4, 4, 2), {"filters": 2, "kernel_size": 2, "use_bias": False}),
])
def test_conv_lstm_matches_keras(name, shape, config):
    k_layer = getattr(keras.layers, name)(**config)
    t_layer = getattr(torchkeras.layers, name)(**config)
    compare(k_layer, t_layer, _x(shape))


def test_conv_lstm_dropout_mask_and_config_match_keras():
    def make(lib):
        return lib.layers.ConvLSTM1D(2, 3, dropout=0.3, recurrent_dropout=0.2, seed=3, return_sequences=True)

    mask = np.array([[1, 0, 1, 1], [0, 1, 1, 0]], dtype=bool)
    compare(make(keras), make(torchkeras), _x((2, 4, 6, 2)), training=True)
    compare(make(keras), make(torchkeras), _x((2, 4, 6, 2)), mask=mask)
    k_config, t_config = _config_keys_match(make(keras), make(torchkeras))
    for key, value in k_config.items():
        if key != "name":
            assert t_config[key] == value, key


@pytest.mark.parametrize("mask_value", [0.0, -1.0])
def test_masking_then_lstm_matches_keras(mask_value):
    def make(lib):
        return lib.Sequential([lib.Input((6, 3)), lib.layers.Masking(mask_value=mask_value),
                               lib.layers.LSTM(4, return_sequences=True), lib.layers.GRU(2)])

    x = _x((3, 6, 3))
    x[0, 4:] = mask_value
    x[1, 1] = mask_value
    x[2, :2] = mask_value
    k_model, t_model = make(keras), make(torchkeras)
    t_model.set_weights(k_model.get_weights())
    np.testing.assert_allclose(t_model.predict(x, verbose=0), k_model.predict(x, verbose=0), atol=1e-5)
    k_masking = keras.layers.Masking(mask_value=mask_value)
    t_masking = torchkeras.layers.Masking(mask_value=mask_value)
    k_out = k_masking(torch.tensor(x))
    t_out = t_masking(torch.tensor(x))
    np.testing.assert_array_equal(t_out.numpy(), k_out.numpy())
    np.testing.assert_array_equal(t_out._keras_mask.numpy(), k_out._keras_mask.numpy())
    assert t_masking.get_config()["mask_value"] == k_masking.get_config()["mask_value"]
    _config_keys_match(k_masking, t_masking)
