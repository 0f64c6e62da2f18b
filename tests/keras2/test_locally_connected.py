"""LocallyConnected1D/2D: Keras 2's weight layouts (implementations 1, 2, 3) checked against NumPy loops of
Keras 2's math; configs and files round-trip."""
import itertools

import numpy as np
import pytest
import torch

import torchkeras
from torchkeras import layers

RNG = np.random.default_rng(7)


def _windows(size, kernel, stride, padding):
    """Per output position, the input positions under the window (tf.keras `conv_connected_inputs`)."""
    out = (size + stride - 1) // stride if padding == "same" else (size - kernel + stride) // stride
    result = []
    for p in range(out):
        if padding == "valid":
            result.append(range(p * stride, p * stride + kernel))
        else:
            center = p * stride
            result.append(range(max(0, center - kernel // 2), min(size, center + kernel - kernel // 2)))
    return result


def reference_impl1_2d(x, kernel, bias, ks, st, fmt):
    """Keras 2 `K.local_conv2d` + `bias_add`: per output position, the window flattened in the input layout."""
    if fmt == "channels_first":
        x = x.transpose(0, 2, 3, 1)
    b, h, w, c = x.shape
    rows, cols = _windows(h, ks[0], st[0], "valid"), _windows(w, ks[1], st[1], "valid")
    out = np.zeros((b, len(rows), len(cols), kernel.shape[-1]))
    for i, r in enumerate(rows):
        for j, q in enumerate(cols):
            patch = x[:, r.start:r.stop, q.start:q.stop, :]
            if fmt == "channels_first":
                patch = patch.transpose(0, 3, 1, 2)
            out[:, i, j] = patch.reshape(b, -1) @ kernel[i * len(cols) + j]
    if fmt == "channels_first":
        out = out.transpose(0, 3, 1, 2) + bias.reshape((bias.shape[-1],) + bias.shape[:-1])[None]
    else:
        out = out + bias[None]
    return out


@pytest.mark.parametrize("fmt", ["channels_last", "channels_first"])
def test_implementation_1_matches_keras2_local_conv2d(fmt):
    shape = (2, 7, 6, 3) if fmt == "channels_last" else (2, 3, 7, 6)
    x = RNG.standard_normal(shape).astype("float32")
    layer = layers.LocallyConnected2D(4, (3, 2), strides=(2, 1), data_format=fmt, activation="relu")
    out = layer(x).detach().cpu().numpy()
    kernel, bias = layer.get_weights()
    assert kernel.shape == (3 * 5, 3 * 2 * 3, 4) and bias.shape == (3, 5, 4)
    bias = RNG.standard_normal(bias.shape).astype("float32")
    layer.set_weights([kernel, bias])
    out = layer(x).detach().cpu().numpy()
    np.testing.assert_allclose(out, np.maximum(reference_impl1_2d(x, kernel, bias, (3, 2), (2, 1), fmt), 0),
                               rtol=1e-5, atol=1e-5)


def test_implementation_1_1d_matches_keras2_local_conv1d():
    x = RNG.standard_normal((3, 9, 2)).astype("float32")
    layer = layers.LocallyConnected1D(5, 3, strides=2)
    out = layer(x).detach().cpu().numpy()
    kernel, bias = layer.get_weights()
    assert kernel.shape == (4, 6, 5) and bias.shape == (4, 5)
    expected = np.stack([x[:, 2 * i:2 * i + 3, :].reshape(3, -1) @ kernel[i] for i in range(4)], 1) + bias
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-5)


def _dense_reference(x, layer, padding, fmt):
    """Implementations 2 and 3 as loops over connected (input, output) pairs."""
    if fmt == "channels_first":
        spatial, channels = x.shape[2:], x.shape[1]
    else:
        spatial, channels = x.shape[1:-1], x.shape[-1]
    windows = [_windows(n, k, s, padding) for n, k, s in zip(spatial, layer.kernel_size, layer.strides)]
    out_spatial = tuple(len(w) for w in windows)
    filters = layer.filters
    in_shape = ((channels,) + tuple(spatial)) if fmt == "channels_first" else (tuple(spatial) + (channels,))
    out_shape = ((filters,) + out_spatial) if fmt == "channels_first" else (out_spatial + (filters,))
    pairs = []
    for out_pos in itertools.product(*(range(n) for n in out_spatial)):
        for in_pos in itertools.product(*(windows[d][out_pos[d]] for d in range(len(spatial)))):
            for ci in range(channels):
                for f in range(filters):
                    i_idx = (ci,) + in_pos if fmt == "channels_first" else in_pos + (ci,)
                    o_idx = (f,) + out_pos if fmt == "channels_first" else out_pos + (f,)
                    pairs.append((np.ravel_multi_index(i_idx, in_shape), np.ravel_multi_index(o_idx, out_shape)))
    return pairs, in_shape, out_shape


@pytest.mark.parametrize("fmt", ["channels_last", "channels_first"])
@pytest.mark.parametrize("padding", ["valid", "same"])
def test_implementations_2_and_3_match_the_dense_connectivity(fmt, padding):
    shape = (2, 5, 4, 2) if fmt == "channels_last" else (2, 2, 5, 4)
    x = RNG.standard_normal(shape).astype("float32")
    pairs, in_shape, out_shape = _dense_reference(x, layers.LocallyConnected2D(3, (3, 2), strides=(2, 1)), padding,
                                                  fmt)
    flat = x.reshape(2, -1)
    for implementation in (2, 3):
        layer = layers.LocallyConnected2D(3, (3, 2), strides=(2, 1), padding=padding, data_format=fmt,
                                          implementation=implementation, use_bias=False)
        out = layer(x).detach().cpu().numpy()
        kernel = layer.get_weights()[0]
        dense = np.zeros((int(np.prod(in_shape)), int(np.prod(out_shape))))
        if implementation == 2:
            assert kernel.shape == (in_shape + out_shape if fmt == "channels_last" else in_shape + out_shape)
            full = kernel.reshape(dense.shape)
            for i, o in pairs:
                dense[i, o] = full[i, o]
        else:
            order = sorted((o, i) for i, o in pairs)  # tf.keras stores the values in sorted (output, input) order
            assert kernel.shape == (len(order),)
            for value, (o, i) in zip(kernel, order):
                dense[i, o] = value
        expected = (flat @ dense).reshape((2,) + out_shape)
        np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-6)


def test_the_three_implementations_compute_the_same_function():
    x = RNG.standard_normal((2, 6, 5, 2)).astype("float32")
    ones = [layers.LocallyConnected2D(2, 3, implementation=i, kernel_initializer="ones", bias_initializer="ones")
            for i in (1, 2, 3)]
    outs = [layer(x).detach().cpu().numpy() for layer in ones]
    # Three code paths (conv, dense, sparse): equal up to float32 rounding of sums of magnitude ~10.
    np.testing.assert_allclose(outs[0], outs[1], rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(outs[0], outs[2], rtol=1e-5, atol=1e-5)
    with pytest.raises(ValueError, match="only \"valid\" is supported if implementation is 1"):
        layers.LocallyConnected2D(2, 3, padding="same")
    with pytest.raises(ValueError, match="Unrecognized implementation mode"):
        layers.LocallyConnected1D(2, 3, implementation=4)


@pytest.mark.parametrize("implementation", [1, 2, 3])
def test_training_config_and_h5_round_trip(tmp_path, implementation):
    model = torchkeras.Sequential([
        torchkeras.Input((6, 6, 2)),
        layers.LocallyConnected2D(3, 3, implementation=implementation, activation="relu"),
        layers.Flatten(), layers.Dense(1),
    ])
    model.compile("adam", "mse")
    x = RNG.standard_normal((8, 6, 6, 2)).astype("float32")
    before = [w.copy() for w in model.get_weights()]
    model.fit(x, RNG.standard_normal((8, 1)), epochs=1, verbose=0)
    assert not np.allclose(before[0], model.get_weights()[0])
    config = model.layers[0].get_config()
    assert config["implementation"] == implementation and config["kernel_size"] == (3, 3)
    for name in ("m.h5", "m.keras"):
        path = str(tmp_path / name)
        model.save(path)
        restored = torchkeras.models.load_model(path)
        np.testing.assert_allclose(restored.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6)


def test_gradients_reach_the_unshared_kernel():
    layer = layers.LocallyConnected1D(2, 2, implementation=3)
    layer.build((None, 5, 2))
    x = torch.randn(3, 5, 2, device=layer.kernel.device)
    layer(x).sum().backward()
    assert layer.kernel.grad is not None and layer.kernel.grad.abs().sum() > 0
