"""`keras.layers.STFTSpectrogram`: the convolution STFT equals a direct windowed FFT, modes, shapes for each
padding/data format, trainable kernels, argument errors and config."""
import numpy as np
import pytest
import torch

import torchkeras
from torchkeras.layers import STFTSpectrogram


def _direct_stft(signal, frame_length, frame_step, fft_length, window):
    """`(frames, bins)` complex STFT of a 1D float64 signal (valid framing), NumPy."""
    frames = np.stack([signal[i:i + frame_length]
                       for i in range(0, len(signal) - frame_length + 1, frame_step)])
    return np.fft.rfft(frames * window, n=fft_length)


def test_real_and_imag_equal_a_windowed_fft():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, 300, 1)).astype("float32")
    window = torch.hann_window(64, periodic=False, dtype=torch.float64).numpy()
    expected = np.stack([_direct_stft(x[b, :, 0].astype("float64"), 64, 16, 128, window) for b in range(2)])
    kwargs = {"frame_length": 64, "frame_step": 16, "fft_length": 128, "scaling": None}
    real = STFTSpectrogram(mode="real", **kwargs)(torch.tensor(x)).detach().numpy()
    imag = STFTSpectrogram(mode="imag", **kwargs)(torch.tensor(x)).detach().numpy()
    # float32 kernels (cos/sin of float32 phases) against a float64 FFT, values up to ~14
    np.testing.assert_allclose(real, expected.real, rtol=1e-5, atol=1e-4)
    # Keras's kernels use e^{-i...} with the sine as `imag` kernel: the imaginary part of the FFT.
    np.testing.assert_allclose(imag, expected.imag, rtol=1e-5, atol=1e-4)
    magnitude = STFTSpectrogram(mode="magnitude", **kwargs)(torch.tensor(x)).detach().numpy()
    np.testing.assert_allclose(magnitude, np.abs(expected), rtol=1e-5, atol=1e-4)
    log = STFTSpectrogram(mode="log", **kwargs)(torch.tensor(x)).detach().numpy()
    np.testing.assert_allclose(log, np.log(np.maximum(np.abs(expected), 1e-7)), atol=1e-3)


def test_a_sine_peaks_in_its_bin():
    t = np.arange(1024)
    x = np.sin(2 * np.pi * 32 * t / 256).astype("float32")[None, :, None]  # bin 32 of a 256-point FFT
    out = STFTSpectrogram(mode="magnitude", frame_length=256, frame_step=128)(torch.tensor(x)).detach().numpy()
    assert out.shape == (1, 7, 129)
    assert (out.argmax(-1) == 32).all()


@pytest.mark.parametrize("data_format,expand_dims,padding,expected", [
    ("channels_last", False, "valid", (3, 9, 2 * 33)),
    ("channels_last", True, "valid", (3, 9, 33, 2)),
    ("channels_last", False, "same", (3, 13, 2 * 33)),
    ("channels_first", False, "valid", (3, 2 * 33, 9)),
    ("channels_first", True, "same", (3, 2, 13, 33)),
])
def test_output_shapes(data_format, expand_dims, padding, expected):
    layer = STFTSpectrogram(frame_length=64, frame_step=16, data_format=data_format, expand_dims=expand_dims,
                            padding=padding)
    shape = (3, 200, 2) if data_format == "channels_last" else (3, 2, 200)
    out = layer(torch.rand(shape))
    assert tuple(out.shape) == expected
    assert tuple(layer.compute_output_shape(shape)) == expected
    symbolic = STFTSpectrogram(frame_length=64, frame_step=16, data_format=data_format, expand_dims=expand_dims,
                               padding=padding)(torchkeras.Input(shape[1:]))
    assert tuple(symbolic.shape) == (None,) + expected[1:]


def test_psd_and_stft_modes():
    x = torch.rand(1, 100, 1)
    kwargs = {"frame_length": 32, "scaling": None}
    real = STFTSpectrogram(mode="real", **kwargs)(x)
    imag = STFTSpectrogram(mode="imag", **kwargs)(x)
    power = real**2 + imag**2
    psd = STFTSpectrogram(mode="psd", **kwargs)(x)
    torch.testing.assert_close(psd[..., 1:-1], 2 * power[..., 1:-1], rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(psd[..., [0, -1]], power[..., [0, -1]], rtol=1e-5, atol=1e-5)
    both = STFTSpectrogram(mode="stft", **kwargs)(x)
    torch.testing.assert_close(both, torch.cat([real, imag], dim=-1))
    angle = STFTSpectrogram(mode="angle", **kwargs)(x)
    torch.testing.assert_close(angle, torch.atan2(imag, real))


def test_kernels_are_trainable_weights_with_keras_names():
    layer = STFTSpectrogram(frame_length=16)
    layer.build((None, 40, 1))
    assert [w.path for w in layer.trainable_weights] == [f"{layer.name}/real_kernel", f"{layer.name}/imag_kernel"]
    assert tuple(layer.real_kernel.shape) == (16, 1, 9)
    real_only = STFTSpectrogram(mode="real", frame_length=16)
    real_only.build((None, 40, 1))
    assert [w.name for w in real_only.weights] == ["real_kernel"]
    layer(torch.rand(2, 40, 1)).sum().backward()
    assert layer.real_kernel.grad is not None and layer.imag_kernel.grad is not None
    frozen = STFTSpectrogram(frame_length=16, trainable=False)
    frozen.build((None, 40, 1))
    assert frozen.trainable_weights == [] and len(frozen.non_trainable_weights) == 2


def test_errors():
    with pytest.raises(ValueError, match="frame_step"):
        STFTSpectrogram(frame_length=10, frame_step=11)
    with pytest.raises(ValueError, match="fft_length"):
        STFTSpectrogram(frame_length=10, fft_length=8)
    with pytest.raises(ValueError, match="mode"):
        STFTSpectrogram(mode="power")
    with pytest.raises(ValueError, match="Scaling"):
        STFTSpectrogram(scaling="energy")
    with pytest.raises(ValueError, match="Padding"):
        STFTSpectrogram(padding="causal")
    with pytest.raises(ValueError):
        STFTSpectrogram(window="no-such-window")
    with pytest.warns(UserWarning, match="power of two"):
        STFTSpectrogram(frame_length=10, fft_length=12)
    with pytest.raises(TypeError, match="Invalid input type"):
        STFTSpectrogram(frame_length=8)(torch.ones(1, 20, 1, dtype=torch.int32))


def test_config_round_trip():
    layer = STFTSpectrogram(mode="psd", frame_length=32, frame_step=8, fft_length=64, window="hamming",
                            periodic=True, scaling="spectrum", padding="same", expand_dims=True,
                            data_format="channels_first")
    config = layer.get_config()
    assert {k: config[k] for k in ("mode", "frame_length", "frame_step", "fft_length", "window", "periodic",
                                   "scaling", "padding", "expand_dims", "data_format")} == {
        "mode": "psd", "frame_length": 32, "frame_step": 8, "fft_length": 64, "window": "hamming",
        "periodic": True, "scaling": "spectrum", "padding": "same", "expand_dims": True,
        "data_format": "channels_first"}
    clone = STFTSpectrogram.from_config(config)
    x = torch.rand(2, 3, 90)
    torch.testing.assert_close(clone(x), layer(x))
