"""keras.ops.nn: torchkeras vs real Keras 3 (torch backend): activations, conv/pool, losses, norms, attention."""
import pytest

import keras  # noqa: E402
import numpy as np
import torch

from torchkeras import ops as tk_ops

RNG = np.random.default_rng(1)
X = RNG.standard_normal((2, 3, 5)).astype("float32")


def to_numpy(x):
    if isinstance(x, (list, tuple)):
        return [to_numpy(e) for e in x]
    if isinstance(x, torch.Tensor):
        return x.detach().cpu().float().numpy() if x.dtype == torch.bfloat16 else x.detach().cpu().numpy()
    return np.asarray(x)


def compare(k_out, t_out, rtol=1e-5, atol=1e-5, check_dtype=True):
    k_np, t_np = to_numpy(k_out), to_numpy(t_out)
    if isinstance(k_np, list):
        assert len(k_np) == len(t_np)
        for a, b in zip(k_np, t_np):
            assert np.shape(a) == np.shape(b)
            np.testing.assert_allclose(b, a, rtol=rtol, atol=atol)
    else:
        assert np.shape(t_np) == np.shape(k_np), (np.shape(t_np), np.shape(k_np))
        np.testing.assert_allclose(t_np, k_np, rtol=rtol, atol=atol)
    if check_dtype and not isinstance(k_out, (list, tuple)):
        assert t_out.dtype == k_out.dtype


ACTIVATIONS = [
    ("relu", {}), ("relu6", {}), ("sigmoid", {}), ("sparse_sigmoid", {}), ("softplus", {}), ("softsign", {}),
    ("soft_shrink", {}), ("soft_shrink", {"threshold": 1.0}), ("sparse_plus", {}), ("silu", {}), ("swish", {}),
    ("squareplus", {}), ("squareplus", {"b": 2}), ("log_sigmoid", {}), ("leaky_relu", {}),
    ("leaky_relu", {"negative_slope": 0.1}), ("hard_sigmoid", {}), ("hard_silu", {}), ("hard_swish", {}),
    ("elu", {}), ("elu", {"alpha": 0.5}), ("selu", {}), ("gelu", {}), ("gelu", {"approximate": False}),
    ("celu", {}), ("celu", {"alpha": 2.0}), ("glu", {}), ("glu", {"axis": 1}), ("tanh_shrink", {}),
    ("hard_tanh", {}), ("hard_shrink", {}), ("hard_shrink", {"threshold": 0.2}),
    ("threshold", {"threshold": 0.1, "default_value": -1.0}), ("softmax", {}), ("softmax", {"axis": 1}),
    ("softmax", {"axis": (1, 2)}), ("log_softmax", {}), ("log_softmax", {"axis": 0}),
    ("log_softmax", {"axis": (0, 2)}),
]


@pytest.mark.parametrize("dtype", ["float32", "float16"])
@pytest.mark.parametrize("name,kwargs", ACTIVATIONS, ids=[f"{a[0]}-{i}" for i, a in enumerate(ACTIVATIONS)])
def test_activations(name, kwargs, dtype):
    x = X[:, :, :4] if name == "glu" else X
    x = torch.as_tensor(x).to(getattr(torch, dtype))
    try:
        k_out = getattr(keras.ops, name)(x, **kwargs)
    except Exception as e:  # noqa: BLE001
        pytest.skip(f"keras rejects: {type(e).__name__}")
    tol = 2e-3 if dtype == "float16" else 1e-5
    compare(k_out, getattr(tk_ops, name)(x, **kwargs), rtol=tol, atol=tol)


CONV2D = [
    dict(strides=1, padding="valid"), dict(strides=1, padding="same"), dict(strides=2, padding="same"),
    dict(strides=(2, 1), padding="valid"), dict(strides=1, padding="same", dilation_rate=2),
    dict(strides=2, padding="valid", dilation_rate=1), dict(strides=3, padding="same"),
]


@pytest.mark.parametrize("kernel_size", [(3, 3), (2, 2), (1, 3), (4, 4)])
@pytest.mark.parametrize("cfg", CONV2D, ids=repr)
def test_conv2d(cfg, kernel_size):
    x = RNG.standard_normal((2, 9, 8, 3)).astype("float32")
    k = RNG.standard_normal(kernel_size + (3, 4)).astype("float32")
    compare(keras.ops.conv(x, k, **cfg), tk_ops.conv(x, k, **cfg), atol=1e-4)
    xc = np.transpose(x, (0, 3, 1, 2)).copy()
    compare(keras.ops.conv(xc, k, data_format="channels_first", **cfg),
            tk_ops.conv(xc, k, data_format="channels_first", **cfg), atol=1e-4)


@pytest.mark.parametrize("padding", ["valid", "same"])
@pytest.mark.parametrize("strides", [1, 2])
def test_conv1d_3d_and_groups(padding, strides):
    x1 = RNG.standard_normal((2, 11, 4)).astype("float32")
    k1 = RNG.standard_normal((3, 4, 6)).astype("float32")
    compare(keras.ops.conv(x1, k1, strides, padding), tk_ops.conv(x1, k1, strides, padding), atol=1e-4)
    kg = RNG.standard_normal((3, 2, 6)).astype("float32")  # groups=2
    compare(keras.ops.conv(x1, kg, strides, padding), tk_ops.conv(x1, kg, strides, padding), atol=1e-4)
    x3 = RNG.standard_normal((1, 5, 6, 7, 2)).astype("float32")
    k3 = RNG.standard_normal((2, 3, 2, 2, 3)).astype("float32")
    compare(keras.ops.conv(x3, k3, strides, padding), tk_ops.conv(x3, k3, strides, padding), atol=1e-4)


@pytest.mark.parametrize("padding", ["valid", "same"])
@pytest.mark.parametrize("strides", [1, 2])
def test_depthwise_and_separable(padding, strides):
    x = RNG.standard_normal((2, 8, 7, 3)).astype("float32")
    dk = RNG.standard_normal((3, 3, 3, 2)).astype("float32")
    pk = RNG.standard_normal((1, 1, 6, 5)).astype("float32")
    compare(keras.ops.depthwise_conv(x, dk, strides, padding), tk_ops.depthwise_conv(x, dk, strides, padding),
            atol=1e-4)
    compare(keras.ops.separable_conv(x, dk, pk, strides, padding),
            tk_ops.separable_conv(x, dk, pk, strides, padding), atol=1e-4)


@pytest.mark.parametrize("output_padding", [None, 0, 1])
@pytest.mark.parametrize("padding", ["valid", "same"])
@pytest.mark.parametrize("strides", [1, 2, 3])
@pytest.mark.parametrize("kernel", [2, 3, 4])
def test_conv_transpose(kernel, strides, padding, output_padding):
    if output_padding is not None and output_padding >= strides:
        pytest.skip("output_padding must be smaller than strides")
    x = RNG.standard_normal((2, 5, 4, 3)).astype("float32")
    k = RNG.standard_normal((kernel, kernel, 6, 3)).astype("float32")
    kwargs = dict(strides=strides, padding=padding, output_padding=output_padding)
    compare(keras.ops.conv_transpose(x, k, **kwargs), tk_ops.conv_transpose(x, k, **kwargs), atol=1e-4)
    x1 = RNG.standard_normal((2, 7, 3)).astype("float32")
    k1 = RNG.standard_normal((kernel, 5, 3)).astype("float32")
    compare(keras.ops.conv_transpose(x1, k1, **kwargs), tk_ops.conv_transpose(x1, k1, **kwargs), atol=1e-4)


def test_conv_transpose_dilation_and_channels_first():
    x = RNG.standard_normal((1, 3, 5, 4)).astype("float32")
    k = RNG.standard_normal((3, 3, 2, 3)).astype("float32")
    for padding in ("valid", "same"):
        kwargs = dict(strides=1, padding=padding, dilation_rate=2, data_format="channels_first")
        compare(keras.ops.conv_transpose(x, k, **kwargs), tk_ops.conv_transpose(x, k, **kwargs), atol=1e-4)


@pytest.mark.parametrize("padding", ["valid", "same"])
@pytest.mark.parametrize("pool,strides", [(2, None), (3, 2), ((2, 3), (1, 2)), (3, 1), (2, 3)])
@pytest.mark.parametrize("name", ["max_pool", "average_pool"])
def test_pooling(name, pool, strides, padding):
    x = RNG.standard_normal((2, 7, 8, 3)).astype("float32")
    compare(getattr(keras.ops, name)(x, pool, strides, padding),
            getattr(tk_ops, name)(x, pool, strides, padding))
    x1 = RNG.standard_normal((2, 9, 3)).astype("float32")
    p1 = pool if isinstance(pool, int) else pool[0]
    s1 = strides if strides is None or isinstance(strides, int) else strides[1]
    compare(getattr(keras.ops, name)(x1, p1, s1, padding), getattr(tk_ops, name)(x1, p1, s1, padding))
    xc = np.transpose(x, (0, 3, 1, 2)).copy()
    compare(getattr(keras.ops, name)(xc, pool, strides, padding, data_format="channels_first"),
            getattr(tk_ops, name)(xc, pool, strides, padding, data_format="channels_first"))


@pytest.mark.parametrize("name", ["adaptive_average_pool", "adaptive_max_pool"])
def test_adaptive_pooling(name):
    x = RNG.standard_normal((2, 7, 9, 3)).astype("float32")
    compare(getattr(keras.ops, name)(x, (3, 4)), getattr(tk_ops, name)(x, (3, 4)))
    compare(getattr(keras.ops, name)(x, 2), getattr(tk_ops, name)(x, 2))


def test_one_hot_and_multi_hot():
    labels = np.array([[0, 2, -1], [3, 1, 1]], "int32")
    compare(keras.ops.one_hot(labels, 4), tk_ops.one_hot(labels, 4))
    compare(keras.ops.one_hot(labels, 4, axis=1, dtype="int32"), tk_ops.one_hot(labels, 4, axis=1, dtype="int32"))
    compare(keras.ops.one_hot(labels[0], 5, axis=0), tk_ops.one_hot(labels[0], 5, axis=0))
    pos = np.array([[0, 2, 1], [3, 1, 1]], "int32")
    compare(keras.ops.multi_hot(pos, 4), tk_ops.multi_hot(pos, 4))
    compare(keras.ops.multi_hot(pos[0], 5, dtype="int32"), tk_ops.multi_hot(pos[0], 5, dtype="int32"))


def test_crossentropies():
    logits = RNG.standard_normal((4, 5)).astype("float32")
    probs = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)
    onehot = np.eye(5, dtype="float32")[[0, 3, 4, 1]]
    labels = np.array([0, 3, 4, 1], "int32")
    for from_logits, out in ((True, logits), (False, probs)):
        compare(keras.ops.categorical_crossentropy(onehot, out, from_logits=from_logits),
                tk_ops.categorical_crossentropy(onehot, out, from_logits=from_logits))
        compare(keras.ops.sparse_categorical_crossentropy(labels, out, from_logits=from_logits),
                tk_ops.sparse_categorical_crossentropy(labels, out, from_logits=from_logits))
        compare(keras.ops.sparse_categorical_crossentropy(labels[:, None], out, from_logits=from_logits),
                tk_ops.sparse_categorical_crossentropy(labels[:, None], out, from_logits=from_logits))
    seq = RNG.standard_normal((2, 5, 3)).astype("float32")
    seq_labels = RNG.integers(0, 5, (2, 3)).astype("int32")
    compare(keras.ops.sparse_categorical_crossentropy(seq_labels, seq, from_logits=True, axis=1),
            tk_ops.sparse_categorical_crossentropy(seq_labels, seq, from_logits=True, axis=1))
    y = (RNG.uniform(size=(4, 3)) > 0.5).astype("float32")
    p = np.array([[0.0, 0.5, 1.0], [0.2, 0.9, 0.3], [1e-9, 1 - 1e-9, 0.5], [0.7, 0.1, 0.99]], "float32")
    compare(keras.ops.binary_crossentropy(y, p), tk_ops.binary_crossentropy(y, p))
    compare(keras.ops.binary_crossentropy(y, logits[:, :3], from_logits=True),
            tk_ops.binary_crossentropy(y, logits[:, :3], from_logits=True))


def test_crossentropy_shape_errors_match():
    with pytest.raises(ValueError, match="must have the same shape"):
        tk_ops.categorical_crossentropy(np.zeros((4,), "float32"), np.zeros((4, 2), "float32"))
    with pytest.raises(ValueError, match="must have the same shape"):
        tk_ops.binary_crossentropy(np.zeros((4, 1), "float32"), np.zeros((4, 2), "float32"))


def test_moments_and_normalizations():
    x = RNG.standard_normal((4, 3, 6)).astype("float32") * 3 + 1
    for axes in ([0], [0, 1], [2], [-1]):
        for keepdims in (False, True):
            compare(keras.ops.moments(x, axes, keepdims=keepdims), tk_ops.moments(x, axes, keepdims=keepdims),
                    atol=1e-4)
    mean, var = np.mean(x, (0, 1)), np.var(x, (0, 1))
    gamma, beta = RNG.standard_normal(6).astype("float32"), RNG.standard_normal(6).astype("float32")
    compare(keras.ops.batch_normalization(x, mean, var, axis=-1, offset=beta, scale=gamma),
            tk_ops.batch_normalization(x, mean, var, axis=-1, offset=beta, scale=gamma))
    m1, v1 = np.mean(x, (0, 2)), np.var(x, (0, 2))
    compare(keras.ops.batch_normalization(x, m1, v1, axis=1), tk_ops.batch_normalization(x, m1, v1, axis=1))
    compare(keras.ops.layer_normalization(x, gamma, beta), tk_ops.layer_normalization(x, gamma, beta), atol=1e-4)
    g2 = RNG.standard_normal((3, 6)).astype("float32")
    compare(keras.ops.layer_normalization(x, g2, None, axis=(1, 2), epsilon=1e-5),
            tk_ops.layer_normalization(x, g2, None, axis=(1, 2), epsilon=1e-5), atol=1e-4)
    compare(keras.ops.rms_normalization(x, gamma), tk_ops.rms_normalization(x, gamma), atol=1e-5)
    compare(keras.ops.rms_normalization(x, None, axis=(1, 2), epsilon=1e-3),
            tk_ops.rms_normalization(x, None, axis=(1, 2), epsilon=1e-3), atol=1e-5)
    for order in (1, 2, 3):
        compare(keras.ops.normalize(x, axis=-1, order=order), tk_ops.normalize(x, axis=-1, order=order))
    compare(keras.ops.normalize(x, axis=(1, 2)), tk_ops.normalize(x, axis=(1, 2)))
    compare(keras.ops.psnr(x, x * 0.9, 5.0), tk_ops.psnr(x, x * 0.9, 5.0), atol=1e-4)


@pytest.mark.parametrize("case", ["plain", "causal", "mask", "bias", "scale", "gqa", "mask_causal"])
def test_dot_product_attention(case):
    q = RNG.standard_normal((2, 5, 4, 8)).astype("float32")
    k = RNG.standard_normal((2, 6, 4 if case != "gqa" else 2, 8)).astype("float32")
    v = RNG.standard_normal((2, 6, 4 if case != "gqa" else 2, 8)).astype("float32")
    kwargs = {}
    if case in ("causal", "mask_causal"):
        k, v = k[:, :5], v[:, :5]
        kwargs["is_causal"] = True
    if case in ("mask", "mask_causal"):
        kwargs["mask"] = RNG.uniform(size=(2, 1, 5, k.shape[1])) > 0.3
    if case == "bias":
        kwargs["bias"] = RNG.standard_normal((2, 4, 5, 6)).astype("float32")
    if case == "scale":
        kwargs["scale"] = 0.3
    compare(keras.ops.dot_product_attention(q, k, v, **kwargs), tk_ops.dot_product_attention(q, k, v, **kwargs),
            atol=1e-5)


def test_ctc_loss_and_greedy_decode():
    logits = RNG.standard_normal((2, 8, 5)).astype("float32")
    target = np.array([[1, 2, 2, 0], [3, 1, 0, 0]], "int32")
    tl = np.array([3, 2], "int32")
    ol = np.array([8, 6], "int32")
    compare(keras.ops.ctc_loss(target, logits, tl, ol), tk_ops.ctc_loss(target, logits, tl, ol), atol=1e-4)
    for merge in (True, False):
        for mask_index in (0, 4):
            k = keras.ops.ctc_decode(logits, ol, merge_repeated=merge, mask_index=mask_index)
            t = tk_ops.ctc_decode(logits, ol, merge_repeated=merge, mask_index=mask_index)
            compare(k[0], t[0])
            compare(k[1], t[1], atol=1e-5)


def test_ctc_beam_search_decode():
    logits = np.log(RNG.dirichlet(np.ones(4), size=(2, 6))).astype("float32")
    ol = np.array([6, 4], "int32")
    k_paths, k_scores = keras.ops.ctc_decode(logits, ol, strategy="beam_search", beam_width=10, top_paths=2)
    t_paths, t_scores = tk_ops.ctc_decode(logits, ol, strategy="beam_search", beam_width=10, top_paths=2)
    compare(k_paths[0], t_paths[0], check_dtype=False)
    np.testing.assert_allclose(to_numpy(t_scores), to_numpy(k_scores), rtol=1e-4, atol=1e-4)


def test_depth_space_unfold_polar():
    x = RNG.standard_normal((2, 4, 6, 8)).astype("float32")
    for fmt in ("channels_last", "channels_first"):
        compare(keras.ops.depth_to_space(x, 2, data_format=fmt), tk_ops.depth_to_space(x, 2, data_format=fmt))
        compare(keras.ops.space_to_depth(x, 2, data_format=fmt), tk_ops.space_to_depth(x, 2, data_format=fmt))
    xc = torch.as_tensor(RNG.standard_normal((2, 3, 6, 5)).astype("float32"))
    compare(keras.ops.unfold(xc, 2, stride=2), tk_ops.unfold(xc, 2, stride=2))
    cols = torch.as_tensor(RNG.standard_normal((2, 12, 6)).astype("float32"))
    compare(keras.ops.fold(cols, (4, 6), 2, stride=2), tk_ops.fold(cols, (4, 6), 2, stride=2))
    a, b = np.abs(X[0]), X[1]
    compare(keras.ops.polar(a, b), tk_ops.polar(a, b))


def _sparsemax_reference(z, axis):
    z = np.moveaxis(z, axis, -1)
    srt = -np.sort(-z, axis=-1)
    k = np.arange(1, z.shape[-1] + 1)
    cum = np.cumsum(srt, axis=-1)
    support = 1 + k * srt > cum
    k_z = support.sum(-1, keepdims=True)
    tau = (np.take_along_axis(cum, k_z - 1, axis=-1) - 1) / k_z
    return np.moveaxis(np.maximum(z - tau, 0), -1, axis)


@pytest.mark.parametrize("axis", [-1, 1])
def test_sparsemax_matches_definition(axis):
    """Sparsemax is compared with its definition: Keras's torch backend sums the wrong cumulative sums
    for the threshold (its rows don't sum to 1), so it is not the reference here."""
    out = tk_ops.convert_to_numpy(tk_ops.sparsemax(X, axis=axis))
    np.testing.assert_allclose(out, _sparsemax_reference(X, axis), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(out.sum(axis=axis), 1.0, rtol=1e-5)
