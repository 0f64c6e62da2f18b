"""Datasets from directories and arrays: `image_dataset_from_directory`, `text_dataset_from_directory`,
`timeseries_dataset_from_array`, `split_dataset`.

Keras builds `tf.data` pipelines here; torchkeras returns `torch.utils.data.DataLoader`s over map-style
datasets (so `fit`, `evaluate` and `predict` take them directly, `len()` is the number of batches, and
`num_workers` can be changed on the loader's dataset by building your own `DataLoader`). The loaders carry
Keras's extra attributes: `class_names` (and `file_paths` for images). Shuffling is seeded: the file order
is shuffled once with `np.random.RandomState(seed)` like Keras, and each epoch draws a new batch order from
a `torch.Generator` seeded with `seed`.
"""
import os
import random

import numpy as np
import torch

from torchkeras.api_export import keras_export
from torchkeras.backend import config
from torchkeras.utils import io_utils

IMAGE_FORMATS = (".bmp", ".gif", ".jpeg", ".jpg", ".png")


# --- indexing a directory of class subfolders -----------------------------------------------------------
def _valid_files(directory, follow_links, formats):
    walk = sorted(os.walk(directory, followlinks=follow_links), key=lambda entry: entry[0])
    for root, _, files in walk:
        for fname in sorted(files):
            if fname.lower().endswith(formats):
                yield root, fname


def index_directory(directory, labels, formats, class_names=None, shuffle=True, seed=None, follow_links=False,
                    verbose=True):
    """`(file_paths, labels, class_names)` for the files of `directory` with one of the `formats`.

    With `labels="inferred"` each non-hidden subdirectory (sorted by name) is a class; `class_names` may
    pick a subset and fix their order. With `labels=None` the files are unlabelled; with a list, `labels`
    gives one label per file in sorted order.
    """
    if not os.path.isdir(directory):
        raise ValueError(f"Could not find directory {directory}.")
    if labels == "inferred":
        subdirs = [d for d in sorted(os.listdir(directory))
                   if os.path.isdir(os.path.join(directory, d)) and not d.startswith(".")]
        if class_names is not None:
            if not set(class_names).issubset(set(subdirs)):
                raise ValueError(
                    "The `class_names` passed did not match the names of the subdirectories of the target "
                    f"directory. Expected: {subdirs} (or a subset of it), but received: class_names={class_names}")
            subdirs = list(class_names)
    else:
        subdirs = [""]
        if class_names is not None:
            if labels is None:
                raise ValueError("When `labels=None` (no labels), argument `class_names` cannot be specified.")
            raise ValueError(
                "When argument `labels` is specified, argument `class_names` cannot be specified (the "
                "`class_names` will be the sorted list of labels).")
    class_names = subdirs
    filenames, file_labels = [], []
    for index, subdir in enumerate(subdirs):
        base = os.path.join(directory, subdir)
        for root, fname in _valid_files(base, follow_links, formats):
            filenames.append(os.path.join(subdir, os.path.relpath(os.path.join(root, fname), base)))
            file_labels.append(index)
    if labels == "inferred":
        labels = np.asarray(file_labels, dtype="int32")
    elif labels is None:
        class_names = None
    else:
        if len(labels) != len(filenames):
            raise ValueError(
                "Expected the lengths of `labels` to match the number of files in the target directory. "
                f"len(labels) is {len(labels)} while we found {len(filenames)} files in directory {directory}.")
        class_names = [str(label) for label in sorted(set(labels))]
        labels = np.asarray(labels)
    if verbose:
        if labels is None:
            io_utils.print_msg(f"Found {len(filenames)} files.")
        else:
            io_utils.print_msg(f"Found {len(filenames)} files belonging to {len(class_names)} classes.")
    file_paths = [os.path.normpath(os.path.join(directory, f)) if f.startswith(os.sep) else
                  os.path.join(directory, f) for f in filenames]
    if shuffle:
        if seed is None:
            seed = np.random.randint(1e6)
        np.random.RandomState(seed).shuffle(file_paths)
        if labels is not None:
            np.random.RandomState(seed).shuffle(labels)
    return file_paths, labels, class_names


def check_validation_split_arg(validation_split, subset, shuffle, seed):
    if validation_split and not 0 < validation_split < 1:
        raise ValueError(f"`validation_split` must be between 0 and 1, received: {validation_split}")
    if (validation_split or subset) and not (validation_split and subset):
        raise ValueError("If `subset` is set, `validation_split` must be set, and inversely.")
    if subset not in ("training", "validation", "both", None):
        raise ValueError(f'`subset` must be either "training", "validation" or "both", received: {subset}')
    if validation_split and shuffle and seed is None:
        raise ValueError(
            "If using `validation_split` and shuffling the data, you must provide a `seed` argument, to make "
            "sure that there is no overlap between the training and validation subset.")


def get_training_or_validation_split(samples, labels, validation_split, subset):
    """The last `int(validation_split * n)` samples are the validation subset, the others the training one."""
    if not validation_split:
        return samples, labels
    num_val = int(validation_split * len(samples))
    if subset == "training":
        io_utils.print_msg(f"Using {len(samples) - num_val} files for training.")
        samples = samples[:-num_val]
        labels = None if labels is None else labels[:-num_val]
    elif subset == "validation":
        io_utils.print_msg(f"Using {num_val} files for validation.")
        samples = samples[-num_val:]
        labels = None if labels is None else labels[-num_val:]
    else:
        raise ValueError(f'`subset` must be either "training" or "validation", received: {subset}')
    return samples, labels


def _check_labels_args(labels, label_mode, class_names, what):
    if labels not in ("inferred", None):
        if not isinstance(labels, (list, tuple)):
            raise ValueError(
                f"`labels` argument should be a list/tuple of integer labels, of the same size as the number of "
                f"{what} files in the target directory. If you wish to infer the labels from the subdirectory "
                'names in the target directory, pass `labels="inferred"`. If you wish to get a dataset that '
                f"only contains {what} samples (no labels), pass `labels=None`. Received: labels={labels}")
        if class_names:
            raise ValueError(
                f'You can only pass `class_names` if `labels="inferred"`. Received: labels={labels}, and '
                f"class_names={class_names}")
    if label_mode not in {"int", "categorical", "binary", None}:
        raise ValueError(
            '`label_mode` argument must be one of "int", "categorical", "binary", or None. '
            f"Received: label_mode={label_mode}")


def _encode_label(label, label_mode, num_classes):
    if label_mode == "binary":
        return torch.tensor([float(label)], dtype=torch.float32)
    if label_mode == "categorical":
        out = torch.zeros(num_classes, dtype=torch.float32)
        out[int(label)] = 1.0
        return out
    return torch.tensor(int(label), dtype=torch.int32)


# --- map-style datasets ---------------------------------------------------------------------------------
class LabelledFiles(torch.utils.data.Dataset):
    """Files and their labels; `load(path)` reads one sample."""

    def __init__(self, paths, labels, label_mode, num_classes, load):
        self.paths = list(paths)
        self.labels = labels
        self.label_mode = label_mode
        self.num_classes = num_classes
        self.load = load

    def __len__(self):
        return len(self.paths)

    def __getitem__(self, index):
        sample = self.load(self.paths[index])
        if self.label_mode is None:
            return sample
        return sample, _encode_label(self.labels[index], self.label_mode, self.num_classes)


class ImageLoader:
    """Read an image file into a float32 tensor of `image_size` (picklable, for DataLoader workers)."""

    def __init__(self, image_size, num_channels, interpolation, data_format, crop_to_aspect_ratio,
                 pad_to_aspect_ratio):
        self.image_size = tuple(image_size)
        self.color_mode = {1: "grayscale", 3: "rgb", 4: "rgba"}[num_channels]
        self.interpolation = interpolation
        self.data_format = data_format
        self.crop = crop_to_aspect_ratio
        self.pad = pad_to_aspect_ratio

    def __call__(self, path):
        from torchkeras.ops.image import resize
        from torchkeras.utils import image_utils

        img = image_utils.load_img(path, color_mode=self.color_mode)
        x = torch.from_numpy(np.array(img, dtype="float32"))
        if x.dim() == 2:
            x = x.unsqueeze(-1)
        if self.data_format == "channels_first":
            x = x.permute(2, 0, 1)
        if self.crop:
            return image_utils.smart_resize(x, self.image_size, interpolation=self.interpolation,
                                            data_format=self.data_format).contiguous()
        return resize(x, self.image_size, interpolation=self.interpolation, pad_to_aspect_ratio=self.pad,
                      data_format=self.data_format).contiguous()


class TextLoader:
    """Read a text file into a string, keeping at most `max_length` characters."""

    def __init__(self, max_length):
        self.max_length = max_length

    def __call__(self, path):
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read()
        return text if self.max_length is None else text[:self.max_length]


def collate_strings(batch):
    """Batch text samples as a NumPy object array of str (torch has no string tensors)."""
    if batch and isinstance(batch[0], tuple):
        texts = np.array([b[0] for b in batch], dtype=object)
        return (texts,) + tuple(torch.stack([b[i] for b in batch]) for i in range(1, len(batch[0])))
    return np.array(batch, dtype=object)


def make_loader(dataset, batch_size, shuffle, seed, collate_fn=None, **attributes):
    """A `DataLoader` over `dataset`; with `shuffle`, each epoch is a new permutation drawn from a
    `torch.Generator` seeded with `seed`. Extra keyword arguments become attributes of the loader."""
    generator = None
    if shuffle:
        generator = torch.Generator()
        generator.manual_seed(int(seed) if seed is not None else int(np.random.randint(1e6)))
    kwargs = {"collate_fn": collate_fn} if collate_fn is not None else {}
    if batch_size is None and collate_fn is collate_strings:
        kwargs = {}
    loader = torch.utils.data.DataLoader(dataset, batch_size=batch_size, shuffle=bool(shuffle),
                                         generator=generator, **kwargs)
    for key, value in attributes.items():
        setattr(loader, key, value)
    return loader


def _from_directory(directory, labels, label_mode, class_names, batch_size, shuffle, seed, validation_split,
                    subset, follow_links, verbose, formats, what, load, collate_fn, keep_file_paths):
    if labels is None or label_mode is None:
        labels = label_mode = None
    check_validation_split_arg(validation_split, subset, shuffle, seed)
    if seed is None:
        seed = np.random.randint(1e6)
    paths, file_labels, class_names = index_directory(directory, labels, formats=formats,
                                                      class_names=class_names, shuffle=shuffle, seed=seed,
                                                      follow_links=follow_links, verbose=verbose)
    if label_mode == "binary" and len(class_names) != 2:
        raise ValueError(
            'When passing `label_mode="binary"`, there must be exactly 2 class_names. '
            f"Received: class_names={class_names}")
    num_classes = len(class_names) if class_names else 0
    allowed = f"Allowed formats: {formats}" if what == "images" else "Allowed format: .txt"

    def build(subset_paths, subset_labels, subset_shuffle, kind):
        if not subset_paths:
            raise ValueError(f"No {kind}{what if what == 'images' else 'text files'} found in directory "
                             f"{directory}. {allowed}")
        data = LabelledFiles(subset_paths, subset_labels, label_mode, num_classes, load)
        extra = {"class_names": class_names}
        if keep_file_paths:
            extra["file_paths"] = list(subset_paths)
        return make_loader(data, batch_size, subset_shuffle, seed, collate_fn, **extra)

    if subset == "both":
        train = get_training_or_validation_split(paths, file_labels, validation_split, "training")
        val = get_training_or_validation_split(paths, file_labels, validation_split, "validation")
        return [build(*train, shuffle, "training "), build(*val, False, "validation ")]
    paths, file_labels = get_training_or_validation_split(paths, file_labels, validation_split, subset)
    return build(paths, file_labels, shuffle, "")


@keras_export("keras.utils.image_dataset_from_directory", "keras.preprocessing.image_dataset_from_directory")
def image_dataset_from_directory(directory, labels="inferred", label_mode="int", class_names=None,
                                 color_mode="rgb", batch_size=32, image_size=(256, 256), shuffle=True, seed=None,
                                 validation_split=None, subset=None, interpolation="bilinear", follow_links=False,
                                 crop_to_aspect_ratio=False, pad_to_aspect_ratio=False, data_format=None,
                                 format="torch", verbose=True):
    """Batches of `(images, labels)` from a directory with one subdirectory per class.

    Images (`.bmp .gif .jpeg .jpg .png`) are float32 tensors of shape `(batch, *image_size, channels)`
    (channels_last). `label_mode`: `"int"` (int32), `"categorical"` (one-hot float32), `"binary"` (float32
    of shape `(batch, 1)`) or None (images only). `subset="both"` returns `[train, validation]`. The result
    is a `torch.utils.data.DataLoader` with `class_names` and `file_paths` attributes.
    """
    _check_labels_args(labels, label_mode, class_names, "image")
    channels = {"rgb": 3, "rgba": 4, "grayscale": 1}.get(color_mode)
    if channels is None:
        raise ValueError(
            f'`color_mode` must be one of {{"rgb", "rgba", "grayscale"}}. Received: color_mode={color_mode}')
    if isinstance(image_size, int):
        image_size = (image_size, image_size)
    elif not isinstance(image_size, (list, tuple)) or len(image_size) != 2:
        raise ValueError(
            f"Invalid `image_size` value. Expected a tuple of 2 integers. Received: image_size={image_size}")
    interpolation = interpolation.lower()
    supported = ("bilinear", "nearest", "bicubic", "area")
    if interpolation not in supported:
        raise ValueError(f"Argument `interpolation` should be one of {supported}. Received: interpolation="
                         f"{interpolation}")
    if format not in ("tf", "grain", "torch"):
        raise ValueError(f'`format` should be either "tf" or "grain". Received: format={format}')
    if crop_to_aspect_ratio and pad_to_aspect_ratio:
        raise ValueError("Only one of `pad_to_aspect_ratio`, `crop_to_aspect_ratio` can be set to `True`.")
    load = ImageLoader(image_size, channels, interpolation, config.standardize_data_format(data_format),
                       crop_to_aspect_ratio, pad_to_aspect_ratio)
    return _from_directory(directory, labels, label_mode, class_names, batch_size, shuffle, seed,
                           validation_split, subset, follow_links, verbose, IMAGE_FORMATS, "images", load, None,
                           keep_file_paths=True)


@keras_export("keras.utils.text_dataset_from_directory", "keras.preprocessing.text_dataset_from_directory")
def text_dataset_from_directory(directory, labels="inferred", label_mode="int", class_names=None, batch_size=32,
                                max_length=None, shuffle=True, seed=None, validation_split=None, subset=None,
                                follow_links=False, format="torch", verbose=True):
    """Batches of `(texts, labels)` from a directory of `.txt` files with one subdirectory per class.

    Texts come as NumPy object arrays of `str` (torch has no string tensors; `TextVectorization` takes them),
    truncated to `max_length` characters. Labels as in `image_dataset_from_directory`. The result is a
    `torch.utils.data.DataLoader` with a `class_names` attribute.
    """
    _check_labels_args(labels, label_mode, class_names, "text")
    if format not in ("tf", "grain", "torch"):
        raise ValueError(f'`format` should be either "tf" or "grain". Received: format={format}')
    return _from_directory(directory, labels, label_mode, class_names, batch_size, shuffle, seed,
                           validation_split, subset, follow_links, verbose, (".txt",), "text",
                           TextLoader(max_length), collate_strings, keep_file_paths=False)


# --- timeseries -----------------------------------------------------------------------------------------
class TimeseriesWindows(torch.utils.data.Dataset):
    """Windows `data[start + p + i * sampling_rate]` (i < sequence_length) and targets `targets[start + p]`,
    fetched a whole batch at a time with one gather."""

    def __init__(self, data, targets, positions, sequence_length, sampling_rate):
        self.data = data
        self.targets = targets
        self.positions = positions
        self.offsets = torch.arange(sequence_length) * sampling_rate

    def __len__(self):
        return len(self.positions)

    def __getitems__(self, indices):
        starts = self.positions[torch.as_tensor(indices, dtype=torch.long)]
        windows = self.data[starts.unsqueeze(1) + self.offsets]
        if self.targets is None:
            return windows
        return windows, self.targets[starts]

    def __getitem__(self, index):
        windows = self.__getitems__([index])
        if self.targets is None:
            return windows[0]
        return windows[0][0], windows[1][0]


def _first(batch):
    return batch


def _as_tensor(array):
    if isinstance(array, torch.Tensor):
        return array
    array = np.asarray(array)
    if not array.flags.writeable or not array.flags.c_contiguous:
        array = np.ascontiguousarray(array).copy()
    return torch.from_numpy(array)


@keras_export("keras.utils.timeseries_dataset_from_array", "keras.preprocessing.timeseries_dataset_from_array")
def timeseries_dataset_from_array(data, targets, sequence_length, sequence_stride=1, sampling_rate=1,
                                  batch_size=128, shuffle=False, seed=None, start_index=None, end_index=None,
                                  format="torch"):
    """Batches of sliding windows over `data` (and the matching `targets`).

    Window `i` starts at row `start_index + i * sequence_stride` and takes `sequence_length` rows spaced by
    `sampling_rate`; its target is the target at its first row (`targets=None` yields windows only). The
    result is a `torch.utils.data.DataLoader` (tensors keep the arrays' dtypes).
    """
    n = len(data)
    if start_index:
        if start_index < 0:
            raise ValueError(f"`start_index` must be 0 or greater. Received: start_index={start_index}")
        if start_index >= n:
            raise ValueError(
                "`start_index` must be lower than the length of the data. Received: "
                f"start_index={start_index}, for data of length {n}")
    if end_index:
        if start_index and end_index <= start_index:
            raise ValueError(
                "`end_index` must be higher than `start_index`. Received: "
                f"start_index={start_index}, and end_index={end_index} ")
        if end_index >= n:
            raise ValueError(
                "`end_index` must be lower than the length of the data. Received: "
                f"end_index={end_index}, for data of length {n}")
        if end_index <= 0:
            raise ValueError(f"`end_index` must be higher than 0. Received: end_index={end_index}")
    for name, value in (("sampling_rate", sampling_rate), ("sequence_stride", sequence_stride)):
        if value <= 0:
            raise ValueError(f"`{name}` must be higher than 0. Received: {name}={value}")
        if value >= n:
            raise ValueError(
                f"`{name}` must be lower than the length of the data. Received: {name}={value}, for data of "
                f"length {n}")
    if format not in ("tf", "grain", "torch"):
        raise ValueError(f'`format` should be either "tf" or "grain". Received: format={format}')
    start_index = start_index or 0
    end_index = end_index or n
    num_seqs = end_index - start_index - (sequence_length - 1) * sampling_rate
    if targets is not None:
        num_seqs = min(num_seqs, len(targets))
    positions = np.arange(0, max(num_seqs, 0), sequence_stride, dtype="int64")
    if shuffle:
        if seed is None:
            seed = np.random.randint(1e6)
        np.random.RandomState(seed).shuffle(positions)
    windows = TimeseriesWindows(_as_tensor(data)[start_index:end_index],
                                None if targets is None else _as_tensor(targets)[start_index:],
                                torch.from_numpy(positions), sequence_length, sampling_rate)
    if batch_size is None:
        return make_loader(windows, None, shuffle, seed)
    return make_loader(windows, batch_size, shuffle, seed, collate_fn=_first)


# --- split_dataset --------------------------------------------------------------------------------------
def _split_sizes(left_size, right_size, total):
    """Resolve `left_size`/`right_size` (int counts, float fractions or None) to two positive counts."""
    lt, rt = type(left_size), type(right_size)
    if left_size is None and right_size is None:
        raise ValueError(
            "At least one of the `left_size` or `right_size` must be specified. Received: left_size=None and "
            "right_size=None")
    if left_size is not None and lt not in (int, float):
        raise TypeError(f"Invalid `left_size` Type. Expected: int or float or None, Received: type(left_size)={lt}.")
    if right_size is not None and rt not in (int, float):
        raise TypeError(
            f"Invalid `right_size` Type. Expected: int or float or None,Received: type(right_size)={rt}.")
    if left_size == 0 and right_size == 0:
        raise ValueError(
            "Both `left_size` and `right_size` are zero. At least one of the split sizes must be non-zero.")
    if (lt is int and (left_size <= 0 or left_size >= total)) or (lt is float and not 0 < left_size < 1):
        raise ValueError(
            f"`left_size` should be either a positive integer smaller than {total}, or a float within the "
            f"range `[0, 1]`. Received: left_size={left_size}")
    if (rt is int and (right_size <= 0 or right_size >= total)) or (rt is float and not 0 < right_size < 1):
        raise ValueError(
            f"`right_size` should be either a positive integer and smaller than {total} or a float within the "
            f"range `[0, 1]`. Received: right_size={right_size}")
    if lt is float and rt is float and left_size + right_size > 1:
        raise ValueError(
            "The sum of `left_size` and `right_size` is greater than 1. It must be less than or equal to 1.")
    left = round(left_size * total) if lt is float else left_size
    right = round(right_size * total) if rt is float else right_size
    if left is None:
        left = total - right
    elif right is None:
        right = total - left
    if left + right > total:
        raise ValueError(
            f"The sum of `left_size` and `right_size` should be smaller than the {total}. Received: "
            f"left_size + right_size = {left + right}and total_length = {total}")
    for size, side in ((left, "left"), (right, "right")):
        if size == 0:
            raise ValueError(
                f"With `dataset` of length={total}, `left_size`={left} and `right_size`={right}.Resulting "
                f"{side} side dataset split will be empty. Adjust any of the aforementioned parameters")
    return int(left), int(right)


def _to_torch_dataset(dataset):
    if isinstance(dataset, torch.utils.data.Dataset):
        return dataset
    if isinstance(dataset, np.ndarray):
        return torch.utils.data.TensorDataset(_as_tensor(dataset))
    if isinstance(dataset, (list, tuple)):
        if not dataset:
            raise ValueError("Received an empty list dataset. Please provide a non-empty list of arrays.")
        arrays = []
        for i, element in enumerate(dataset):
            if not isinstance(element, (np.ndarray, torch.Tensor)):
                raise ValueError(
                    f"Expected a list of `numpy.ndarray` objects,Received: {type(element)} at index {i}.")
            if len(element) != len(dataset[0]):
                raise ValueError(
                    "Received a list of NumPy arrays with different lengths.Mismatch found at index "
                    f"{i}, Expected shape={tuple(dataset[0].shape)} Received shape={tuple(element.shape)}.Please "
                    "provide a list of NumPy arrays of the same length.")
            arrays.append(_as_tensor(element))
        return torch.utils.data.TensorDataset(*arrays)
    raise TypeError(
        "The `dataset` argument must be a `torch.utils.data.Dataset` object, or a list/tuple of arrays. "
        f"Received: dataset={dataset} of type {type(dataset)}")


@keras_export("keras.utils.split_dataset")
def split_dataset(dataset, left_size=None, right_size=None, shuffle=False, seed=None, preferred_backend=None):
    """Split a dataset (arrays, a tuple/list of arrays, or a torch `Dataset`) into two `torch` Subsets.

    Sizes are counts (int) or fractions (float); the missing one is the complement. With `shuffle=True`
    the samples are assigned by `torch.utils.data.random_split` seeded with `seed` (as Keras's torch
    backend does); without it, the left split is the first `left_size` samples and the right split the
    last `right_size` ones.
    """
    if preferred_backend not in (None, "torch"):
        raise ValueError(
            f"torchkeras only builds torch datasets: `preferred_backend` must be None or 'torch'. Received: "
            f"preferred_backend={preferred_backend}")
    dataset = _to_torch_dataset(dataset)
    total = len(dataset)
    left, right = _split_sizes(left_size, right_size, total)
    if shuffle:
        generator = torch.Generator()
        if seed is None:
            seed = random.randint(0, int(1e6))
        generator.manual_seed(int(seed))
        return tuple(torch.utils.data.random_split(dataset, [left, right], generator=generator))
    return (torch.utils.data.Subset(dataset, range(left)),
            torch.utils.data.Subset(dataset, range(total - right, total)))
