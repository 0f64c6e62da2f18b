"""`STFTSpectrogram` and `MelSpectrogram` beside real Keras 3 (torch backend): same input, same output
(float32 tolerance), same kernels, output shapes and configs."""
import keras
import numpy as np
import pytest
import torch

import torchkeras

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

RNG = np.random.default_rng(0)
SIGNAL = RNG.normal(size=(2, 700, 3)).astype("float32")
AUDIO = RNG.uniform(-1, 1, size=(2, 3000)).astype("float32")


def _np(x):
    return x.detach().cpu().numpy() if isinstance(x, torch.Tensor) else np.asarray(x)


def _configs_equal(ours, theirs):
    a, b = ours.get_config(), theirs.get_config()
    a.pop("name"), b.pop("name")
    assert a == b


STFT_CASES = [
    {},
    {"mode": "magnitude", "frame_length": 64, "frame_step": 16, "fft_length": 128, "window": "hamming"},
    {"mode": "psd", "frame_length": 50, "padding": "same", "periodic": True, "scaling": "spectrum"},
    {"mode": "real", "frame_length": 32, "window": None, "scaling": None},
    {"mode": "imag", "frame_length": 32, "expand_dims": True},
    {"mode": "angle", "frame_length": 40, "frame_step": 10, "padding": "same", "expand_dims": True},
    {"mode": "stft", "frame_length": 30, "fft_length": 32, "window": "blackman"},
    {"mode": "log", "frame_length": 48, "data_format": "channels_first"},
    {"mode": "stft", "frame_length": 48, "data_format": "channels_first", "expand_dims": True, "padding": "same"},
    {"mode": "magnitude", "frame_length": 16, "window": list(np.linspace(0.1, 1.0, 16))},
]


@pytest.mark.parametrize("kwargs", STFT_CASES, ids=[",".join(f"{k}" for k in c) or "defaults" for c in STFT_CASES])
def test_stft_spectrogram_matches_keras(kwargs):
    x = SIGNAL if kwargs.get("data_format") != "channels_first" else np.ascontiguousarray(SIGNAL.transpose(0, 2, 1))
    ours, theirs = torchkeras.layers.STFTSpectrogram(**kwargs), keras.layers.STFTSpectrogram(**kwargs)
    a, b = ours(torch.tensor(x)), theirs(torch.tensor(x))
    assert tuple(a.shape) == tuple(b.shape)
    assert tuple(ours.compute_output_shape(x.shape)) == tuple(theirs.compute_output_shape(x.shape))
    assert [w.name for w in ours.weights] == [w.name for w in theirs.weights]
    for w_ours, w_theirs in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(w_ours, w_theirs, rtol=1e-6, atol=1e-6)
    atol = 1e-3 if kwargs.get("mode") == "angle" else 2e-4  # angles of near-zero bins are ill-conditioned
    np.testing.assert_allclose(_np(a), _np(b), rtol=1e-4, atol=atol)
    _configs_equal(ours, theirs)


def test_stft_spectrogram_symbolic_shape_and_gradient():
    k_inputs, t_inputs = keras.Input((None, 2)), torchkeras.Input((None, 2))
    kwargs = {"frame_length": 64, "frame_step": 32, "padding": "same"}
    assert tuple(torchkeras.layers.STFTSpectrogram(**kwargs)(t_inputs).shape) == tuple(
        keras.layers.STFTSpectrogram(**kwargs)(k_inputs).shape)
    # Trainable kernels: same gradient as Keras for the same loss.
    ours, theirs = torchkeras.layers.STFTSpectrogram(mode="magnitude", frame_length=32), \
        keras.layers.STFTSpectrogram(mode="magnitude", frame_length=32)
    x = torch.tensor(SIGNAL[:, :200])
    ours(x).sum().backward()
    theirs(x).sum().backward()
    for a, b in zip(ours.trainable_weights, theirs.trainable_weights):
        np.testing.assert_allclose(_np(a.grad), _np(b.value.grad), rtol=1e-4, atol=1e-3)


MEL_CASES = [
    {"fft_length": 256, "sequence_stride": 64, "num_mel_bins": 32, "sampling_rate": 8000},
    {"fft_length": 512, "sequence_stride": 128, "sequence_length": 400, "window": "hamming", "num_mel_bins": 40,
     "min_freq": 50.0, "max_freq": 3000.0, "top_db": 60.0},
    {"fft_length": 256, "sequence_stride": 100, "power_to_db": False, "mag_exp": 1.0, "num_mel_bins": 16},
    {"fft_length": 128, "sequence_stride": 32, "window": None, "ref_power": 2.0, "min_power": 1e-6},
]


@pytest.mark.parametrize("kwargs", MEL_CASES)
@pytest.mark.parametrize("batched", [True, False])
def test_mel_spectrogram_matches_keras(kwargs, batched):
    x = AUDIO if batched else AUDIO[0]
    ours, theirs = torchkeras.layers.MelSpectrogram(**kwargs), keras.layers.MelSpectrogram(**kwargs)
    a, b = ours(torch.tensor(x)), theirs(torch.tensor(x))
    assert tuple(a.shape) == tuple(b.shape)
    assert str(a.dtype) == str(b.dtype)
    assert tuple(ours.compute_output_shape(x.shape)) == tuple(theirs.compute_output_shape(x.shape))
    tolerance = {"rtol": 1e-4, "atol": 1e-3} if kwargs.get("power_to_db", True) else {"rtol": 1e-4, "atol": 1e-5}
    np.testing.assert_allclose(_np(a), _np(b), **tolerance)
    _configs_equal(ours, theirs)


def test_mel_weight_matrix_matches_keras():
    ours, theirs = torchkeras.layers.MelSpectrogram(), keras.layers.MelSpectrogram()
    kwargs = {"num_mel_bins": 24, "num_spectrogram_bins": 257, "sampling_rate": 16000, "lower_edge_hertz": 30.0,
              "upper_edge_hertz": 7000.0}
    np.testing.assert_allclose(_np(ours.linear_to_mel_weight_matrix(**kwargs)),
                               _np(theirs.linear_to_mel_weight_matrix(**kwargs)), rtol=1e-5, atol=1e-6)


def test_mel_spectrogram_float64():
    kwargs = {"fft_length": 256, "sequence_stride": 64, "num_mel_bins": 20, "dtype": "float64"}
    ours, theirs = torchkeras.layers.MelSpectrogram(**kwargs), keras.layers.MelSpectrogram(**kwargs)
    x = torch.tensor(AUDIO.astype("float64"))
    a, b = ours(x), theirs(x)
    assert a.dtype == torch.float64 and str(b.dtype) == "torch.float64"
    np.testing.assert_allclose(_np(a), _np(b), rtol=1e-6, atol=1e-6)
