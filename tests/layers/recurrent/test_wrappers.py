"""Bidirectional and TimeDistributed."""
import numpy as np
import pytest
import torch

import torchkeras as keras
from torchkeras import layers


def _x(batch=3, steps=5, features=4, seed=0):
    return np.random.default_rng(seed).standard_normal((batch, steps, features)).astype("float32")


GAP_MASK = torch.tensor([[1, 1, 0, 1, 0], [0, 1, 1, 1, 1], [1, 1, 1, 0, 0]], dtype=torch.bool)


def _directions(bi, x, mask=None):
    """The forward layer's output and the backward layer's, computed by hand."""
    fwd = bi.forward_layer(x, mask=mask)
    bwd = bi.backward_layer(x, mask=mask)
    if bi.return_state:
        fwd, bwd = fwd[0], bwd[0]
    if bi.return_sequences:
        bwd = torch.flip(bwd, dims=(1,))
    return fwd, bwd


@pytest.mark.parametrize("merge_mode", ["concat", "sum", "mul", "ave", None])
@pytest.mark.parametrize("return_sequences", [False, True])
@pytest.mark.parametrize("masked", [False, True])
def test_merge_modes(merge_mode, return_sequences, masked):
    x = torch.tensor(_x())
    mask = GAP_MASK if masked else None
    bi = layers.Bidirectional(layers.GRU(3, return_sequences=return_sequences), merge_mode=merge_mode)
    out = bi(x, mask=mask)
    fwd, bwd = _directions(bi, x, mask)
    expected = {"concat": lambda: torch.cat([fwd, bwd], -1), "sum": lambda: fwd + bwd, "mul": lambda: fwd * bwd,
                "ave": lambda: (fwd + bwd) / 2, None: lambda: (fwd, bwd)}[merge_mode]()
    for got, want in zip(keras.utils.tree.flatten(out), keras.utils.tree.flatten(expected)):
        np.testing.assert_allclose(got.detach().numpy(), want.detach().numpy(), atol=1e-6)
    assert bi.compute_output_shape((None, 5, 4)) == (
        ((None, 5, 3) if return_sequences else (None, 3),) * 2 if merge_mode is None else
        ((None, 5, 6) if return_sequences else (None, 6)) if merge_mode == "concat" else
        ((None, 5, 3) if return_sequences else (None, 3)))


def test_backward_layer_reads_the_sequence_backwards():
    x = torch.tensor(_x())
    bi = layers.Bidirectional(layers.LSTM(3, return_sequences=True))
    out = bi(x)
    bwd = layers.LSTM(3, return_sequences=True)
    bwd.build(tuple(x.shape))
    bwd.set_weights(bi.get_weights()[3:])
    reversed_run = torch.flip(bwd(torch.flip(x, dims=(1,))), dims=(1,))
    np.testing.assert_allclose(out[..., 3:].detach().numpy(), reversed_run.detach().numpy(), atol=1e-6)


def test_fused_bidirectional_matches_two_passes():
    x = torch.tensor(_x())
    for inner in (layers.LSTM(3, return_state=True), layers.GRU(3, return_sequences=True, return_state=True)):
        bi = layers.Bidirectional(inner)
        fused = bi(x)
        two_pass = bi._call_layers(x, None, None, False)
        expected = (torch.cat([two_pass[0], two_pass[1]], -1),) + tuple(two_pass[2])
        for a, b in zip(fused, expected):
            np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), atol=1e-6)


def test_return_state_structure_and_initial_state():
    x = torch.tensor(_x())
    bi = layers.Bidirectional(layers.LSTM(3, return_state=True))
    out, fh, fc, bh, bc = bi(x)
    assert tuple(out.shape) == (3, 6)
    np.testing.assert_allclose(out[:, :3].detach().numpy(), fh.detach().numpy())
    states = [torch.randn(3, 3) for _ in range(4)]
    with_states = bi(x, initial_state=states)
    fwd = layers.LSTM(3, return_state=True)
    fwd.build(tuple(x.shape))
    fwd.set_weights(bi.get_weights()[:3])
    np.testing.assert_allclose(with_states[0][:, :3].detach().numpy(),
                               fwd(x, initial_state=states[:2])[0].detach().numpy(), atol=1e-6)
    masks = bi.compute_mask(x, GAP_MASK)
    assert masks == [None, None, None, None, None]


def test_weights_order_names_and_config():
    bi = layers.Bidirectional(layers.LSTM(3, name="enc"))
    bi.build((None, 5, 4))
    assert [w.path for w in bi.weights] == [
        "bidirectional/forward_enc/lstm_cell/kernel", "bidirectional/forward_enc/lstm_cell/recurrent_kernel",
        "bidirectional/forward_enc/lstm_cell/bias", "bidirectional/backward_enc/lstm_cell/kernel",
        "bidirectional/backward_enc/lstm_cell/recurrent_kernel", "bidirectional/backward_enc/lstm_cell/bias"]
    config = bi.get_config()
    assert config["merge_mode"] == "concat"
    assert config["layer"]["config"]["name"] == "forward_enc"
    assert config["backward_layer"]["config"]["go_backwards"] is True
    clone = layers.Bidirectional.from_config(config)
    assert clone.forward_layer.name == "forward_enc" and clone.backward_layer.go_backwards
    clone.build((None, 5, 4))
    assert [tuple(w.shape) for w in clone.weights] == [tuple(w.shape) for w in bi.weights]


def test_custom_backward_layer_and_zero_output_for_mask():
    bi = layers.Bidirectional(layers.LSTM(3, return_sequences=True),
                              backward_layer=layers.GRU(2, return_sequences=True, go_backwards=True))
    out = bi(torch.tensor(_x()), mask=GAP_MASK)
    assert tuple(out.shape) == (3, 5, 5)
    assert bi.forward_layer.zero_output_for_mask and bi.backward_layer.zero_output_for_mask
    assert float(out[1, 0].detach().abs().sum()) == 0  # masked steps give zeros in both directions


def test_bidirectional_errors():
    with pytest.raises(ValueError, match="Invalid merge mode"):
        layers.Bidirectional(layers.LSTM(2), merge_mode="max")
    with pytest.raises(ValueError, match="keras.layers.Layer"):
        layers.Bidirectional("lstm")
    with pytest.raises(ValueError, match="different `go_backwards`"):
        layers.Bidirectional(layers.LSTM(2), backward_layer=layers.LSTM(2))
    with pytest.raises(ValueError, match="return_sequences"):
        layers.Bidirectional(layers.LSTM(2), backward_layer=layers.LSTM(2, go_backwards=True,
                                                                        return_sequences=True))


def test_bidirectional_in_a_masked_model_propagates_masks():
    inp = keras.Input((6,), dtype="int32")
    h = layers.Embedding(10, 4, mask_zero=True)(inp)
    h = layers.Bidirectional(layers.LSTM(3, return_sequences=True))(h)
    assert h._keras_mask is not None and h.shape == (None, 6, 6)
    out = layers.Bidirectional(layers.GRU(2))(h)
    model = keras.Model(inp, out)
    x = np.array([[1, 2, 3, 0, 0, 0], [4, 5, 0, 0, 0, 0]])
    pred = model.predict(x, verbose=0)
    # padding beyond the data does not change the result
    pred_short = keras.Model(inp, out).predict(np.array([[1, 2, 3, 0, 0, 0], [4, 5, 0, 0, 0, 0]]), verbose=0)
    np.testing.assert_allclose(pred, pred_short)
    x_more_padding = np.array([[1, 2, 3, 0, 0, 0], [4, 5, 0, 0, 0, 0]])
    x_more_padding[1, 3] = 0
    np.testing.assert_allclose(model.predict(x_more_padding, verbose=0), pred)


def test_bidirectional_stateful_reset():
    bi = layers.Bidirectional(layers.LSTM(2, stateful=True))
    x = torch.tensor(_x(2, 3, 4))
    first = bi(x)
    assert len(bi.states) == 4
    assert not torch.allclose(first, bi(x))
    bi.reset_states()
    np.testing.assert_allclose(bi(x).detach().numpy(), first.detach().numpy(), atol=1e-6)
    with pytest.raises(AttributeError, match="Layer must be stateful"):
        layers.Bidirectional(layers.LSTM(2)).reset_states()


def test_keras2_weights_argument():
    template = layers.Bidirectional(layers.SimpleRNN(2))
    template.build((None, 3, 4))
    weights = [np.full(w.shape, i, "float32") for i, w in enumerate(template.get_weights())]
    bi = layers.Bidirectional(layers.SimpleRNN(2), weights=weights)
    bi.build((None, 3, 4))
    for got, want in zip(bi.get_weights(), weights):
        np.testing.assert_array_equal(got, want)


# --- TimeDistributed ---------------------------------------------------------------------------------------

def test_time_distributed_dense_equals_dense_per_step():
    x = torch.tensor(_x(2, 4, 5))
    td = layers.TimeDistributed(layers.Dense(3, activation="relu"))
    out = td(x)
    dense = td.layer
    for t in range(4):
        # one matmul over (2 * 4) rows against one over 2 rows: other kernels, same numbers up to rounding
        np.testing.assert_allclose(out[:, t].detach().numpy(), dense(x[:, t]).detach().numpy(), rtol=1e-5,
                                   atol=1e-6)
    assert td.compute_output_shape((None, 4, 5)) == (None, 4, 3)
    assert [w.path for w in td.weights] == ["time_distributed/dense/kernel", "time_distributed/dense/bias"]


def test_time_distributed_nested_rnn_with_mask_and_shapes():
    inp = keras.Input((3, 5, 4))
    out = layers.TimeDistributed(layers.LSTM(2))(inp)
    assert out.shape == (None, 3, 2)
    model = keras.Model(inp, out)
    x = np.random.default_rng(0).standard_normal((2, 3, 5, 4)).astype("float32")
    assert model.predict(x, verbose=0).shape == (2, 3, 2)


def test_time_distributed_passes_the_mask_through():
    td = layers.TimeDistributed(layers.Dense(2))
    assert td.compute_mask(None, GAP_MASK) is GAP_MASK
    inp = keras.Input((5,), dtype="int32")
    h = layers.Embedding(10, 3, mask_zero=True)(inp)
    h = layers.TimeDistributed(layers.Dense(2))(h)
    assert h._keras_mask is not None


def test_time_distributed_batch_statistics_per_step():
    class BatchMean(layers.Layer):
        """Subtracts the batch mean in training and keeps a non-trainable counter (like BatchNormalization)."""

        def build(self, input_shape):
            self.calls = self.add_weight(shape=(), initializer="zeros", trainable=False, name="calls")

        def call(self, inputs, training=None):
            if training:
                self.calls.assign_add(1.0)
                return inputs - inputs.mean(dim=0, keepdim=True)
            return inputs

    td = layers.TimeDistributed(BatchMean())
    x = torch.tensor(_x(4, 3, 2))
    out = td(x, training=True)
    assert float(td.layer.calls) == 3.0  # one call per timestep, as Keras does
    np.testing.assert_allclose(out.mean(dim=0).detach().numpy(), np.zeros((3, 2)), atol=1e-6)


def test_time_distributed_errors_and_config():
    with pytest.raises(ValueError, match="keras.layers.Layer"):
        layers.TimeDistributed("dense")
    with pytest.raises(ValueError, match="at least 3 dimensions"):
        layers.TimeDistributed(layers.Dense(2)).build((None, 4))
    td = layers.TimeDistributed(layers.Dense(2))
    with pytest.raises(ValueError, match="incompatible with the input shape"):
        td(torch.ones(2, 3, 4), mask=torch.ones(2, 5, dtype=torch.bool))
    config = td.get_config()
    assert config["layer"]["class_name"] == "Dense"
    clone = layers.TimeDistributed.from_config(config)
    assert isinstance(clone.layer, layers.Dense) and clone.layer.units == 2


def test_wrapper_base_class():
    with pytest.raises(ValueError, match="supplied to Wrapper"):
        layers.Wrapper(3)
    wrapper = layers.Wrapper(layers.Dense(2))
    wrapper.build((None, 3))
    assert len(wrapper.weights) == 2
