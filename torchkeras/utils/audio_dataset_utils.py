"""`keras.utils.audio_dataset_from_directory`: batches of `.wav` audio (and labels) from a directory.

Keras builds a `tf.data` pipeline decoding with `tf.audio.decode_wav`; torchkeras returns a
`torch.utils.data.DataLoader` (like `image_dataset_from_directory`) and reads PCM `.wav` files with the
standard library's `wave` module, scaled to `[-1, 1)` float32 as TensorFlow does (16-bit samples divided by
32768).
"""
import wave

import numpy as np
import torch

from torchkeras.api_export import keras_export
from torchkeras.utils import dataset_utils

ALLOWED_FORMATS = (".wav",)


def read_wav(path):
    """`(audio, sampling_rate)`: the samples of a PCM `.wav` file as float32 of shape `(samples, channels)`
    in `[-1, 1)` (8-bit unsigned, 16-, 24- and 32-bit signed PCM)."""
    try:
        with wave.open(str(path), "rb") as f:
            channels, width, rate, count = f.getnchannels(), f.getsampwidth(), f.getframerate(), f.getnframes()
            raw = f.readframes(count)
    except (wave.Error, EOFError) as e:
        raise ValueError(
            f"Could not decode the audio file {path}: {e}. Only uncompressed PCM `.wav` files are supported."
        ) from None
    data = np.frombuffer(raw, dtype=np.uint8)
    if width == 1:
        samples = (data.astype(np.float32) - 128.0) / 128.0
    elif width == 2:
        samples = np.frombuffer(raw, dtype="<i2").astype(np.float32) / 32768.0
    elif width == 3:
        triples = data.reshape(-1, 3).astype(np.int32)
        values = triples[:, 0] | (triples[:, 1] << 8) | (triples[:, 2] << 16)
        values = np.where(values >= 1 << 23, values - (1 << 24), values)
        samples = values.astype(np.float32) / float(1 << 23)
    elif width == 4:
        samples = (np.frombuffer(raw, dtype="<i4").astype(np.float64) / float(1 << 31)).astype(np.float32)
    else:
        raise ValueError(f"Unsupported sample width of {8 * width} bits in the audio file {path}.")
    return samples.reshape(-1, channels), rate


def _resample(audio, rate_in, rate_out):
    if rate_in == rate_out:
        return audio
    try:
        from scipy import signal
    except ImportError:
        raise ImportError(
            "To use the argument `sampling_rate`, you should install scipy (it resamples the audio). You can "
            "install it via `pip install scipy`."
        ) from None
    from math import gcd

    divisor = gcd(int(rate_in), int(rate_out))
    resampled = signal.resample_poly(audio, int(rate_out) // divisor, int(rate_in) // divisor, axis=0)
    return resampled.astype(np.float32)


class AudioLoader:
    """Read a `.wav` file into a float32 tensor `(samples, channels)`, resampled to `sampling_rate` and
    cropped or zero-padded to `output_sequence_length` (picklable, for DataLoader workers)."""

    def __init__(self, sampling_rate=None, output_sequence_length=None):
        self.sampling_rate = sampling_rate
        self.output_sequence_length = output_sequence_length

    def __call__(self, path):
        audio, rate = read_wav(path)
        length = self.output_sequence_length
        if length is not None:
            # As `tf.audio.decode_wav(desired_samples=...)`: cropped or padded before any resampling.
            if audio.shape[0] >= length:
                audio = audio[:length]
            else:
                audio = np.concatenate([audio, np.zeros((length - audio.shape[0], audio.shape[1]), np.float32)])
        if self.sampling_rate is not None:
            audio = _resample(audio, rate, self.sampling_rate)
        return torch.from_numpy(np.ascontiguousarray(audio))


class AudioCollate:
    """Batch `(audio, label)` samples: audio padded with zeros to the longest in the batch (Keras's
    `padded_batch`), or a jagged `torch.nested` tensor when `ragged`."""

    def __init__(self, ragged):
        self.ragged = ragged

    def _batch_audio(self, clips):
        if self.ragged:
            return torch.nested.nested_tensor(list(clips), layout=torch.jagged)
        longest = max(c.shape[0] for c in clips)
        out = clips[0].new_zeros((len(clips), longest, clips[0].shape[1]))
        for i, clip in enumerate(clips):
            out[i, :clip.shape[0]] = clip
        return out

    def __call__(self, batch):
        if isinstance(batch[0], tuple):
            return self._batch_audio([b[0] for b in batch]), torch.stack([b[1] for b in batch])
        return self._batch_audio(batch)


@keras_export("keras.utils.audio_dataset_from_directory")
def audio_dataset_from_directory(directory, labels="inferred", label_mode="int", class_names=None, batch_size=32,
                                 sampling_rate=None, output_sequence_length=None, ragged=False, shuffle=True,
                                 seed=None, validation_split=None, subset=None, follow_links=False, verbose=True):
    """Batches of `(audio, labels)` from a directory with one subdirectory per class of `.wav` files.

    Audio is float32 of shape `(batch, samples, channels)`: cropped or zero-padded to
    `output_sequence_length`, else zero-padded to the longest clip of the batch; with `ragged=True`, a
    `torch.nested` tensor of the clips as they are. `sampling_rate` resamples each clip (polyphase filter,
    `scipy.signal.resample_poly`; Keras uses tensorflow-io, whose values differ slightly). `label_mode`:
    `"int"` (int32 `(batch,)`), `"categorical"` (one-hot float32), `"binary"` (float32 `(batch, 1)`) or
    None (audio only). `subset="both"` returns `[train, validation]`. `batch_size=None` yields single
    samples. The result is a `torch.utils.data.DataLoader` with a `class_names` attribute.
    """
    dataset_utils._check_labels_args(labels, label_mode, class_names, "audio")
    if ragged and output_sequence_length is not None:
        raise ValueError("Cannot set both `ragged` and `output_sequence_length`")
    if sampling_rate is not None:
        if not isinstance(sampling_rate, int) or isinstance(sampling_rate, bool):
            raise ValueError(f"`sampling_rate` should have an integer value. Received: sampling_rate={sampling_rate}")
        if sampling_rate <= 0:
            raise ValueError(f"`sampling_rate` should be higher than 0. Received: sampling_rate={sampling_rate}")
    if labels is None or label_mode is None:
        labels = label_mode = None
    dataset_utils.check_validation_split_arg(validation_split, subset, shuffle, seed)
    if seed is None:
        seed = np.random.randint(1e6)
    paths, file_labels, class_names = dataset_utils.index_directory(
        directory, labels, formats=ALLOWED_FORMATS, class_names=class_names, shuffle=shuffle, seed=seed,
        follow_links=follow_links, verbose=verbose)
    if label_mode == "binary" and len(class_names) != 2:
        raise ValueError(
            f'When passing `label_mode="binary"`, there must be exactly 2 class_names. Received: class_names='
            f"{class_names}"
        )
    num_classes = len(class_names) if class_names else 0
    load = AudioLoader(sampling_rate, output_sequence_length)
    collate = AudioCollate(ragged) if batch_size is not None else None

    def build(subset_paths, subset_labels, subset_shuffle, kind):
        if not subset_paths:
            raise ValueError(f"No {kind}audio files found in directory {directory}. Allowed format(s): "
                             f"{ALLOWED_FORMATS}")
        data = dataset_utils.LabelledFiles(subset_paths, subset_labels, label_mode, num_classes, load)
        return dataset_utils.make_loader(data, batch_size, subset_shuffle, seed, collate, class_names=class_names)

    if subset == "both":
        train = dataset_utils.get_training_or_validation_split(paths, file_labels, validation_split, "training")
        val = dataset_utils.get_training_or_validation_split(paths, file_labels, validation_split, "validation")
        return [build(*train, shuffle, "training "), build(*val, False, "validation ")]
    paths, file_labels = dataset_utils.get_training_or_validation_split(paths, file_labels, validation_split,
                                                                        subset)
    return build(paths, file_labels, shuffle, "")
