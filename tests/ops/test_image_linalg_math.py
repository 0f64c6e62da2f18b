"""keras.ops.image, keras.ops.linalg and keras.ops.math against NumPy references."""
import numpy as np
import pytest
import torch

from torchkeras import ops

RNG = np.random.default_rng(2)
IMAGES = RNG.uniform(size=(2, 6, 8, 3)).astype("float32")


def check(got, expected, rtol=1e-5, atol=1e-5):
    if isinstance(expected, (list, tuple)):
        for g, e in zip(got, expected):
            check(g, e, rtol, atol)
        return
    got = ops.convert_to_numpy(got)
    expected = np.asarray(expected)
    assert got.shape == expected.shape, (got.shape, expected.shape)
    np.testing.assert_allclose(got, expected, rtol=rtol, atol=atol)


def test_resize():
    check(ops.image.resize(IMAGES, (6, 8)), IMAGES)
    check(ops.image.resize(IMAGES, (3, 4)), IMAGES.reshape(2, 3, 2, 4, 2, 3).mean(axis=(2, 4)))
    check(ops.image.resize(IMAGES, (12, 16), interpolation="nearest"), IMAGES.repeat(2, 1).repeat(2, 2))
    check(ops.image.resize(IMAGES, (3, 4), interpolation="area"), IMAGES.reshape(2, 3, 2, 4, 2, 3).mean(axis=(2, 4)))
    square = ops.image.resize(IMAGES, (4, 4), crop_to_aspect_ratio=True)
    check(square, ops.image.resize(IMAGES[:, :, 1:7], (4, 4)))
    padded = ops.convert_to_numpy(ops.image.resize(IMAGES, (8, 8), pad_to_aspect_ratio=True, fill_value=0.5))
    np.testing.assert_allclose(padded[:, 0], 0.5)
    uint8 = ops.image.resize((IMAGES * 255).astype("uint8"), (3, 4))
    assert uint8.dtype == torch.uint8
    with pytest.raises(ValueError, match="Lanczos"):
        ops.image.resize(IMAGES, (3, 3), interpolation="lanczos3")
    with pytest.raises(ValueError, match="Only one of"):
        ops.image.resize(IMAGES, (3, 3), crop_to_aspect_ratio=True, pad_to_aspect_ratio=True)


def test_color_conversions():
    gray = IMAGES @ np.array([0.2989, 0.587, 0.114], "float32")
    check(ops.image.rgb_to_grayscale(IMAGES), gray[..., None])
    hsv = ops.image.rgb_to_hsv(IMAGES)
    check(ops.image.hsv_to_rgb(hsv), IMAGES, atol=1e-5)
    import colorsys

    pixel = IMAGES[0, 0, 0]
    check(ops.convert_to_numpy(hsv)[0, 0, 0], colorsys.rgb_to_hsv(*pixel), atol=1e-6)
    with pytest.raises(ValueError, match="float dtype"):
        ops.image.rgb_to_hsv((IMAGES * 255).astype("uint8"))


def test_geometric_transforms():
    identity = np.array([1, 0, 0, 0, 1, 0, 0, 0], "float32")
    check(ops.image.affine_transform(IMAGES, identity), IMAGES)
    shift = np.array([1, 0, 2, 0, 1, 0, 0, 0], "float32")  # output x takes input x + 2
    out = ops.convert_to_numpy(ops.image.affine_transform(IMAGES, shift, interpolation="nearest"))
    np.testing.assert_allclose(out[:, :, :6], IMAGES[:, :, 2:])
    np.testing.assert_allclose(out[:, :, 6:], 0)
    wrapped = ops.convert_to_numpy(ops.image.affine_transform(IMAGES, shift, fill_mode="wrap"))
    np.testing.assert_allclose(wrapped[:, :, 6:], IMAGES[:, :, :2], atol=1e-6)
    x = np.arange(12, dtype="float32").reshape(3, 4)
    coords = np.array([[0.5, 2.0, -1.0], [1.0, 3.0, 0.0]], "float32")
    check(ops.image.map_coordinates(x, coords, 1), [(x[0, 1] + x[1, 1]) / 2, x[2, 3], 0.0])
    check(ops.image.map_coordinates(x, coords, 0, fill_mode="nearest"), [x[0, 1], x[2, 3], x[0, 0]])
    pts = np.array([[0, 0], [7, 0], [0, 5], [7, 5]], "float32")
    check(ops.image.perspective_transform(IMAGES, pts, pts), IMAGES, atol=1e-5)


def test_pad_crop_patches_blur():
    check(ops.image.pad_images(IMAGES, 1, 2, 0, 1), np.pad(IMAGES, ((0, 0), (1, 0), (2, 1), (0, 0))))
    check(ops.image.crop_images(IMAGES, 1, 2, target_height=3, target_width=4), IMAGES[:, 1:4, 2:6])
    with pytest.raises(ValueError, match="exactly two"):
        ops.image.pad_images(IMAGES, 1, 1, 1, 1, target_height=9)
    patches = ops.convert_to_numpy(ops.image.extract_patches(IMAGES, 2))
    assert patches.shape == (2, 3, 4, 12)
    np.testing.assert_allclose(patches[0, 1, 2], IMAGES[0, 2:4, 4:6].reshape(-1))
    blurred = ops.convert_to_numpy(ops.image.gaussian_blur(IMAGES, (3, 3), (100.0, 100.0)))
    np.testing.assert_allclose(blurred[:, 2, 3], IMAGES[:, 1:4, 2:5].mean(axis=(1, 2)), atol=1e-4)
    edges = ops.image.sobel_edges(IMAGES)
    assert tuple(edges.shape) == (2, 6, 8, 3, 2)


def test_linalg_vs_numpy():
    m = RNG.standard_normal((4, 4)).astype("float32")
    spd = m @ m.T + 4 * np.eye(4, dtype="float32")
    rect = RNG.standard_normal((5, 3)).astype("float32")
    check(ops.cholesky(spd), np.linalg.cholesky(spd), atol=1e-4)
    check(ops.cholesky(spd, upper=True), np.linalg.cholesky(spd).T, atol=1e-4)
    check(ops.cholesky_inverse(np.linalg.cholesky(spd)), np.linalg.inv(spd), atol=1e-4)
    check(ops.det(m), np.linalg.det(m), rtol=1e-4)
    check(ops.inv(spd), np.linalg.inv(spd), atol=1e-4)
    check(ops.solve(spd, m), np.linalg.solve(spd, m), atol=1e-4)
    check(ops.solve_triangular(np.tril(spd), m[:, 0], lower=True), np.linalg.solve(np.tril(spd), m[:, 0]), atol=1e-4)
    check(ops.svd(rect, compute_uv=False), np.linalg.svd(rect, compute_uv=False), atol=1e-5)
    check(ops.pinv(rect), np.linalg.pinv(rect), atol=1e-4)
    check(ops.lstsq(rect, m[:, :1].repeat(2, 0)[:5]), np.linalg.lstsq(rect, m[:, :1].repeat(2, 0)[:5], rcond=None)[0],
          atol=1e-4)
    check(ops.matrix_rank(np.ones((3, 3), "float32")), np.linalg.matrix_rank(np.ones((3, 3))))
    check(ops.eigh(spd)[0], np.linalg.eigvalsh(spd), atol=1e-4)
    for kwargs in (dict(), dict(ord=1), dict(ord="fro"), dict(axis=0), dict(ord=np.inf, axis=1, keepdims=True)):
        check(ops.norm(rect, **kwargs), np.linalg.norm(rect, **kwargs), atol=1e-5)
    check(ops.logdet(spd), np.log(np.linalg.det(spd)), rtol=1e-4)
    with pytest.raises(ValueError, match="square"):
        ops.inv(rect)
    with pytest.raises(ValueError, match="rank >= 2"):
        ops.det(rect[0])
    with pytest.raises(ValueError, match="Cholesky decomposition failed"):
        ops.cholesky(-spd)
    with pytest.raises(ValueError, match="mode"):
        ops.qr(rect, mode="r")
    out, tangent = ops.linalg.jvp(lambda a: a ** 2, (torch.tensor([3.0]),), (torch.tensor([1.0]),))
    check(tangent, [6.0])


def test_math_vs_numpy():
    data = RNG.standard_normal((6, 2)).astype("float32")
    ids = np.array([0, 0, 2, 1, 2, 2])
    for name, np_fn, empty in (("segment_sum", np.sum, 0.0), ("segment_max", np.max, -np.inf),
                               ("segment_min", np.min, np.inf), ("segment_prod", np.prod, 1.0)):
        expected = np.stack([np_fn(data[ids == s], axis=0) if (ids == s).any() else np.full(2, empty)
                             for s in range(4)])
        check(getattr(ops, name)(data, ids, num_segments=4), expected)
    values, indices = ops.top_k(data.T, 2)
    check(values, -np.sort(-data.T, axis=1)[:, :2])
    assert indices.dtype == torch.int64  # torch's indices, as Keras on torch returns them
    check(ops.in_top_k(np.array([0, 1]), data.T, 3),
          [(data.T[i] >= np.sort(data.T[i])[-3])[t] for i, t in enumerate([0, 1])])
    check(ops.cdist(data, data[:3]), np.linalg.norm(data[:, None] - data[None, :3], axis=-1), atol=1e-5)
    check(ops.extract_sequences(np.arange(10.0), 4, 3), [[0, 1, 2, 3], [3, 4, 5, 6], [6, 7, 8, 9]])
    sig = RNG.standard_normal((2, 16)).astype("float32")
    spec = np.fft.rfft(sig)
    check(ops.rfft(sig), (spec.real, spec.imag), atol=1e-4)
    check(ops.irfft((spec.real.astype("float32"), spec.imag.astype("float32"))), sig, atol=1e-5)
    full = np.fft.fft2(sig + 1j * sig[::-1])
    check(ops.fft2((sig, sig[::-1].copy())), (full.real, full.imag), atol=1e-3)
    real, imag = ops.stft(sig, 8, 4, 8)
    rebuilt = ops.istft((real, imag), 8, 4, 8, length=16)
    check(rebuilt, sig, atol=1e-5)
    with pytest.raises(ValueError, match="tuple of two tensors"):
        ops.fft(sig)
    check(ops.erf(np.array([0.5], "float32")), [0.5204999])
    check(ops.erfinv(ops.erf(np.array([0.3], "float32"))), [0.3])
    check(ops.view_as_real(ops.view_as_complex(np.ones((2, 2), "float32"))), np.ones((2, 2)))
