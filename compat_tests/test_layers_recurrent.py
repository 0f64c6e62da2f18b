"""SimpleRNN, LSTM, GRU, their cells and the generic RNN layer beside real Keras 3 (torch backend): the same
weights give the same outputs, states and input gradients; configs have the same keys."""
import numpy as np
import pytest
import torch

import keras

import torchkeras
from torchkeras.utils import tree

GAP_MASK = np.array([[1, 1, 0, 1, 0], [0, 1, 1, 1, 1], [1, 1, 1, 0, 0]], dtype=bool)
EDGE_MASK = np.array([[1, 1, 1, 1, 1], [0, 0, 0, 0, 0], [1, 0, 0, 0, 0]], dtype=bool)
MASKS = {"nomask": None, "gaps": GAP_MASK, "edge": EDGE_MASK}


def _x(shape=(3, 5, 4), seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype("float32")


def compare(k_layer, t_layer, x, mask=None, training=False, initial_state=None, atol=1e-5):
    """Build both layers, copy Keras's weights, and compare outputs and input gradients."""
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
    assert type(k_out) is type(t_out) or not isinstance(k_out, (list, tuple))
    for k, t in zip(k_flat, t_flat):
        np.testing.assert_allclose(t.detach().numpy(), k.detach().numpy(), atol=atol)
    weights = [torch.linspace(0.5, 1.5, o.shape[-1]) for o in k_flat]
    sum((o * w).sum() for o, w in zip(k_flat, weights)).backward()
    sum((o * w).sum() for o, w in zip(t_flat, weights)).backward()
    np.testing.assert_allclose(tx.grad.numpy(), kx.grad.numpy(), atol=atol)
    return k_out, t_out


def _pair(name, *args, **kwargs):
    return getattr(keras.layers, name)(*args, **kwargs), getattr(torchkeras.layers, name)(*args, **kwargs)


CONFIGS = [
    {},
    {"return_sequences": True},
    {"return_state": True},
    {"return_sequences": True, "return_state": True, "go_backwards": True},
    {"return_sequences": True, "zero_output_for_mask": True},
    {"return_state": True, "zero_output_for_mask": True},
    {"use_bias": False, "return_sequences": True},
    {"unroll": True, "return_sequences": True},
    {"activation": "relu", "return_sequences": True, "return_state": True},
]


@pytest.mark.parametrize("cls", ["SimpleRNN", "LSTM", "GRU"])
@pytest.mark.parametrize("config", CONFIGS)
@pytest.mark.parametrize("mask", list(MASKS), ids=list(MASKS))
def test_layers_match_keras(cls, config, mask):
    compare(*_pair(cls, 3, **config), _x(), mask=MASKS[mask])


@pytest.mark.parametrize("config", [
    {"reset_after": False, "return_sequences": True, "return_state": True},
    {"reset_after": False, "use_bias": False},
    {"recurrent_activation": "hard_sigmoid", "return_sequences": True},
    {"activation": "sigmoid", "recurrent_activation": "tanh", "return_state": True},
])
@pytest.mark.parametrize("mask", ["nomask", "gaps"])
def test_gru_variants_match_keras(config, mask):
    compare(*_pair("GRU", 4, **config), _x(), mask=MASKS[mask])


@pytest.mark.parametrize("config", [
    {"recurrent_activation": "hard_sigmoid", "return_state": True},
    {"unit_forget_bias": False, "return_sequences": True},
    {"activation": "elu", "go_backwards": True},
])
def test_lstm_variants_match_keras(config):
    compare(*_pair("LSTM", 4, **config), _x(), mask=GAP_MASK)


@pytest.mark.parametrize("cls", ["SimpleRNN", "LSTM", "GRU"])
@pytest.mark.parametrize("rates", [{"dropout": 0.3}, {"dropout": 0.3, "recurrent_dropout": 0.4},
                                   {"recurrent_dropout": 0.5}])
@pytest.mark.parametrize("mask", ["nomask", "gaps"])
def test_seeded_dropout_matches_keras(cls, rates, mask):
    """With a seed, the dropout masks (per gate, fixed across timesteps) are Keras's own draws."""
    compare(*_pair(cls, 3, seed=11, return_sequences=True, **rates), _x(), mask=MASKS[mask], training=True)


@pytest.mark.parametrize("cls, n_states", [("SimpleRNN", 1), ("LSTM", 2), ("GRU", 1)])
def test_initial_state_matches_keras(cls, n_states):
    states = [_x((3, 3), seed=i + 5) for i in range(n_states)]
    compare(*_pair(cls, 3, return_sequences=True, return_state=True), _x(), initial_state=states)
    compare(*_pair(cls, 3), _x(), initial_state=states, mask=GAP_MASK)


@pytest.mark.parametrize("cls", ["SimpleRNN", "LSTM", "GRU"])
def test_stateful_calls_match_keras(cls):
    k_layer, t_layer = _pair(cls, 3, stateful=True, return_sequences=True)
    x1, x2 = _x((2, 4, 3), 1), _x((2, 4, 3), 2)
    k_layer(torch.tensor(x1))
    t_layer.build((2, 4, 3))
    t_layer.set_weights(k_layer.get_weights())
    t_layer(torch.tensor(x1))
    np.testing.assert_allclose(t_layer(torch.tensor(x2)).detach().numpy(),
                               k_layer(torch.tensor(x2)).detach().numpy(), atol=1e-5)
    for k, t in zip(k_layer.states, t_layer.states):
        np.testing.assert_allclose(t.numpy(), np.asarray(k.numpy()), atol=1e-5)
    k_layer.reset_state()
    t_layer.reset_state()
    np.testing.assert_allclose(t_layer(torch.tensor(x2)).detach().numpy(),
                               k_layer(torch.tensor(x2)).detach().numpy(), atol=1e-5)


@pytest.mark.parametrize("cls", ["SimpleRNNCell", "LSTMCell", "GRUCell"])
def test_cells_single_step_match_keras(cls):
    k_cell, t_cell = _pair(cls, 3)
    x = _x((2, 4))
    n_states = 2 if cls == "LSTMCell" else 1
    states = [_x((2, 3), seed=9 + i) for i in range(n_states)]
    k_out, k_states = k_cell(torch.tensor(x), [torch.tensor(s) for s in states])
    t_cell.build((2, 4))
    t_cell.set_weights(k_cell.get_weights())
    t_out, t_states = t_cell(torch.tensor(x), [torch.tensor(s) for s in states])
    np.testing.assert_allclose(t_out.detach().numpy(), k_out.detach().numpy(), atol=1e-6)
    for k, t in zip(k_states, t_states):
        np.testing.assert_allclose(t.detach().numpy(), k.detach().numpy(), atol=1e-6)


@pytest.mark.parametrize("mask", ["nomask", "gaps"])
def test_rnn_with_builtin_cells_matches_keras(mask):
    k_layer = keras.layers.RNN(keras.layers.LSTMCell(3), return_sequences=True, return_state=True)
    t_layer = torchkeras.layers.RNN(torchkeras.layers.LSTMCell(3), return_sequences=True, return_state=True)
    compare(k_layer, t_layer, _x(), mask=MASKS[mask])


@pytest.mark.parametrize("mask", ["nomask", "gaps", "edge"])
@pytest.mark.parametrize("go_backwards", [False, True])
def test_stacked_cells_match_keras(mask, go_backwards):
    def make(lib):
        cells = [lib.layers.LSTMCell(4), lib.layers.GRUCell(3, reset_after=False), lib.layers.SimpleRNNCell(2)]
        return lib.layers.RNN(cells, return_sequences=True, return_state=True, go_backwards=go_backwards)

    compare(make(keras), make(torchkeras), _x(), mask=MASKS[mask])


def test_stacked_cells_with_dropout_match_keras():
    def make(lib):
        cells = [lib.layers.LSTMCell(4, dropout=0.2, seed=1), lib.layers.GRUCell(3, recurrent_dropout=0.3, seed=2)]
        return lib.layers.RNN(cells, return_sequences=True)

    compare(make(keras), make(torchkeras), _x(), training=True)


def _minimal_cell_class(lib):
    class MinimalRNNCell(lib.layers.Layer):
        def __init__(self, units, **kwargs):
            super().__init__(**kwargs)
            self.units = units
            self.state_size = units

        def build(self, input_shape):
            self.kernel = self.add_weight(shape=(input_shape[-1], self.units), initializer="uniform",
                                          name="kernel")
            self.recurrent_kernel = self.add_weight(shape=(self.units, self.units), initializer="uniform",
                                                    name="recurrent_kernel")

        def call(self, inputs, states):
            output = lib.ops.tanh(lib.ops.matmul(inputs, self.kernel) +
                                  lib.ops.matmul(states[0], self.recurrent_kernel))
            return output, [output]

    return MinimalRNNCell


@pytest.mark.parametrize("mask", ["nomask", "gaps"])
def test_custom_cell_matches_keras(mask):
    k_layer = keras.layers.RNN(_minimal_cell_class(keras)(3), return_sequences=True, go_backwards=True)
    t_layer = torchkeras.layers.RNN(_minimal_cell_class(torchkeras)(3), return_sequences=True, go_backwards=True)
    compare(k_layer, t_layer, _x(), mask=MASKS[mask])


@pytest.mark.parametrize("make", [
    lambda lib: lib.layers.LSTM(3, dropout=0.1, recurrent_dropout=0.2, seed=3, return_sequences=True,
                                kernel_regularizer="l2", recurrent_constraint="non_neg", go_backwards=True),
    lambda lib: lib.layers.GRU(2, reset_after=False, activation="relu", unroll=True, stateful=True),
    lambda lib: lib.layers.SimpleRNN(4, use_bias=False, bias_initializer="ones", return_state=True),
    lambda lib: lib.layers.LSTMCell(3, unit_forget_bias=False),
    lambda lib: lib.layers.GRUCell(3, reset_after=False),
    lambda lib: lib.layers.SimpleRNNCell(3, dropout=0.5),
    lambda lib: lib.layers.RNN(lib.layers.GRUCell(2), zero_output_for_mask=True),
    lambda lib: lib.layers.RNN([lib.layers.LSTMCell(2), lib.layers.LSTMCell(3)]),
    lambda lib: lib.layers.StackedRNNCells([lib.layers.SimpleRNNCell(2)]),
], ids=["lstm", "gru", "simple_rnn", "lstm_cell", "gru_cell", "simple_rnn_cell", "rnn", "rnn_stacked",
        "stacked_cells"])
def test_configs_match_keras(make):
    k_config = make(keras).get_config()
    t_config = make(torchkeras).get_config()
    assert set(t_config) == set(k_config)
    for key, value in k_config.items():
        if key in ("name", "cell", "cells"):
            continue
        assert t_config[key] == value, key
    if "cell" in k_config:
        assert t_config["cell"]["class_name"] == k_config["cell"]["class_name"]
        assert set(t_config["cell"]["config"]) == set(k_config["cell"]["config"])


@pytest.mark.parametrize("name", ["LSTM", "GRU", "SimpleRNN"])
def test_keras_configs_load_in_torchkeras(name):
    """A Keras config (as written to a .keras file) rebuilds the same layer in torchkeras, and vice versa."""
    k_layer = getattr(keras.layers, name)(5, return_sequences=True, dropout=0.25, seed=4, name="rnn_layer")
    k_config = keras.saving.serialize_keras_object(k_layer)
    t_layer = torchkeras.saving.deserialize_keras_object(k_config)
    assert type(t_layer).__name__ == name and t_layer.get_config() == k_layer.get_config()
    back = keras.saving.deserialize_keras_object(torchkeras.saving.serialize_keras_object(t_layer))
    assert back.get_config() == k_layer.get_config()
