"""keras.ops.linalg and keras.ops.math: torchkeras vs real Keras 3 (torch backend)."""
import pytest

import keras  # noqa: E402
import numpy as np
import torch

from torchkeras import ops as tk_ops

RNG = np.random.default_rng(3)
M = RNG.standard_normal((4, 4)).astype("float32")
SPD = (M @ M.T + 4 * np.eye(4)).astype("float32")
RECT = RNG.standard_normal((5, 3)).astype("float32")
BATCH = RNG.standard_normal((2, 3, 3)).astype("float32")


def to_numpy(x):
    if isinstance(x, (list, tuple)):
        return [to_numpy(e) for e in x]
    if isinstance(x, torch.Tensor):
        return x.detach().cpu().numpy()
    return np.asarray(x)


def compare(k_out, t_out, rtol=1e-4, atol=1e-4, check_dtype=True):
    k_np, t_np = to_numpy(k_out), to_numpy(t_out)
    if isinstance(k_np, list):
        assert len(k_np) == len(t_np)
        for a, b in zip(k_np, t_np):
            np.testing.assert_allclose(b, a, rtol=rtol, atol=atol)
        return
    assert np.shape(t_np) == np.shape(k_np), (np.shape(t_np), np.shape(k_np))
    np.testing.assert_allclose(t_np, k_np, rtol=rtol, atol=atol)
    if check_dtype:
        assert t_out.dtype == k_out.dtype


LINALG = [
    ("cholesky", (SPD,), {}), ("cholesky", (SPD,), {"upper": True}), ("det", (M,)), ("det", (BATCH,)),
    ("inv", (SPD,)), ("inv", (BATCH,)), ("solve", (SPD, M)), ("solve", (SPD, M[:, 0])),
    ("solve_triangular", (np.tril(SPD), M), {"lower": True}), ("solve_triangular", (np.triu(SPD), M[:, 0])),
    ("svd", (RECT,), {"compute_uv": False}), ("lstsq", (RECT, M[:, :2].repeat(2, 0)[:5])),
    ("lstsq", (RECT, RECT[:, 0]), {"rcond": 1e-3}), ("pinv", (RECT,)), ("matrix_rank", (RECT,)),
    ("matrix_rank", (np.ones((3, 3), "float32"),)), ("cholesky_inverse", (np.linalg.cholesky(SPD),)),
    ("logdet", (SPD,)), ("slogdet", (M,)),
]
LINALG = [c if len(c) == 3 else (c[0], c[1], {}) for c in LINALG]


@pytest.mark.parametrize("name,args,kwargs", LINALG, ids=[f"{c[0]}-{i}" for i, c in enumerate(LINALG)])
def test_linalg(name, args, kwargs):
    compare(getattr(keras.ops, name)(*args, **kwargs), getattr(tk_ops, name)(*args, **kwargs))


NORMS = [dict(), dict(ord=1), dict(ord=np.inf), dict(axis=0), dict(axis=1, keepdims=True),
         dict(ord="fro", axis=(0, 1)), dict(ord="nuc"), dict(ord=2), dict(ord=-1, axis=1), dict(ord=0, axis=0)]


@pytest.mark.parametrize("kwargs", NORMS, ids=repr)
def test_norm(kwargs):
    compare(keras.ops.norm(RECT, **kwargs), tk_ops.norm(RECT, **kwargs))
    ints = np.arange(12, dtype="int32").reshape(3, 4)
    compare(keras.ops.norm(ints, **kwargs), tk_ops.norm(ints, **kwargs))


def test_decompositions_reconstruct():
    q, r = tk_ops.qr(RECT)
    np.testing.assert_allclose(to_numpy(q @ r), RECT, atol=1e-5)
    kq, kr = keras.ops.qr(RECT, mode="complete")
    tq, tr = tk_ops.qr(RECT, mode="complete")
    assert tuple(tq.shape) == tuple(kq.shape) and tuple(tr.shape) == tuple(kr.shape)
    u, s, vh = tk_ops.svd(RECT, full_matrices=False)
    np.testing.assert_allclose(to_numpy((u * s) @ vh), RECT, atol=1e-5)
    w, v = tk_ops.eigh(SPD)
    compare(keras.ops.eigh(SPD)[0], w)
    np.testing.assert_allclose(to_numpy(v @ torch.diag(w) @ v.T), SPD, atol=1e-4)
    lu, piv = tk_ops.lu_factor(M)
    k_lu, k_piv = keras.ops.lu_factor(M)
    compare(k_lu, lu)
    np.testing.assert_array_equal(to_numpy(piv), to_numpy(k_piv))
    vals = tk_ops.eig(SPD)[0]
    np.testing.assert_allclose(np.sort(to_numpy(vals).real), np.sort(np.linalg.eigvalsh(SPD)), rtol=1e-4)


def test_segment_reductions():
    data = RNG.standard_normal((6, 3)).astype("float32")
    ids = np.array([0, 0, 2, 1, 2, 2], "int32")
    for name in ("segment_sum", "segment_max", "segment_min", "segment_prod"):
        compare(getattr(keras.ops, name)(data, ids), getattr(tk_ops, name)(data, ids))
        compare(getattr(keras.ops, name)(data, ids, num_segments=4), getattr(tk_ops, name)(data, ids, num_segments=4))
    compare(keras.ops.segment_sum(ids, ids), tk_ops.segment_sum(ids, ids))


def test_top_k_in_top_k_logsumexp():
    x = RNG.standard_normal((4, 6)).astype("float32")
    kv, ki = keras.ops.top_k(x, 3)
    tv, ti = tk_ops.top_k(x, 3)
    compare(kv, tv)
    np.testing.assert_array_equal(to_numpy(ti), to_numpy(ki))
    targets = np.array([0, 5, 2, 3], "int32")
    compare(keras.ops.in_top_k(targets, x, 2), tk_ops.in_top_k(targets, x, 2))
    for kwargs in (dict(), dict(axis=1), dict(axis=0, keepdims=True)):
        compare(keras.ops.logsumexp(x, **kwargs), tk_ops.logsumexp(x, **kwargs))
    y = RNG.standard_normal((3, 6)).astype("float32")
    compare(keras.ops.cdist(x, y), tk_ops.cdist(x, y))


def test_fft_family():
    re, im = RNG.standard_normal((2, 8)).astype("float32"), RNG.standard_normal((2, 8)).astype("float32")
    for name in ("fft", "fft2", "ifft2"):
        compare(getattr(keras.ops, name)((re, im)), getattr(tk_ops, name)((re, im)))
    compare(keras.ops.rfft(re), tk_ops.rfft(re))
    compare(keras.ops.rfft(re, fft_length=6), tk_ops.rfft(re, fft_length=6))
    spec = keras.ops.rfft(re)
    compare(keras.ops.irfft(spec), tk_ops.irfft(spec))
    compare(keras.ops.irfft(spec, 8), tk_ops.irfft(spec, 8))


@pytest.mark.parametrize("cfg", [
    dict(sequence_length=8, sequence_stride=4, fft_length=8),
    dict(sequence_length=6, sequence_stride=3, fft_length=8, window="hamming"),
    dict(sequence_length=8, sequence_stride=2, fft_length=16, center=False),
    dict(sequence_length=8, sequence_stride=4, fft_length=8, window=None),
], ids=repr)
def test_stft_istft(cfg):
    x = RNG.standard_normal((2, 64)).astype("float32")
    k_spec = keras.ops.stft(x, **cfg)
    t_spec = tk_ops.stft(x, **cfg)
    compare(k_spec, t_spec)
    k_sig = keras.ops.istft(k_spec, **cfg)
    t_sig = tk_ops.istft(k_spec, **cfg)
    compare(k_sig, t_sig)
    compare(keras.ops.istft(k_spec, length=60, **cfg), tk_ops.istft(k_spec, length=60, **cfg))


def test_extract_sequences_and_special_functions():
    x = RNG.standard_normal((2, 10)).astype("float32")
    compare(keras.ops.extract_sequences(x, 4, 3), tk_ops.extract_sequences(x, 4, 3))
    u = RNG.uniform(-0.9, 0.9, (3, 3)).astype("float32")
    for name in ("erf", "erfc", "erfinv"):
        compare(getattr(keras.ops, name)(u), getattr(tk_ops, name)(u))
    compare(keras.ops.rsqrt(np.abs(u) + 0.1), tk_ops.rsqrt(np.abs(u) + 0.1))
    pair = RNG.standard_normal((3, 2)).astype("float32")
    compare(keras.ops.view_as_complex(pair), tk_ops.view_as_complex(pair))
    compare(keras.ops.view_as_real(keras.ops.view_as_complex(pair)), tk_ops.view_as_real(tk_ops.view_as_complex(pair)))
