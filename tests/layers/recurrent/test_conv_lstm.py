"""ConvLSTM1D/2D/3D: the convolutional LSTM equations, shapes, masks, config and errors."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F

import torchkeras as keras
from torchkeras import layers


def _x(shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype("float32")


def _reference_conv_lstm2d(layer, x, padding):
    """The ConvLSTM2D equations written with F.conv2d on channels-first tensors (stride 1)."""
    cell = layer.cell
    w = cell.kernel.detach().permute(3, 2, 0, 1)
    r = cell.recurrent_kernel.detach().permute(3, 2, 0, 1)
    b = cell.bias.detach()
    xs = torch.tensor(x).permute(0, 1, 4, 2, 3)
    batch, steps = xs.shape[:2]
    kh, kw = cell.kernel_size
    pad = (kh // 2, kw // 2) if padding == "same" else 0
    out_hw = xs.shape[3:] if padding == "same" else (xs.shape[3] - kh + 1, xs.shape[4] - kw + 1)
    h = torch.zeros(batch, cell.filters, *out_hw)
    c = torch.zeros_like(h)
    outputs = []
    for t in range(steps):
        z = F.conv2d(xs[:, t], w, b, padding=pad) + F.conv2d(h, r, padding=(kh // 2, kw // 2))
        i, f, g, o = z.chunk(4, dim=1)
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        h = torch.sigmoid(o) * torch.tanh(c)
        outputs.append(h.permute(0, 2, 3, 1))
    return torch.stack(outputs, dim=1)


@pytest.mark.parametrize("padding", ["valid", "same"])
def test_conv_lstm2d_matches_reference(padding):
    x = _x((2, 3, 6, 5, 2))
    layer = layers.ConvLSTM2D(4, 3, padding=padding, return_sequences=True)
    out = layer(torch.tensor(x))
    expected = _reference_conv_lstm2d(layer, x, padding)
    np.testing.assert_allclose(out.detach().numpy(), expected.numpy(), atol=1e-5)


@pytest.mark.parametrize("kwargs, in_shape, out_shape", [
    ({"filters": 4, "kernel_size": 3}, (2, 3, 6, 6, 2), (2, 4, 4, 4)),
    ({"filters": 4, "kernel_size": 3, "padding": "same", "strides": 2}, (2, 3, 7, 7, 2), (2, 4, 4, 4)),
    ({"filters": 2, "kernel_size": 2, "dilation_rate": 2, "return_sequences": True}, (2, 3, 6, 6, 1),
     (2, 3, 4, 4, 2)),
    ({"filters": 3, "kernel_size": 3, "data_format": "channels_first"}, (2, 3, 2, 6, 6), (2, 3, 4, 4)),
])
def test_conv_lstm2d_shapes(kwargs, in_shape, out_shape):
    layer = layers.ConvLSTM2D(**kwargs)
    out = layer(torch.tensor(_x(in_shape)))
    assert tuple(out.shape) == out_shape
    assert layer.compute_output_shape((None,) + in_shape[1:]) == (None,) + out_shape[1:]


def test_conv_lstm_1d_and_3d_with_states():
    out, h, c = layers.ConvLSTM1D(3, 2, return_state=True)(torch.tensor(_x((2, 4, 7, 2))))
    assert tuple(out.shape) == (2, 6, 3) and torch.equal(out, h) and tuple(c.shape) == (2, 6, 3)
    layer = layers.ConvLSTM3D(2, 2, padding="same", return_sequences=True)
    assert tuple(layer(torch.tensor(_x((1, 2, 3, 3, 3, 1)))).shape) == (1, 2, 3, 3, 3, 2)
    assert [tuple(w.shape) for w in layer.weights] == [(2, 2, 2, 1, 8), (2, 2, 2, 2, 8), (8,)]


def test_conv_lstm_masks_keep_states():
    x = torch.tensor(_x((2, 4, 5, 2)))
    layer = layers.ConvLSTM1D(2, 3, return_sequences=True, return_state=True)
    mask = torch.tensor([[1, 1, 0, 0], [1, 0, 1, 0]], dtype=torch.bool)
    seq, h, c = layer(x, mask=mask)
    np.testing.assert_allclose(seq[0, 2].detach().numpy(), seq[0, 1].detach().numpy())
    np.testing.assert_allclose(h[0].detach().numpy(), seq[0, 1].detach().numpy())
    short, _, _ = layer(x[:1, :2])
    # batch 1 against batch 2: other convolution kernels
    np.testing.assert_allclose(short[0, -1].detach().numpy(), h[0].detach().numpy(), atol=1e-5)


def test_conv_lstm_symbolic_model_and_training():
    inp = keras.Input((3, 6, 6, 1))
    h = layers.ConvLSTM2D(2, 3, padding="same", return_sequences=True)(inp)
    out = layers.ConvLSTM2D(1, 3, padding="same")(h)
    model = keras.Model(inp, out)
    assert model.output_shape == (None, 6, 6, 1)
    model.compile(optimizer="adam", loss="mse")
    x = _x((4, 3, 6, 6, 1))
    history = model.fit(x, np.zeros((4, 6, 6, 1), "float32"), epochs=2, batch_size=2, verbose=0)
    assert history.history["loss"][1] < history.history["loss"][0]


def test_conv_lstm_dropout_training_only():
    layer = layers.ConvLSTM2D(2, 3, dropout=0.5, recurrent_dropout=0.5, seed=1)
    x = torch.tensor(_x((2, 3, 5, 5, 2)))
    np.testing.assert_allclose(layer(x).detach().numpy(), layer(x, training=False).detach().numpy())
    assert not torch.allclose(layer(x), layer(x, training=True))


def test_conv_lstm_config_and_errors():
    layer = layers.ConvLSTM2D(3, (2, 3), strides=1, padding="same", dropout=0.1, seed=4)
    config = layer.get_config()
    assert config["kernel_size"] == (2, 3) and config["padding"] == "same" and config["seed"] == 4
    assert "cell" not in config and config["data_format"] == "channels_last"
    assert layers.ConvLSTM2D.from_config(config).get_config() == config
    with pytest.raises(ValueError, match="`strides > 1` is not compatible with `dilation_rate > 1`"):
        layers.ConvLSTM2D(2, 3, strides=2, dilation_rate=2)
    with pytest.raises(ValueError, match="kernel_size"):
        layers.ConvLSTM2D(2, (1, 2, 3))
    with pytest.raises(ValueError, match="padding"):
        layers.ConvLSTM2D(2, 3, padding="full")
    with pytest.raises(ValueError, match="static input shapes"):
        layers.ConvLSTM2D(2, 3)(keras.Input((3, None, 5, 1)))
