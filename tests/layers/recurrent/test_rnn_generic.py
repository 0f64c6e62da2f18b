"""The generic `RNN(cell)` layer: custom cells, stacked cells, initial states, stateful layers."""
import numpy as np
import pytest
import torch

import torchkeras as keras
from torchkeras import layers

import rnn_reference as ref


class MinimalRNNCell(layers.Layer):
    """The cell of Keras's RNN docstring: `h = x W + h_prev R` (no activation)."""

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.state_size = units

    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(input_shape[-1], self.units), initializer="uniform", name="kernel")
        self.recurrent_kernel = self.add_weight(shape=(self.units, self.units), initializer="uniform",
                                                name="recurrent_kernel")

    def call(self, inputs, states):
        output = inputs @ self.kernel + states[0] @ self.recurrent_kernel
        return output, [output]

    def get_config(self):
        config = super().get_config()
        config["units"] = self.units
        return config


class TwoStateCell(layers.Layer):
    """A cell with two states of different sizes, an `output_size`, and a `training` argument."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.state_size = [2, 3]
        self.output_size = 4

    def call(self, inputs, states, training=None):
        a, b = states
        new_a = a + inputs[:, :2]
        new_b = b + inputs[:, :3] * (2.0 if training else 1.0)
        return torch.cat([new_a, new_b[:, :2]], dim=-1), [new_a, new_b]


def _x(batch=3, steps=5, features=4, seed=0):
    return np.random.default_rng(seed).standard_normal((batch, steps, features)).astype("float32")


def _minimal_reference(cell, x, mask=None, go_backwards=False):
    w, r = cell.kernel.numpy().astype("float64"), cell.recurrent_kernel.numpy().astype("float64")

    def step(xt, states):
        h = xt @ w + states[0] @ r
        return h, [h]

    return ref.run(step, x, [np.zeros((x.shape[0], cell.units))], mask=mask, go_backwards=go_backwards)


@pytest.mark.parametrize("go_backwards", [False, True])
@pytest.mark.parametrize("masked", [False, True])
def test_custom_cell_matches_reference(go_backwards, masked):
    x = _x()
    mask = np.array([[1, 0, 1, 1, 0], [0, 0, 1, 1, 1], [1, 1, 1, 1, 1]], bool) if masked else None
    cell = MinimalRNNCell(3)
    layer = layers.RNN(cell, return_sequences=True, return_state=True, go_backwards=go_backwards)
    seq, h = layer(torch.tensor(x), mask=None if mask is None else torch.tensor(mask))
    last, expected_seq, states = _minimal_reference(cell, x, mask, go_backwards)
    np.testing.assert_allclose(seq.detach().numpy(), expected_seq, atol=1e-5)
    np.testing.assert_allclose(h.detach().numpy(), states[0], atol=1e-5)


def test_custom_cell_with_two_states_training_and_output_size():
    x = torch.ones(2, 4, 5)
    layer = layers.RNN(TwoStateCell(), return_sequences=True, return_state=True)
    seq, a, b = layer(x)
    assert tuple(seq.shape) == (2, 4, 4) and tuple(a.shape) == (2, 2) and tuple(b.shape) == (2, 3)
    np.testing.assert_allclose(b.numpy(), np.full((2, 3), 4.0))
    _, _, b_train = layer(x, training=True)
    np.testing.assert_allclose(b_train.numpy(), np.full((2, 3), 8.0))
    assert layer.compute_output_shape((None, 4, 5)) == ((None, 4, 4), (None, 2), (None, 3))


def test_custom_cell_symbolic_model_and_config():
    inp = keras.Input((None, 4))
    out = layers.RNN(MinimalRNNCell(6), name="rnn_custom")(inp)
    model = keras.Model(inp, out)
    assert model.output_shape == (None, 6)
    config = model.layers[-1].get_config()
    assert config["cell"]["class_name"] == "MinimalRNNCell"
    clone = layers.RNN.from_config(config, custom_objects={"MinimalRNNCell": MinimalRNNCell})
    assert isinstance(clone.cell, MinimalRNNCell) and clone.cell.units == 6


def test_cell_validation_errors():
    with pytest.raises(ValueError, match="should have a `call` method"):
        layers.RNN(object())

    class NoState:
        def call(self, inputs, states):
            return inputs, states

    with pytest.raises(ValueError, match="state_size"):
        layers.RNN(NoState())
    with pytest.raises(ValueError, match="All cells must have a `state_size`"):
        layers.StackedRNNCells([layers.LSTMCell(2), NoState()])


def test_stacked_cells_equal_chained_layers():
    x = torch.tensor(_x())
    cells = [layers.LSTMCell(4), layers.GRUCell(3), layers.SimpleRNNCell(2)]
    stacked = layers.RNN(cells, return_sequences=True, return_state=True)
    outs = stacked(x)
    assert isinstance(stacked.cell, layers.StackedRNNCells)
    assert [len(s) if isinstance(s, list) else 1 for s in outs[1:]] == [2, 1, 1]
    chain = [layers.LSTM(4, return_sequences=True), layers.GRU(3, return_sequences=True),
             layers.SimpleRNN(2, return_sequences=True)]
    h = x
    weights = stacked.get_weights()
    for layer in chain:
        layer.build(tuple(h.shape))
        n = len(layer.weights)
        layer.set_weights(weights[:n])
        weights = weights[n:]
        h = layer(h)
    np.testing.assert_allclose(outs[0].detach().numpy(), h.detach().numpy(), atol=1e-5)
    assert stacked.compute_output_shape((None, 5, 4))[0] == (None, 5, 2)


def test_stacked_cells_with_masks_fused_equals_per_step():
    x = torch.tensor(_x())
    mask = torch.tensor([[1, 0, 1, 1, 0], [0, 0, 0, 0, 0], [1, 1, 1, 1, 1]], dtype=torch.bool)
    fast = layers.RNN([layers.LSTMCell(4), layers.LSTMCell(3)], return_sequences=True, return_state=True)
    slow = layers.RNN([layers.LSTMCell(4), layers.LSTMCell(3)], return_sequences=True, return_state=True,
                      unroll=True)
    fast.build(tuple(x.shape))
    slow.build(tuple(x.shape))
    slow.set_weights(fast.get_weights())
    for a, b in zip(keras.utils.tree.flatten(fast(x, mask=mask)), keras.utils.tree.flatten(slow(x, mask=mask))):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), atol=1e-5)


def test_stacked_cells_config_round_trip():
    stacked = layers.StackedRNNCells([layers.LSTMCell(3), layers.GRUCell(2)])
    config = stacked.get_config()
    assert [c["class_name"] for c in config["cells"]] == ["LSTMCell", "GRUCell"]
    clone = layers.StackedRNNCells.from_config(config)
    assert clone.state_size == [[3, 3], 2] and clone.output_size == 2
    rnn = layers.RNN([layers.LSTMCell(3), layers.GRUCell(2)])
    rebuilt = layers.RNN.from_config(rnn.get_config())
    assert isinstance(rebuilt.cell, layers.StackedRNNCells)


def test_initial_state_eager_symbolic_and_keras2_list_form():
    x = torch.tensor(_x())
    h0, c0 = torch.randn(3, 3), torch.randn(3, 3)
    layer = layers.LSTM(3, return_sequences=True)
    with_state = layer(x, initial_state=[h0, c0])
    assert not torch.allclose(with_state, layer(x))
    np.testing.assert_allclose(layer([x, h0, c0]).detach().numpy(), with_state.detach().numpy(), atol=1e-6)
    # encoder-decoder: the encoder's states start the decoder
    enc_in, dec_in = keras.Input((None, 4)), keras.Input((None, 2))
    _, h, c = layers.LSTM(3, return_state=True)(enc_in)
    decoded = layers.LSTM(3, return_sequences=True)(dec_in, initial_state=[h, c])
    model = keras.Model([enc_in, dec_in], decoded)
    assert model.output_shape == (None, None, 3)
    out = model.predict([_x(2, 6, 4), _x(2, 3, 2)], verbose=0)
    assert out.shape == (2, 3, 3)


def test_initial_state_gets_gradients():
    x = torch.tensor(_x())
    h0 = torch.zeros(3, 3, requires_grad=True)
    layers.GRU(3)(x, initial_state=h0).sum().backward()
    assert h0.grad is not None and float(h0.grad.abs().sum()) > 0


def test_stateful_carries_states_and_resets():
    x = torch.tensor(_x(2, 4, 3))
    layer = layers.LSTM(3, stateful=True, return_state=True)
    layer.build((2, 4, 3))
    assert [tuple(v.shape) for v in layer.states] == [(2, 3), (2, 3)]
    assert len(layer.weights) == 3  # the states are not weights
    first, h1, c1 = layer(x)
    np.testing.assert_allclose(layer.states[0].numpy(), h1.detach().numpy())
    second, _, _ = layer(x)
    assert not torch.allclose(first, second)
    fresh = layers.LSTM(3, return_state=True)
    fresh.build((2, 4, 3))
    fresh.set_weights(layer.get_weights())
    np.testing.assert_allclose(second.detach().numpy(), fresh(x, initial_state=[h1, c1])[0].detach().numpy(),
                               atol=1e-6)
    layer.reset_states()
    assert float(layer.states[0].abs().sum()) == 0
    np.testing.assert_allclose(layer(x)[0].detach().numpy(), first.detach().numpy(), atol=1e-6)
    layer.reset_state([np.ones((2, 3)), np.zeros((2, 3))])
    np.testing.assert_array_equal(layer.states[0].numpy(), np.ones((2, 3)))
    with pytest.raises(ValueError, match="Expected batch size: 2"):
        layer(torch.ones(3, 4, 3))


def test_stateful_batch_size_from_first_batch_and_training():
    model = keras.Sequential([keras.Input((4, 3)), layers.GRU(2, stateful=True), layers.Dense(1)])
    gru = model.layers[0]
    assert gru.states is None
    model.compile(optimizer="sgd", loss="mse")
    x, y = _x(8, 4, 3), np.ones((8, 1), "float32")
    model.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0)
    assert tuple(gru.states[0].shape) == (4, 2)
    before = gru.states[0].numpy().copy()
    model.predict(x[:4], batch_size=4, verbose=0)
    assert not np.allclose(before, gru.states[0].numpy())


def test_stateful_batch_input_shape():
    model = keras.Sequential([layers.SimpleRNN(3, stateful=True, batch_input_shape=(2, 5, 4))])
    layer = model.layers[0]
    assert tuple(layer.states[0].shape) == (2, 3)
    a = model.predict(_x(2), verbose=0)
    b = model.predict(_x(2), verbose=0)
    assert not np.allclose(a, b)
    layer.reset_states()
    np.testing.assert_allclose(model.predict(_x(2), verbose=0), a, atol=1e-6)


def test_get_initial_state():
    layer = layers.LSTM(3)
    layer.build((None, 2, 4))
    states = layer.get_initial_state(5)
    assert [tuple(s.shape) for s in states] == [(5, 3), (5, 3)] and all(float(s.abs().sum()) == 0 for s in states)
