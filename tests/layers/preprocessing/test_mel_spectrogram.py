"""`keras.layers.MelSpectrogram`: the Mel filter bank, the pipeline against a NumPy version of Keras's
formulas, shapes of batched/unbatched inputs, decibel scaling and config."""
import numpy as np
import pytest
import torch

import torchkeras
from torchkeras.layers import MelSpectrogram


def _hz_to_mel(f):
    return 1127.0 * np.log(1.0 + f / 700.0)


def _numpy_mel(x, fft_length, stride, sampling_rate, num_mel_bins, min_freq, max_freq, mag_exp=2.0):
    pad = fft_length // 2
    padded = np.pad(x, (pad, pad), mode="reflect")
    frames = np.stack([padded[i:i + fft_length] for i in range(0, len(padded) - fft_length + 1, stride)])
    window = torch.hann_window(fft_length, periodic=True, dtype=torch.float64).numpy()
    spectrum = np.abs(np.fft.rfft(frames * window)) ** mag_exp
    bins = np.linspace(0, sampling_rate / 2, spectrum.shape[-1])[1:]
    edges = np.linspace(_hz_to_mel(min_freq), _hz_to_mel(max_freq), num_mel_bins + 2)
    lower, center, upper = edges[:-2], edges[1:-1], edges[2:]
    mel = _hz_to_mel(bins)[:, None]
    weights = np.maximum(0, np.minimum((mel - lower) / (center - lower), (upper - mel) / (upper - center)))
    weights = np.concatenate([np.zeros((1, num_mel_bins)), weights])
    return (spectrum @ weights).T


def test_filter_bank():
    matrix = MelSpectrogram().linear_to_mel_weight_matrix(num_mel_bins=10, num_spectrogram_bins=129,
                                                          sampling_rate=8000, lower_edge_hertz=100.0,
                                                          upper_edge_hertz=3800.0).numpy()
    assert matrix.shape == (129, 10) and matrix.dtype == np.float32
    assert (matrix[0] == 0).all()  # HTK excludes the DC bin
    assert (matrix >= 0).all() and matrix.max() <= 1.0 + 1e-6
    assert (matrix.max(axis=0) > 0.5).all()  # every band catches some bin near its peak
    peaks = matrix.argmax(axis=0)
    assert (np.diff(peaks) > 0).all()  # bands move up in frequency


def test_power_spectrogram_matches_numpy_reference():
    x = np.random.default_rng(0).uniform(-1, 1, size=2000)
    layer = MelSpectrogram(fft_length=256, sequence_stride=64, sampling_rate=8000, num_mel_bins=20,
                           power_to_db=False)
    out = layer(torch.tensor(x, dtype=torch.float32)).numpy()
    expected = _numpy_mel(x, 256, 64, 8000, 20, 20.0, 4000.0)
    assert out.shape == expected.shape == (20, 32)
    np.testing.assert_allclose(out, expected, rtol=1e-3, atol=1e-3 * np.abs(expected).max())


def test_decibels_and_top_db():
    x = torch.tensor(np.random.default_rng(1).uniform(-1, 1, size=(2, 1500)), dtype=torch.float32)
    kwargs = {"fft_length": 256, "sequence_stride": 100, "num_mel_bins": 16, "sampling_rate": 8000}
    power = MelSpectrogram(power_to_db=False, **kwargs)(x).numpy()
    db = MelSpectrogram(top_db=30.0, ref_power=2.0, **kwargs)(x).numpy()
    expected = 10 * np.log10(np.maximum(power, 1e-10)) - 10 * np.log10(2.0)
    expected = np.maximum(expected, expected.max() - 30.0)  # clipped against the whole batch's maximum
    np.testing.assert_allclose(db, expected, rtol=1e-4, atol=1e-3)


@pytest.mark.parametrize("shape,expected", [((16000,), (64, 63)), ((2, 16000), (2, 64, 63))])
def test_shapes_like_keras_examples(shape, expected):
    layer = MelSpectrogram(num_mel_bins=64, sampling_rate=8000, sequence_stride=256, fft_length=2048)
    assert tuple(layer(torch.rand(shape)).shape) == expected
    assert tuple(layer.compute_output_shape(shape)) == expected
    symbolic = MelSpectrogram(num_mel_bins=64, sequence_stride=256, fft_length=2048)(torchkeras.Input((16000,)))
    assert tuple(symbolic.shape) == (None, 64, 63)


def test_numpy_input_float64_policy_and_errors():
    out = MelSpectrogram(fft_length=128, sequence_stride=64, num_mel_bins=8)(np.zeros(512, "float32"))
    assert out.dtype == torch.float32 and tuple(out.shape) == (8, 9)
    out64 = MelSpectrogram(fft_length=128, sequence_stride=64, num_mel_bins=8, dtype="float64")(torch.rand(512))
    assert out64.dtype == torch.float64
    with pytest.raises(ValueError, match="sequence_length"):
        MelSpectrogram(fft_length=128, sequence_length=256)


def test_config_round_trip():
    layer = MelSpectrogram(fft_length=512, sequence_stride=128, sequence_length=400, window="hamming",
                           sampling_rate=22050, num_mel_bins=40, min_freq=30.0, max_freq=8000.0, power_to_db=False,
                           top_db=70.0, mag_exp=1.0, min_power=1e-8, ref_power=0.5)
    config = layer.get_config()
    assert config["max_freq"] == 8000.0 and config["sequence_length"] == 400 and config["window"] == "hamming"
    assert MelSpectrogram().get_config()["max_freq"] == 8000  # sampling_rate / 2 by default
    clone = MelSpectrogram.from_config(config)
    x = torch.rand(2, 3000)
    torch.testing.assert_close(clone(x), layer(x))
