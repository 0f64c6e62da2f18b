"""keras.ops.nn against NumPy references: activations, conv/pool, encodings, losses, norms, attention."""
import math

import numpy as np
import pytest
import torch

import torchkeras
from torchkeras import ops

RNG = np.random.default_rng(1)
X = RNG.standard_normal((2, 3, 5)).astype("float32")


def check(got, expected, rtol=1e-5, atol=1e-5):
    got = ops.convert_to_numpy(got)
    expected = np.asarray(expected)
    assert got.shape == expected.shape, (got.shape, expected.shape)
    np.testing.assert_allclose(got, expected, rtol=rtol, atol=atol)


def np_sigmoid(x):
    return 1 / (1 + np.exp(-x))


def np_softmax(x, axis=-1):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def np_erf(x):
    return np.vectorize(math.erf)(x)


def test_activations_vs_formulas():
    relu6 = np.clip(X, 0, 6)
    cases = {
        "relu": np.maximum(X, 0), "relu6": relu6, "sigmoid": np_sigmoid(X),
        "sparse_sigmoid": np.clip(0.5 * (X + 1), 0, 1), "softplus": np.log1p(np.exp(X)),
        "softsign": X / (np.abs(X) + 1), "soft_shrink": np.where(X > 0.5, X - 0.5, np.where(X < -0.5, X + 0.5, 0)),
        "sparse_plus": np.where(X <= -1, 0, np.where(X < 1, (X + 1) ** 2 / 4, X)), "silu": X * np_sigmoid(X),
        "swish": X * np_sigmoid(X), "squareplus": (X + np.sqrt(X ** 2 + 4)) / 2, "log_sigmoid": np.log(np_sigmoid(X)),
        "leaky_relu": np.where(X >= 0, X, 0.2 * X), "hard_sigmoid": np.clip(X + 3, 0, 6) / 6,
        "hard_silu": X * np.clip(X + 3, 0, 6) / 6, "hard_swish": X * np.clip(X + 3, 0, 6) / 6,
        "elu": np.where(X > 0, X, np.exp(X) - 1),
        "selu": 1.0507009873554805 * np.where(X > 0, X, 1.6732632423543772 * (np.exp(X) - 1)),
        "gelu": 0.5 * X * (1 + np.tanh(np.sqrt(2 / np.pi) * (X + 0.044715 * X ** 3))),
        "celu": np.maximum(X, 0) + np.minimum(np.exp(X) - 1, 0), "tanh_shrink": X - np.tanh(X),
        "hard_tanh": np.clip(X, -1, 1), "hard_shrink": np.where(np.abs(X) > 0.5, X, 0),
        "softmax": np_softmax(X), "log_softmax": np.log(np_softmax(X)),
    }
    for name, expected in cases.items():
        check(getattr(ops, name)(X), expected)
    check(ops.gelu(X, approximate=False), 0.5 * X * (1 + np_erf(X / np.sqrt(2))))
    check(ops.glu(X[..., :4]), X[..., :2] * np_sigmoid(X[..., 2:4]))
    check(ops.threshold(X, 0.2, -7.0), np.where(X > 0.2, X, -7.0))
    check(ops.softmax(X, axis=(1, 2)), np_softmax(X.reshape(2, -1)).reshape(X.shape))
    check(ops.softmax(X, axis=None), np_softmax(X.reshape(-1)).reshape(X.shape))
    out = ops.convert_to_numpy(ops.sparsemax(X))
    np.testing.assert_allclose(out.sum(-1), 1.0, rtol=1e-5)
    assert (out >= 0).all()
    with pytest.warns(UserWarning, match="size 1"):
        ops.softmax(X[..., :1])
    with pytest.raises(ValueError, match="divisible by 2"):
        ops.glu(X)


def conv2d_reference(x, k, stride, pads, dilation=(1, 1)):
    """Direct NHWC convolution with explicit (top, bottom), (left, right) zero padding."""
    x = np.pad(x, ((0, 0), pads[0], pads[1], (0, 0)))
    kh, kw, cin, cout = k.shape
    eff_h, eff_w = (kh - 1) * dilation[0] + 1, (kw - 1) * dilation[1] + 1
    out_h = (x.shape[1] - eff_h) // stride[0] + 1
    out_w = (x.shape[2] - eff_w) // stride[1] + 1
    out = np.zeros((x.shape[0], out_h, out_w, cout), "float64")
    for i in range(out_h):
        for j in range(out_w):
            patch = x[:, i * stride[0]: i * stride[0] + eff_h: dilation[0], j * stride[1]: j * stride[1] + eff_w:
                      dilation[1], :]
            out[:, i, j, :] = np.einsum("bhwc,hwco->bo", patch, k)
    return out


def test_conv_vs_reference_with_keras_same_padding():
    x = RNG.standard_normal((2, 7, 6, 3)).astype("float32")
    k = RNG.standard_normal((3, 2, 3, 4)).astype("float32")
    check(ops.conv(x, k), conv2d_reference(x, k, (1, 1), ((0, 0), (0, 0))), atol=1e-4)
    # 'same' with stride 2 on 7 rows, kernel 3: total pad 2 -> (1, 1); 6 cols, kernel 2: total 0.
    check(ops.conv(x, k, strides=2, padding="same"), conv2d_reference(x, k, (2, 2), ((1, 1), (0, 0))), atol=1e-4)
    # stride 1, kernel width 2: total pad 1 -> extra pixel at the end (TF rule).
    check(ops.conv(x, k, padding="same"), conv2d_reference(x, k, (1, 1), ((1, 1), (0, 1))), atol=1e-4)
    check(ops.conv(x, k, padding="same", dilation_rate=2),
          conv2d_reference(x, k, (1, 1), ((2, 2), (1, 1)), dilation=(2, 2)), atol=1e-4)
    xc = np.transpose(x, (0, 3, 1, 2))
    check(ops.conv(xc, k, data_format="channels_first"),
          np.transpose(conv2d_reference(x, k, (1, 1), ((0, 0), (0, 0))), (0, 3, 1, 2)), atol=1e-4)
    dk = RNG.standard_normal((3, 3, 3, 2)).astype("float32")
    expected = np.concatenate(
        [conv2d_reference(x[..., c:c + 1], dk[:, :, c:c + 1, :], (1, 1), ((0, 0), (0, 0))) for c in range(3)], -1)
    check(ops.depthwise_conv(x, dk), expected, atol=1e-4)
    with pytest.raises(ValueError, match="padding"):
        ops.conv(x, k, padding="causal")
    with pytest.raises(ValueError, match="ndim=3, 4 or 5"):
        ops.conv(x[0, 0], k)


def test_conv_transpose_is_adjoint_of_conv():
    """<conv_transpose(y), x> == <y, conv(x)> for the same kernel (Keras layout (h, w, out, in))."""
    x = RNG.standard_normal((1, 8, 8, 2)).astype("float32")
    k = RNG.standard_normal((3, 3, 2, 4)).astype("float32")
    for strides, padding, output_padding in ((1, "valid", None), (2, "same", None), (2, "valid", 1)):
        y = ops.convert_to_numpy(ops.conv(x, k, strides=strides, padding=padding))
        g = RNG.standard_normal(y.shape).astype("float32")
        back = ops.convert_to_numpy(ops.conv_transpose(g, k, strides=strides, padding=padding,
                                                       output_padding=output_padding))
        assert back.shape == x.shape, (strides, padding, back.shape)
        np.testing.assert_allclose((back * x).sum(), (g * y).sum(), rtol=1e-4)


def test_pooling_vs_numpy():
    x = RNG.standard_normal((2, 6, 5, 3)).astype("float32")
    blocks = x[:, :6, :4].reshape(2, 3, 2, 2, 2, 3)
    check(ops.max_pool(x, 2), blocks.max(axis=(2, 4)))
    check(ops.average_pool(x, 2), blocks.mean(axis=(2, 4)))
    # 'same' with an odd width: the last column gets a window of its own, padding excluded from averages
    check(ops.average_pool(x, (1, 2), padding="same")[:, :, 2], x[:, :, 4])
    assert tuple(ops.max_pool(x, 3, strides=1, padding="same").shape) == (2, 6, 5, 3)
    x1 = RNG.standard_normal((2, 8, 3)).astype("float32")
    check(ops.max_pool(x1, 4), x1.reshape(2, 2, 4, 3).max(2))
    check(ops.adaptive_average_pool(x[:, :6, :4], (3, 2)), blocks.mean(axis=(2, 4)))
    check(ops.adaptive_max_pool(x[:, :6, :4], (3, 2)), blocks.max(axis=(2, 4)))


def test_one_hot_multi_hot():
    labels = np.array([0, 3, -1, 7])
    expected = np.zeros((4, 4), "float32")
    expected[0, 0] = expected[1, 3] = 1
    check(ops.one_hot(labels, 4), expected)
    check(ops.one_hot(labels, 4, axis=0), expected.T)
    assert ops.one_hot(labels, 4, dtype="int32").dtype == torch.int32
    check(ops.multi_hot(np.array([[0, 2, 2], [1, 1, 3]]), 4), [[1, 0, 1, 0], [0, 1, 0, 1]])
    check(ops.multi_hot(np.array([[0, 2]]), num_tokens=3), [[1, 0, 1]])


def test_losses_vs_formulas():
    eps = 1e-7
    logits = RNG.standard_normal((4, 5)).astype("float32")
    probs = np_softmax(logits)
    labels = np.array([0, 3, 4, 1])
    onehot = np.eye(5, dtype="float32")[labels]
    check(ops.categorical_crossentropy(onehot, logits, from_logits=True),
          -np.log(probs[np.arange(4), labels]), atol=1e-5)
    check(ops.categorical_crossentropy(onehot, probs * 3), -np.log(np.clip(probs, eps, 1 - eps)[np.arange(4), labels]),
          atol=1e-5)
    check(ops.sparse_categorical_crossentropy(labels, logits, from_logits=True),
          -np.log(probs[np.arange(4), labels]), atol=1e-5)
    check(ops.sparse_categorical_crossentropy(labels[:, None], probs), -np.log(probs[np.arange(4), labels]), atol=1e-5)
    y = np.array([[1.0, 0.0, 1.0]], "float32")
    p = np.array([[0.0, 0.3, 0.9]], "float32")
    pc = np.clip(p, eps, 1 - eps)
    check(ops.binary_crossentropy(y, p), -(y * np.log(pc) + (1 - y) * np.log(1 - pc)), atol=1e-5)
    check(ops.binary_crossentropy(y, p, from_logits=True),
          np.maximum(p, 0) - p * y + np.log1p(np.exp(-np.abs(p))), atol=1e-6)
    np.testing.assert_allclose(float(ops.binary_crossentropy(np.ones(1, "float32"), np.zeros(1, "float32"))[0]),
                               16.118095, rtol=1e-5)
    with pytest.raises(ValueError, match="same shape"):
        ops.categorical_crossentropy(labels, logits)
    with pytest.raises(ValueError, match="up until the last dimension"):
        ops.sparse_categorical_crossentropy(labels[:3], logits)


def test_normalization_vs_numpy():
    x = RNG.standard_normal((4, 3, 6)).astype("float32") * 2 + 1
    mean, var = ops.moments(x, axes=[0, 1])
    check(mean, x.mean((0, 1)))
    check(var, x.var((0, 1)))
    mean, var = ops.moments(x, axes=-1, keepdims=True)
    check(var, x.var(-1, keepdims=True))
    f16_mean, _ = ops.moments(torch.as_tensor(x).half(), axes=[0])
    assert f16_mean.dtype == torch.float16
    g, b = RNG.standard_normal(6).astype("float32"), RNG.standard_normal(6).astype("float32")
    m, v = x.mean((0, 1)), x.var((0, 1))
    check(ops.batch_normalization(x, m, v, axis=-1, offset=b, scale=g, epsilon=1e-3),
          (x - m) / np.sqrt(v + 1e-3) * g + b)
    m1, v1 = x.mean((0, 2)), x.var((0, 2))
    check(ops.batch_normalization(x, m1, v1, axis=1), (x - m1[:, None]) / np.sqrt(v1[:, None] + 1e-3))
    ln = (x - x.mean(-1, keepdims=True)) / np.sqrt(x.var(-1, keepdims=True) + 1e-3)
    check(ops.layer_normalization(x, g, b, epsilon=1e-3), ln * g + b, atol=1e-4)
    ln1 = (x - x.mean(1, keepdims=True)) / np.sqrt(x.var(1, keepdims=True) + 1e-3)
    check(ops.layer_normalization(x, axis=1, epsilon=1e-3), ln1, atol=1e-4)
    rms = x / np.sqrt((x ** 2).mean(-1, keepdims=True) + 1e-7)
    check(ops.rms_normalization(x, g), rms * g, atol=1e-5)
    check(ops.normalize(x), x / np.linalg.norm(x, axis=-1, keepdims=True))
    check(ops.normalize(x, order=1, axis=1), x / np.abs(x).sum(1, keepdims=True))
    check(ops.psnr(x, x + 0.1, 1.0), 20 * np.log10(1.0) - 10 * np.log10(0.01), atol=1e-3)


def test_dot_product_attention_vs_numpy():
    q = RNG.standard_normal((2, 4, 2, 3)).astype("float32")
    k = RNG.standard_normal((2, 5, 2, 3)).astype("float32")
    v = RNG.standard_normal((2, 5, 2, 3)).astype("float32")
    logits = np.einsum("bqhd,bkhd->bhqk", q, k) / np.sqrt(3)
    expected = np.einsum("bhqk,bkhd->bqhd", np_softmax(logits), v)
    check(ops.dot_product_attention(q, k, v), expected)
    mask = RNG.uniform(size=(2, 1, 4, 5)) > 0.3
    mask[..., 0] = True
    masked = np.where(mask, logits, -1e30)
    check(ops.dot_product_attention(q, k, v, mask=mask), np.einsum("bhqk,bkhd->bqhd", np_softmax(masked), v))
    causal = np.where(np.tril(np.ones((4, 4), bool)), logits[..., :4], -1e30)
    check(ops.dot_product_attention(q, k[:, :4], v[:, :4], is_causal=True),
          np.einsum("bhqk,bkhd->bqhd", np_softmax(causal), v[:, :4]))
    q4 = np.concatenate([q, q], axis=2)
    gqa = ops.convert_to_numpy(ops.dot_product_attention(q4, k, v))
    np.testing.assert_allclose(gqa[:, :, [0, 2]][:, :, :1], expected[:, :, :1], atol=1e-5)
    with pytest.raises(ValueError, match="Only one of"):
        ops.dot_product_attention(q, k, v, bias=logits, mask=mask)
    with pytest.raises(ValueError, match="4D inputs"):
        ops.dot_product_attention(q[0], k[0], v[0])


def test_ctc_greedy_decode_vs_manual():
    # Classes 0..2, blank is 0 (mask_index=0); path per step: 1 1 0 2 2 -> "1 2"
    steps = [1, 1, 0, 2, 2]
    logits = np.full((1, 5, 3), -5.0, "float32")
    logits[0, np.arange(5), steps] = 0.0
    decoded, scores = ops.ctc_decode(logits, np.array([5]), mask_index=0)
    check(decoded, [[[1, 2, -1, -1, -1]]])
    check(scores, [[-0.0]])
    decoded, _ = ops.ctc_decode(logits, np.array([5]), mask_index=0, merge_repeated=False)
    check(decoded, [[[1, 1, 2, 2, -1]]])
    beam, _ = ops.ctc_decode(logits, np.array([5]), strategy="beam_search", mask_index=0)
    check(beam, [[[1, 2, -1, -1, -1]]])
    with pytest.raises(ValueError, match="Invalid strategy"):
        ops.ctc_decode(logits, np.array([5]), strategy="best")
    loss = ops.ctc_loss(np.array([[1, 2]]), logits * 4, np.array([2]), np.array([5]), mask_index=0)
    assert float(loss[0]) < 1.0


def test_depth_space_roundtrip():
    x = RNG.standard_normal((1, 4, 6, 8)).astype("float32")
    for fmt in ("channels_last", "channels_first"):
        check(ops.space_to_depth(ops.depth_to_space(x, 2, data_format=fmt), 2, data_format=fmt), x)
    d = ops.convert_to_numpy(ops.depth_to_space(x, 2))
    np.testing.assert_allclose(d[0, 0, 1], x[0, 0, 0, 2:4])


def test_channels_first_default_from_config():
    x = RNG.standard_normal((1, 3, 6, 6)).astype("float32")
    torchkeras.backend.set_image_data_format("channels_first")
    try:
        assert tuple(ops.max_pool(x, 2).shape) == (1, 3, 3, 3)
    finally:
        torchkeras.backend.set_image_data_format("channels_last")
