"""CuDNNLSTM / CuDNNGRU: LSTM/GRU math, Keras 2's constructor and config, and Keras 2's cuDNN weight layout
(loaded from legacy `.h5` files into LSTM/GRU as Keras 2's loader did), against a NumPy model of cuDNN."""
import warnings

import h5py
import numpy as np
import pytest

import torchkeras
from torchkeras import layers
from torchkeras.layers.recurrent.cudnn import from_cudnn_weights, to_cudnn_weights

RNG = np.random.default_rng(11)
UNITS, IN, T = 3, 4, 5


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        yield


def sigmoid(v):
    return 1 / (1 + np.exp(-v))


def cudnn_weights(n_gates):
    """Arrays as a Keras 2 CuDNN layer stores them: kernel, recurrent kernel, and both cuDNN bias halves."""
    return [RNG.standard_normal((IN, n_gates * UNITS)).astype("float32") * 0.5,
            RNG.standard_normal((UNITS, n_gates * UNITS)).astype("float32") * 0.5,
            RNG.standard_normal((2 * n_gates * UNITS,)).astype("float32") * 0.5]


def _canonical(weights, n_gates, gate):
    """cuDNN's view of gate `gate`: each stored block's row-major memory is the canonical (out, in) matrix."""
    kernel, recurrent, bias = weights
    block = slice(gate * UNITS, (gate + 1) * UNITS)
    w = np.ascontiguousarray(kernel[:, block]).reshape(UNITS, IN)
    r = np.ascontiguousarray(recurrent[:, block]).reshape(UNITS, UNITS)
    return w, r, bias[block], bias[n_gates * UNITS:][block]


def cudnn_lstm(x, weights):
    h = np.zeros((x.shape[0], UNITS))
    c = np.zeros_like(h)
    gates = [_canonical(weights, 4, g) for g in range(4)]  # i, f, c, o
    outs = []
    for t in range(x.shape[1]):
        z = [x[:, t] @ w.T + h @ r.T + bw + br for w, r, bw, br in gates]
        c = sigmoid(z[1]) * c + sigmoid(z[0]) * np.tanh(z[2])
        h = sigmoid(z[3]) * np.tanh(c)
        outs.append(h)
    return np.stack(outs, 1)


def cudnn_gru(x, weights):
    h = np.zeros((x.shape[0], UNITS))
    (wz, rz, bwz, brz), (wr, rr, bwr, brr), (wh, rh, bwh, brh) = [_canonical(weights, 3, g) for g in range(3)]
    outs = []
    for t in range(x.shape[1]):
        xt = x[:, t]
        r = sigmoid(xt @ wr.T + bwr + h @ rr.T + brr)
        z = sigmoid(xt @ wz.T + bwz + h @ rz.T + brz)
        candidate = np.tanh(xt @ wh.T + bwh + r * (h @ rh.T + brh))
        h = (1 - z) * candidate + z * h
        outs.append(h)
    return np.stack(outs, 1)


X = RNG.standard_normal((2, T, IN)).astype("float32")


@pytest.mark.parametrize("cls, n_gates, reference", [(layers.CuDNNLSTM, 4, cudnn_lstm),
                                                      (layers.CuDNNGRU, 3, cudnn_gru)])
def test_cudnn_layers_compute_cudnn_math_from_keras2_weights(cls, n_gates, reference):
    layer = cls(UNITS, return_sequences=True)
    layer(X)
    weights = cudnn_weights(n_gates)
    layer.set_weights(weights)  # Keras 2 CuDNN layout accepted and converted
    np.testing.assert_allclose(layer(X).detach().cpu().numpy(), reference(X, weights), rtol=1e-5, atol=1e-5)
    keras_layout = layer.get_weights()
    assert keras_layout[2].shape == ((4 * UNITS,) if n_gates == 4 else (2, 3 * UNITS))
    for a, b in zip(from_cudnn_weights(to_cudnn_weights(keras_layout, n_gates), n_gates), keras_layout):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


def test_cudnn_lstm_is_an_lstm_with_keras2_config():
    layer = layers.CuDNNLSTM(UNITS, return_state=True, unit_forget_bias=True, stateful=False)
    assert isinstance(layer, layers.LSTM)
    out, h, c = layer(X)
    assert out.shape == (2, UNITS) and h.shape == (2, UNITS) and c.shape == (2, UNITS)
    np.testing.assert_array_equal(layer.get_weights()[2][UNITS:2 * UNITS], np.ones(UNITS))  # forget bias 1
    config = layer.get_config()
    assert "activation" not in config and "dropout" not in config and config["unit_forget_bias"] is True
    clone = layers.CuDNNLSTM.from_config(config)
    assert clone.units == UNITS and clone.return_state
    gru = layers.CuDNNGRU.from_config({**layers.CuDNNGRU(2).get_config(), "reset_after": True})
    assert isinstance(gru, layers.GRU) and gru.reset_after


def _rewrite_as_cudnn(path, layer_name, n_gates):
    """Turn the LSTM/GRU group of a legacy `.h5` into what Keras 2 wrote for a CuDNN layer."""
    with h5py.File(path, "r+") as f:
        group = f[layer_name]
        names = [n.decode() if isinstance(n, bytes) else n for n in group.attrs["weight_names"]]
        arrays = [group[n][()] for n in names]
        converted = to_cudnn_weights(arrays, n_gates)
        for name, array in zip(names, converted):
            del group[name]
            group[name] = array
        return converted


@pytest.mark.parametrize("rnn, cudnn, n_gates", [(layers.LSTM, layers.CuDNNLSTM, 4), (layers.GRU, layers.CuDNNGRU, 3)])
def test_legacy_h5_with_cudnn_weights_loads_into_plain_and_cudnn_layers(tmp_path, rnn, cudnn, n_gates):
    def build(cls):
        inputs = torchkeras.Input((T, IN))
        core = cls(UNITS, return_sequences=True, name="rnn")
        out = layers.Dense(2, name="head")(core(inputs))
        return torchkeras.Model(inputs, out)

    source = build(rnn)
    expected = source.predict(X, verbose=0)
    path = str(tmp_path / "w.h5")
    source.save_weights(path)
    cudnn_arrays = _rewrite_as_cudnn(path, "rnn", n_gates)
    assert cudnn_arrays[2].shape == (2 * n_gates * UNITS,)
    for cls in (rnn, cudnn):
        target = build(cls)
        target.load_weights(path)
        np.testing.assert_allclose(target.predict(X, verbose=0), expected, rtol=1e-5, atol=1e-5)
    by_name = build(rnn)
    by_name.load_weights(path, by_name=True)
    np.testing.assert_allclose(by_name.predict(X, verbose=0), expected, rtol=1e-5, atol=1e-5)


def test_bidirectional_cudnn_weights_and_incompatible_gru(tmp_path):
    inputs = torchkeras.Input((T, IN))
    model = torchkeras.Model(inputs, layers.Bidirectional(layers.LSTM(UNITS), name="bi")(inputs))
    expected = model.predict(X, verbose=0)
    path = str(tmp_path / "bi.h5")
    model.save_weights(path)
    with h5py.File(path, "r+") as f:
        group = f["bi"]
        names = [n.decode() if isinstance(n, bytes) else n for n in group.attrs["weight_names"]]
        arrays = [group[n][()] for n in names]
        converted = to_cudnn_weights(arrays[:3], 4) + to_cudnn_weights(arrays[3:], 4)
        for name, array in zip(names, converted):
            del group[name]
            group[name] = array
    target = torchkeras.Model(inputs, layers.Bidirectional(layers.CuDNNLSTM(UNITS), name="bi")(inputs))
    target.load_weights(path)
    np.testing.assert_allclose(target.predict(X, verbose=0), expected, rtol=1e-5, atol=1e-5)
    gru = layers.GRU(UNITS, reset_after=False)
    gru(X)
    from torchkeras.layers.recurrent.cudnn import convert_legacy_rnn_weights

    with pytest.raises(ValueError, match="reset_after=False"):
        convert_legacy_rnn_weights(gru, cudnn_weights(3))


def test_full_model_h5_round_trip_keeps_the_cudnn_class(tmp_path):
    model = torchkeras.Sequential([torchkeras.Input((T, IN)), layers.CuDNNGRU(UNITS), layers.Dense(1)])
    path = str(tmp_path / "m.h5")
    model.save(path)
    restored = torchkeras.models.load_model(path)
    assert type(restored.layers[0]) is layers.CuDNNGRU
    np.testing.assert_allclose(restored.predict(X, verbose=0), model.predict(X, verbose=0), rtol=1e-6)
