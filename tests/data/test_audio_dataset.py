"""`keras.utils.audio_dataset_from_directory`: `.wav` decoding as TensorFlow scales it, labels, padding and
cropping, ragged batches, resampling, validation splits, errors, and training on the result."""
import wave

import numpy as np
import pytest
import torch

import torchkeras
from torchkeras.utils import audio_dataset_from_directory
from torchkeras.utils.audio_dataset_utils import read_wav


def _write_wav(path, samples, rate=8000, width=2):
    """`samples`: int array `(frames, channels)` in the PCM range of `width` bytes."""
    samples = np.asarray(samples)
    if width == 1:
        raw = samples.astype(np.uint8).tobytes()
    elif width == 2:
        raw = samples.astype("<i2").tobytes()
    elif width == 3:
        values = samples.astype(np.int64).reshape(-1) & 0xFFFFFF
        raw = np.stack([values & 0xFF, (values >> 8) & 0xFF, values >> 16], axis=1).astype(np.uint8).tobytes()
    else:
        raw = samples.astype("<i4").tobytes()
    with wave.open(str(path), "wb") as f:
        f.setnchannels(samples.shape[1])
        f.setsampwidth(width)
        f.setframerate(rate)
        f.writeframes(raw)


def _make_tree(root, lengths=((40, 25, 30), (50, 10)), channels=1):
    rng = np.random.default_rng(0)
    clips = {}
    for c, class_lengths in enumerate(lengths):
        folder = root / f"class_{'ab'[c]}"
        folder.mkdir(parents=True)
        for i, n in enumerate(class_lengths):
            samples = rng.integers(-32768, 32768, size=(n, channels))
            _write_wav(folder / f"clip_{i}.wav", samples)
            clips[str(folder / f"clip_{i}.wav")] = samples
    (root / "class_a" / "notes.txt").write_text("not audio")
    return clips


@pytest.mark.parametrize("width,values,expected", [
    (2, [[-32768], [0], [16384], [32767]], [-1.0, 0.0, 0.5, 32767 / 32768]),
    (1, [[0], [128], [192], [255]], [-1.0, 0.0, 0.5, 127 / 128]),
    (3, [[-(1 << 23)], [0], [1 << 22], [(1 << 23) - 1]], [-1.0, 0.0, 0.5, ((1 << 23) - 1) / (1 << 23)]),
    (4, [[-(1 << 31)], [0], [1 << 30], [(1 << 31) - 1]], [-1.0, 0.0, 0.5, 1.0]),
])
def test_read_wav_scales_like_tensorflow(tmp_path, width, values, expected):
    _write_wav(tmp_path / "x.wav", np.array(values), rate=16000, width=width)
    audio, rate = read_wav(tmp_path / "x.wav")
    assert rate == 16000 and audio.dtype == np.float32 and audio.shape == (4, 1)
    np.testing.assert_allclose(audio[:, 0], expected, rtol=0, atol=1e-7)


def test_padded_batches_and_labels(tmp_path, capsys):
    clips = _make_tree(tmp_path)
    ds = audio_dataset_from_directory(tmp_path, batch_size=2, shuffle=False)
    assert "Found 5 files belonging to 2 classes." in capsys.readouterr().out
    assert ds.class_names == ["class_a", "class_b"]
    batches = list(ds)
    assert len(batches) == len(ds) == 3
    x, y = batches[0]
    assert x.dtype == torch.float32 and y.dtype == torch.int32
    assert tuple(x.shape) == (2, 40, 1)  # padded to the longest clip of the batch
    np.testing.assert_array_equal(y.numpy(), [0, 0])
    paths = sorted(clips)
    np.testing.assert_allclose(x[1, :25, 0].numpy(), clips[paths[1]][:, 0] / 32768.0)
    assert torch.all(x[1, 25:] == 0)
    assert torch.cat([b[1] for b in batches]).tolist() == [0, 0, 0, 1, 1]


def test_output_sequence_length_label_modes_and_channels(tmp_path):
    _make_tree(tmp_path, channels=2)
    ds = audio_dataset_from_directory(tmp_path, batch_size=5, output_sequence_length=30, label_mode="categorical",
                                      shuffle=False, verbose=False)
    x, y = next(iter(ds))
    assert tuple(x.shape) == (5, 30, 2) and tuple(y.shape) == (5, 2) and y.dtype == torch.float32
    np.testing.assert_array_equal(y.numpy().argmax(-1), [0, 0, 0, 1, 1])
    assert torch.all(x[3, 10:] != 0) and torch.all(x[4, 10:] == 0)  # cropped from 50, padded from 10
    binary = audio_dataset_from_directory(tmp_path, label_mode="binary", batch_size=5, shuffle=False,
                                          verbose=False)
    assert tuple(next(iter(binary))[1].shape) == (5, 1)
    unlabelled = audio_dataset_from_directory(tmp_path, labels=None, batch_size=2, verbose=False, seed=3)
    batch = next(iter(unlabelled))
    assert isinstance(batch, torch.Tensor) and batch.shape[0] == 2


def test_ragged_unbatched_and_resampled(tmp_path):
    _make_tree(tmp_path)
    ragged = audio_dataset_from_directory(tmp_path, ragged=True, batch_size=5, shuffle=False, verbose=False)
    x, _ = next(iter(ragged))
    assert x.is_nested and [t.shape[0] for t in x.unbind()] == [40, 25, 30, 50, 10]
    single = audio_dataset_from_directory(tmp_path, batch_size=None, shuffle=False, verbose=False)
    x, y = next(iter(single))
    assert tuple(x.shape) == (40, 1) and y.dtype == torch.int32
    pytest.importorskip("scipy")
    resampled = audio_dataset_from_directory(tmp_path, batch_size=None, sampling_rate=16000, shuffle=False,
                                             verbose=False)
    x, _ = next(iter(resampled))
    assert tuple(x.shape) == (80, 1)  # 8 kHz -> 16 kHz doubles the samples


def test_validation_split(tmp_path):
    _make_tree(tmp_path, lengths=((20,) * 6, (20,) * 4))
    train, val = audio_dataset_from_directory(tmp_path, validation_split=0.2, subset="both", seed=7,
                                              batch_size=3, verbose=False)
    assert len(train.dataset) == 8 and len(val.dataset) == 2
    assert not set(train.dataset.paths) & set(val.dataset.paths)
    only_val = audio_dataset_from_directory(tmp_path, validation_split=0.2, subset="validation", seed=7,
                                            verbose=False)
    assert only_val.dataset.paths == val.dataset.paths


def test_errors(tmp_path):
    _make_tree(tmp_path)
    with pytest.raises(ValueError, match="ragged"):
        audio_dataset_from_directory(tmp_path, ragged=True, output_sequence_length=10)
    with pytest.raises(ValueError, match="integer value"):
        audio_dataset_from_directory(tmp_path, sampling_rate=16000.0)
    with pytest.raises(ValueError, match="higher than 0"):
        audio_dataset_from_directory(tmp_path, sampling_rate=0)
    with pytest.raises(ValueError, match="label_mode"):
        audio_dataset_from_directory(tmp_path, label_mode="sparse")
    with pytest.raises(ValueError, match="seed"):
        audio_dataset_from_directory(tmp_path, validation_split=0.2, subset="training")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="No audio files"):
        audio_dataset_from_directory(tmp_path / "empty", labels=None, verbose=False)
    (tmp_path / "class_a" / "bad.wav").write_bytes(b"RIFF0000WAVEjunk")
    ds = audio_dataset_from_directory(tmp_path, shuffle=False, verbose=False)
    with pytest.raises(ValueError, match="Could not decode"):
        list(ds)


def test_fit_on_audio_dataset(tmp_path):
    _make_tree(tmp_path)
    ds = audio_dataset_from_directory(tmp_path, batch_size=2, output_sequence_length=32, seed=1, verbose=False)
    model = torchkeras.Sequential([torchkeras.Input((32, 1)), torchkeras.layers.Flatten(),
                                   torchkeras.layers.Dense(2)])
    model.compile("adam", torchkeras.losses.SparseCategoricalCrossentropy(from_logits=True))
    history = model.fit(ds, epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2
