"""SimpleRNN, LSTM and GRU: numbers against a NumPy reference of Keras's equations, the fused and per-step
paths against each other, masks, states, dropout, weights, config and errors."""
import warnings

import numpy as np
import pytest
import torch

import torchkeras as keras
from torchkeras import layers

import rnn_reference as ref

GAP_MASK = np.array([[1, 1, 0, 1, 0], [0, 1, 1, 1, 1], [1, 1, 1, 0, 0]], dtype=bool)
EDGE_MASK = np.array([[1, 1, 1, 1, 1], [0, 0, 0, 0, 0], [1, 0, 0, 0, 0]], dtype=bool)
RIGHT_PADDED = np.array([[1, 1, 1, 1, 1], [1, 1, 1, 0, 0], [1, 0, 0, 0, 0]], dtype=bool)


def _x(batch=3, steps=5, features=4, seed=0):
    return np.random.default_rng(seed).standard_normal((batch, steps, features)).astype("float32")


def _random_weights(layer, seed=1):
    rng = np.random.default_rng(seed)
    layer.set_weights([rng.uniform(-0.6, 0.6, w.shape).astype("float32") for w in layer.get_weights()])


def _reference_step(layer):
    cell = layer.cell
    w = [v.numpy().astype("float64") for v in (cell.kernel, cell.recurrent_kernel)]
    w.append(None if cell.bias is None else cell.bias.numpy().astype("float64"))
    name = type(cell).__name__
    act = {"tanh": np.tanh, "relu": lambda v: np.maximum(v, 0), "sigmoid": ref.sigmoid}
    a = act[keras.activations.serialize(cell.activation)]
    if name == "SimpleRNNCell":
        return lambda x, s: ref.simple_rnn_step(x, s, w, act=a)
    ra = {"sigmoid": ref.sigmoid, "hard_sigmoid": lambda v: np.clip(v / 6 + 0.5, 0, 1),
          "tanh": np.tanh}[keras.activations.serialize(cell.recurrent_activation)]
    if name == "LSTMCell":
        return lambda x, s: ref.lstm_step(x, s, w, act=a, rec_act=ra)
    return lambda x, s: ref.gru_step(x, s, w, reset_after=cell.reset_after, act=a, rec_act=ra)


def _check_against_reference(layer, x, mask=None, atol=2e-5):
    kwargs = {} if mask is None else {"mask": torch.tensor(mask)}
    out = layer(torch.tensor(x), **kwargs)
    outs = list(out) if isinstance(out, (list, tuple)) else [out]
    n_states = len(layer.cell.state_size) if isinstance(layer.cell.state_size, list) else 1
    states = [np.zeros((x.shape[0], layer.units))] * n_states
    last, seq, final = ref.run(_reference_step(layer), x, states, mask=mask, go_backwards=layer.go_backwards,
                               zero_output_for_mask=layer.zero_output_for_mask)
    if layer.zero_output_for_mask and mask is not None:
        last = np.where(mask[:, 0 if layer.go_backwards else -1][:, None], last, 0)
    expected = seq if layer.return_sequences else last
    np.testing.assert_allclose(outs[0].detach().numpy(), expected, atol=atol)
    if layer.return_state:
        assert len(outs) == 1 + n_states
        for got, want in zip(outs[1:], final):
            np.testing.assert_allclose(got.detach().numpy(), want, atol=atol)


CONFIGS = [
    {},
    {"return_sequences": True},
    {"return_state": True},
    {"return_sequences": True, "return_state": True, "go_backwards": True},
    {"return_sequences": True, "zero_output_for_mask": True},
    {"use_bias": False, "return_state": True},
    {"unroll": True, "return_sequences": True},
    {"activation": "relu", "return_sequences": True},
]


@pytest.mark.parametrize("cls", ["SimpleRNN", "LSTM", "GRU"])
@pytest.mark.parametrize("config", CONFIGS)
@pytest.mark.parametrize("mask", [None, GAP_MASK, EDGE_MASK, RIGHT_PADDED], ids=["nomask", "gaps", "edge", "right"])
def test_matches_reference(cls, config, mask):
    layer = getattr(layers, cls)(3, **config)
    layer.build((3, 5, 4))
    _random_weights(layer)
    _check_against_reference(layer, _x(), mask=mask)


@pytest.mark.parametrize("config", [{"reset_after": False, "return_state": True},
                                    {"reset_after": False, "use_bias": False, "return_sequences": True},
                                    {"recurrent_activation": "hard_sigmoid", "return_state": True}])
@pytest.mark.parametrize("mask", [None, GAP_MASK])
def test_gru_variants_match_reference(config, mask):
    layer = layers.GRU(3, **config)
    layer.build((3, 5, 4))
    _random_weights(layer)
    _check_against_reference(layer, _x(), mask=mask)


def test_lstm_hard_sigmoid_is_keras3_formula():
    layer = layers.LSTM(3, recurrent_activation="hard_sigmoid", return_state=True)
    layer.build((3, 5, 4))
    _random_weights(layer)
    _check_against_reference(layer, _x(), mask=GAP_MASK)


@pytest.mark.parametrize("cls", ["SimpleRNN", "LSTM", "GRU"])
@pytest.mark.parametrize("mask", [None, GAP_MASK, EDGE_MASK])
def test_fused_and_per_step_paths_agree_with_gradients(cls, mask, device):
    """`use_cudnn=False` forces the per-step loop; outputs, states and all gradients must agree."""
    x = _x()
    kw = dict(return_sequences=True, return_state=True)
    fast = getattr(layers, cls)(4, **kw)
    slow = getattr(layers, cls)(4, use_cudnn=False, **kw) if cls != "SimpleRNN" else \
        getattr(layers, cls)(4, unroll=True, **kw)
    fast.build(x.shape)
    slow.build(x.shape)
    slow.set_weights(fast.get_weights())
    results = []
    for layer in (fast, slow):
        xt = torch.tensor(x, device=device, requires_grad=True)
        m = None if mask is None else torch.tensor(mask, device=device)
        outs = layer(xt, mask=m)
        loss = sum((o * torch.linspace(0.5, 1.5, o.shape[-1], device=device)).sum() for o in outs)
        loss.backward()
        results.append(([o.detach().cpu().numpy() for o in outs], xt.grad.cpu().numpy(),
                        [w.grad.cpu().numpy() for w in layer.weights]))
    for a, b in zip(results[0][0], results[1][0]):
        np.testing.assert_allclose(a, b, atol=1e-5)
    np.testing.assert_allclose(results[0][1], results[1][1], rtol=1e-5, atol=1e-5)
    for a, b in zip(results[0][2], results[1][2]):  # weight gradients: sums over batch and time, up to ~5
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)


def test_fused_kernel_is_used_for_default_lstm_and_masks(monkeypatch):
    from torchkeras.layers.recurrent import fused

    kinds = []
    original = fused.run_kernel

    def spy(spec, *args, **kwargs):
        kinds.append(spec.kind)
        return original(spec, *args, **kwargs)

    monkeypatch.setattr(fused, "run_kernel", spy)
    x = torch.tensor(_x())
    layers.LSTM(3)(x)
    layers.GRU(3)(x, mask=torch.tensor(GAP_MASK))
    layers.SimpleRNN(3, activation="relu")(x)
    layers.LSTM(3, return_state=True)(x, mask=torch.tensor(GAP_MASK))  # packed: the carry state is needed
    assert kinds == ["lstm", "gru", "rnn_relu", "lstm"]
    kinds.clear()
    layers.GRU(3, reset_after=False)(x)
    layers.LSTM(3, activation="relu")(x)
    layers.LSTM(3, unroll=True)(x)
    layers.LSTM(3, recurrent_dropout=0.5)(x, training=True)
    assert kinds == []


def test_output_and_state_structure():
    x = torch.tensor(_x())
    out, h, c = layers.LSTM(3, return_state=True)(x)
    assert tuple(out.shape) == (3, 3) and torch.equal(out, h)
    seq, h = layers.GRU(2, return_sequences=True, return_state=True)(x)
    assert tuple(seq.shape) == (3, 5, 2) and torch.allclose(seq[:, -1], h)
    assert tuple(layers.SimpleRNN(6)(x).shape) == (3, 6)


@pytest.mark.parametrize("cls", ["SimpleRNN", "LSTM", "GRU"])
def test_symbolic_shapes_and_masks(cls):
    inp = keras.Input((None, 4))
    masked = layers.Masking()(inp)
    seq = getattr(layers, cls)(3, return_sequences=True)(masked)
    assert seq.shape == (None, None, 3)
    assert seq._keras_mask is not None and seq._keras_mask.shape == (None, None)
    outs = getattr(layers, cls)(5, return_state=True)(seq)
    assert outs[0].shape == (None, 5) and all(o.shape == (None, 5) for o in outs[1:])
    assert outs[0]._keras_mask is None
    model = keras.Model(inp, outs)
    result = model.predict(_x(), verbose=0)
    assert [r.shape for r in result] == [(3, 5)] * len(outs)


@pytest.mark.parametrize("cls", ["SimpleRNN", "LSTM", "GRU"])
def test_compute_mask(cls):
    mask = torch.tensor(GAP_MASK)
    assert getattr(layers, cls)(2).compute_mask(None, mask) is None
    assert getattr(layers, cls)(2, return_sequences=True).compute_mask(None, mask) is mask
    masks = getattr(layers, cls)(2, return_sequences=True, return_state=True).compute_mask(None, mask)
    n_states = 2 if cls == "LSTM" else 1
    assert masks[0] is mask and masks[1:] == [None] * n_states


def test_weights_layout_names_and_initial_values():
    lstm = layers.LSTM(3)
    lstm.build((None, 5, 4))
    assert [w.path for w in lstm.weights] == ["lstm/lstm_cell/kernel", "lstm/lstm_cell/recurrent_kernel",
                                              "lstm/lstm_cell/bias"]
    assert [tuple(w.shape) for w in lstm.weights] == [(4, 12), (3, 12), (12,)]
    np.testing.assert_array_equal(lstm.cell.bias.numpy(), [0] * 3 + [1] * 3 + [0] * 6)
    r = lstm.cell.recurrent_kernel.numpy()
    np.testing.assert_allclose(r @ r.T, np.eye(3), atol=1e-5)  # orthogonal rows
    gru = layers.GRU(3)
    gru.build((None, 5, 4))
    assert [tuple(w.shape) for w in gru.weights] == [(4, 9), (3, 9), (2, 9)]
    gru2 = layers.GRU(3, reset_after=False, use_bias=True)
    gru2.build((None, 5, 4))
    assert tuple(gru2.cell.bias.shape) == (9,)
    rnn = layers.SimpleRNN(3, use_bias=False)
    rnn.build((None, 5, 4))
    assert [tuple(w.shape) for w in rnn.weights] == [(4, 3), (3, 3)]
    no_forget = layers.LSTM(2, unit_forget_bias=False, bias_initializer="ones")
    no_forget.build((None, 2, 2))
    np.testing.assert_array_equal(no_forget.cell.bias.numpy(), np.ones(8))


def test_regularizers_add_losses_and_count_params():
    layer = layers.LSTM(3, kernel_regularizer="l2", recurrent_regularizer=keras.regularizers.L1(0.1),
                        bias_regularizer="l2")
    layer.build((None, 5, 4))
    assert len(layer.losses) == 3
    expected = 0.01 * (layer.cell.kernel ** 2).sum() + 0.1 * layer.cell.recurrent_kernel.abs().sum() + \
        0.01 * (layer.cell.bias ** 2).sum()
    np.testing.assert_allclose(float(sum(layer.losses).detach()), float(expected.detach()), rtol=1e-5)
    assert layer.count_params() == 4 * 12 + 3 * 12 + 12


@pytest.mark.parametrize("cls", ["SimpleRNN", "LSTM", "GRU"])
def test_dropout_only_in_training_and_fixed_across_time(cls):
    x = torch.ones(4, 6, 5)
    layer = getattr(layers, cls)(3, dropout=0.5, recurrent_dropout=0.5, return_sequences=True, seed=3)
    inference = layer(x)
    np.testing.assert_allclose(inference.detach().numpy(), layer(x, training=False).detach().numpy())
    plain = getattr(layers, cls)(3, return_sequences=True)
    plain.build(x.shape)
    plain.set_weights(layer.get_weights())
    np.testing.assert_allclose(inference.detach().numpy(), plain(x).detach().numpy(), atol=1e-6)
    train_a = layer(x, training=True)
    train_b = layer(x, training=True)
    assert not torch.allclose(train_a, inference) and not torch.allclose(train_a, train_b)
    # a fixed input mask: with a linear cell and no recurrence, every step sees the same dropped features
    cell = layers.SimpleRNNCell(3, dropout=0.5, activation=None, recurrent_initializer="zeros", seed=1)
    rnn = layers.RNN(cell, return_sequences=True)
    out = rnn(x, training=True).detach()
    assert torch.allclose(out, out[:, :1].expand_as(out), atol=1e-6)


def test_seeded_dropout_is_reproducible():
    x = torch.tensor(_x())
    a = layers.LSTM(3, dropout=0.3, recurrent_dropout=0.3, seed=7)
    b = layers.LSTM(3, dropout=0.3, recurrent_dropout=0.3, seed=7)
    a.build(x.shape)
    b.build(x.shape)
    b.set_weights(a.get_weights())
    np.testing.assert_allclose(a(x, training=True).detach().numpy(), b(x, training=True).detach().numpy())


def test_config_round_trip_and_keras_keys():
    layer = layers.LSTM(4, activation="relu", dropout=0.1, recurrent_dropout=0.2, seed=2, return_sequences=True,
                        kernel_regularizer="l2", name="enc")
    config = layer.get_config()
    assert "cell" not in config and config["units"] == 4 and config["activation"] == "relu"
    assert config["recurrent_dropout"] == 0.2 and config["seed"] == 2 and config["zero_output_for_mask"] is False
    clone = layers.LSTM.from_config(config)
    assert clone.get_config() == config
    gru_config = layers.GRU(2, reset_after=False).get_config()
    assert gru_config["reset_after"] is False and layers.GRU.from_config(gru_config).reset_after is False
    simple = layers.SimpleRNN(2).get_config()
    assert "seed" not in simple and "recurrent_activation" not in simple
    assert set(layers.SimpleRNN.from_config(simple).get_config()) == set(simple)


def test_from_config_ignores_keras2_keys():
    config = layers.GRU(3).get_config()
    config.update({"time_major": False, "implementation": 2})
    layer = layers.GRU.from_config(config)
    assert layer.units == 3
    assert "time_major" not in layer.get_config()


def test_keras1_argument_names():
    with pytest.warns(DeprecationWarning):
        layer = layers.LSTM(output_dim=3, inner_activation="hard_sigmoid", dropout_W=0.1, dropout_U=0.2,
                            W_regularizer="l2", consume_less="gpu")
    assert (layer.units, layer.dropout, layer.recurrent_dropout) == (3, 0.1, 0.2)
    assert layer.recurrent_activation is keras.activations.hard_sigmoid
    assert layer.kernel_regularizer is not None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        simple = layers.SimpleRNN(output_dim=2, input_dim=4, input_length=6)
    model = keras.Sequential([simple])
    assert model.output_shape == (None, 2)
    assert model.input_shape == (None, 6, 4)


def test_errors():
    with pytest.raises(ValueError, match="expected a positive integer"):
        layers.LSTM(0)
    with pytest.raises(TypeError, match="missing 1 required positional argument: 'units'"):
        layers.GRU()
    with pytest.raises(ValueError, match="use_cudnn"):
        layers.LSTM(2, use_cudnn="yes")
    with pytest.raises(ValueError, match="time_major"):
        layers.LSTM(2, time_major=True)
    with pytest.raises(ValueError, match="expected ndim=3"):
        layers.LSTM(2)(torch.ones(2, 3))
    with pytest.raises(ValueError, match="Cannot unroll a RNN if the time dimension is undefined"):
        layers.LSTM(2, unroll=True)(keras.Input((None, 3)))
    with pytest.raises(ValueError, match="use_cudnn=True was specified"):
        layers.LSTM(2, activation="relu", use_cudnn=True)(torch.ones(2, 3, 4))


def test_integer_sequences_are_cast_to_float():
    out = layers.SimpleRNN(2)(torch.ones(2, 3, 4, dtype=torch.int64))
    assert out.dtype == torch.float32


def test_cell_call_single_step_matches_layer_first_step():
    x = _x()
    for cell_cls, n_states in ((layers.LSTMCell, 2), (layers.GRUCell, 1), (layers.SimpleRNNCell, 1)):
        cell = cell_cls(3)
        layer = layers.RNN(cell, return_sequences=True)
        seq = layer(torch.tensor(x))
        zeros = [torch.zeros(3, 3)] * n_states
        h, states = cell(torch.tensor(x[:, 0]), zeros)
        np.testing.assert_allclose(h.detach().numpy(), seq[:, 0].detach().numpy(), atol=1e-6)
        assert len(states) == n_states
    out, state = layers.GRUCell(2)(torch.ones(1, 3), torch.zeros(1, 2))
    assert isinstance(state, torch.Tensor)


def test_keras2_hard_sigmoid_function_runs_the_per_step_path():
    """Models from Keras 2 files may carry Keras 2's `hard_sigmoid` (`clip(0.2 x + 0.5, 0, 1)`)."""
    from torchkeras.activations.legacy import hard_sigmoid_keras2

    layer = layers.LSTM(3, recurrent_activation=hard_sigmoid_keras2, return_state=True)
    layer.build((3, 5, 4))
    _random_weights(layer)
    assert layer.cell.fused_spec(False) is None
    x = _x()
    w = [v.numpy().astype("float64") for v in layer.cell.weights]
    step = lambda xt, s: ref.lstm_step(xt, s, w, rec_act=lambda v: np.clip(0.2 * v + 0.5, 0, 1))  # noqa: E731
    _, _, (h, c) = ref.run(step, x, [np.zeros((3, 3))] * 2, mask=GAP_MASK)
    out = layer(torch.tensor(x), mask=torch.tensor(GAP_MASK))
    np.testing.assert_allclose(out[1].detach().numpy(), h, atol=2e-5)
    np.testing.assert_allclose(out[2].detach().numpy(), c, atol=2e-5)
