"""The batch iterators of Keras 2's `ImageDataGenerator`: `NumpyArrayIterator` (`flow`), `DirectoryIterator`
(`flow_from_directory`) and `DataFrameIterator` (`flow_from_dataframe`).

Each is a `keras.utils.PyDataset` (`len`, `__getitem__`, `on_epoch_end`), so `model.fit` takes it directly,
with a worker pool when its `workers` is above 1, and also a Python iterator (`next(it)`), endlessly cycling
as in Keras 2. With a `seed`, the batches are reproducible, workers or not: batch `i` of epoch `e` draws its
random transforms from `RandomState(seed + e * len(it) + i)` (the first batch of an epoch draws the epoch's
shuffle first), which is exactly Keras 2's stream on a single thread for the first epoch. Without a seed,
NumPy's global random state is used, as in Keras 2.
"""
import collections
import os
import threading
import warnings

import numpy as np

from torchkeras.api_export import keras_export
from torchkeras.backend import config
from torchkeras.utils import image_utils
from torchkeras.utils import io_utils
from torchkeras.utils.py_dataset import PyDataset

_local = threading.local()


def current_rng():
    """The random stream of the batch being built on this thread (NumPy's global state outside a batch)."""
    return getattr(_local, "rng", None) or np.random


class _BatchStream:
    def __init__(self, rng):
        self.rng = rng

    def __enter__(self):
        self.previous = getattr(_local, "rng", None)
        _local.rng = self.rng
        return self.rng

    def __exit__(self, *exc):
        _local.rng = self.previous


@keras_export("keras.preprocessing.image.Iterator", "keras._legacy.preprocessing.image.Iterator")
class Iterator(PyDataset):
    """Base class of the image batch iterators: `n` samples in batches of `batch_size`, reshuffled every
    epoch when `shuffle`. Subclasses implement `_get_batches_of_transformed_samples(index_array)`."""

    white_list_formats = ("png", "jpg", "jpeg", "bmp", "ppm", "tif", "tiff")

    def __init__(self, n, batch_size, shuffle, seed, **kwargs):
        super().__init__(**kwargs)
        self.n = n
        self.batch_size = batch_size
        self.seed = seed
        self.shuffle = shuffle
        self.batch_index = 0
        self.total_batches_seen = 0
        self.lock = threading.Lock()
        self.index_array = None
        self._epoch = 0
        self.index_generator = self._flow_index()

    def _stream(self, position):
        return np.random.RandomState(self.seed + position) if self.seed is not None else np.random

    def _set_index_array(self, rng=None):
        self.index_array = np.arange(self.n)
        if self.shuffle:
            self.index_array = (rng or np.random).permutation(self.n)

    def __getitem__(self, idx):
        if idx >= len(self):
            raise ValueError(f"Asked to retrieve element {idx}, but the Sequence has length {len(self)}")
        first = self._epoch * len(self)
        rng = self._stream(first + idx)
        with self.lock:
            self.total_batches_seen += 1
            if self.index_array is None:
                self._set_index_array(self._stream(first))
            index_array = self.index_array[self.batch_size * idx:self.batch_size * (idx + 1)]
        if idx == 0 and self.shuffle and self.seed is not None:
            rng.permutation(self.n)  # batch 0's stream continues after the epoch's shuffle, as in Keras 2
        with _BatchStream(rng):
            return self._get_batches_of_transformed_samples(index_array)

    def __len__(self):
        return (self.n + self.batch_size - 1) // self.batch_size

    def on_epoch_end(self):
        """Start a new epoch: a new shuffle of the samples."""
        with self.lock:
            self._epoch += 1
            self.index_array = None

    def reset(self):
        self.batch_index = 0

    def _flow_index(self):
        self.reset()
        while True:
            rng = np.random.RandomState(self.seed + self.total_batches_seen) if self.seed is not None else np.random
            if self.batch_index == 0:
                self._set_index_array(rng)
            current = (self.batch_index * self.batch_size) % self.n if self.n else 0
            if self.n > current + self.batch_size:
                self.batch_index += 1
            else:
                self.batch_index = 0
            self.total_batches_seen += 1
            yield self.index_array[current:current + self.batch_size], rng

    def __iter__(self):
        return self

    def __next__(self):
        return self.next()

    def next(self):
        """The next batch, cycling through the data endlessly (Keras 2's generator protocol)."""
        with self.lock:
            index_array, rng = next(self.index_generator)
        with _BatchStream(rng):
            return self._get_batches_of_transformed_samples(index_array)

    def _get_batches_of_transformed_samples(self, index_array):
        raise NotImplementedError

    def _save_batch(self, batch_x, index_array, hash_range):
        for i, j in enumerate(index_array):
            img = image_utils.array_to_img(batch_x[i], self.data_format, scale=True)
            fname = f"{self.save_prefix}_{j}_{current_rng().randint(hash_range)}.{self.save_format}"
            img.save(os.path.join(self.save_to_dir, fname))


def _transform_one(generator, x):
    params = generator.get_random_transform(x.shape)
    x = generator.apply_transform(x, params)
    return generator.standardize(x)


@keras_export("keras.preprocessing.image.NumpyArrayIterator", "keras._legacy.preprocessing.image.NumpyArrayIterator")
class NumpyArrayIterator(Iterator):
    """Batches of augmented images from arrays: `x` (rank 4; or `[x, extra, ...]` whose extra arrays are
    passed through), optional `y` and `sample_weight`. `subset` takes the `"training"` or `"validation"` part
    of the generator's `validation_split` (the validation part is the first one)."""

    def __init__(self, x, y, image_data_generator, batch_size=32, shuffle=False, sample_weight=None, seed=None,
                 data_format=None, save_to_dir=None, save_prefix="", save_format="png", subset=None,
                 ignore_class_split=False, dtype=None, **kwargs):
        data_format = data_format or config.image_data_format()
        self.dtype = dtype or config.floatx()
        x_misc = []
        if isinstance(x, (tuple, list)):
            x_misc = [np.asarray(x[1])] if not isinstance(x[1], list) else [np.asarray(xx) for xx in x[1]]
            x = x[0]
            for xx in x_misc:
                if len(x) != len(xx):
                    raise ValueError("All of the arrays in `x` should have the same length. Found a pair with: "
                                     f"len(x[0]) = {len(x)}, len(x[?]) = {len(xx)}")
        if y is not None and len(x) != len(y):
            raise ValueError("`x` (images tensor) and `y` (labels) should have the same length. Found: "
                             f"x.shape = {np.asarray(x).shape}, y.shape = {np.asarray(y).shape}")
        if sample_weight is not None and len(x) != len(sample_weight):
            raise ValueError("`x` (images tensor) and `sample_weight` should have the same length. Found: "
                             f"x.shape = {np.asarray(x).shape}, "
                             f"sample_weight.shape = {np.asarray(sample_weight).shape}")
        if subset is not None:
            if subset not in {"training", "validation"}:
                raise ValueError(f'Invalid subset name: {subset}; expected "training" or "validation".')
            split = int(len(x) * image_data_generator._validation_split)
            if (y is not None and not ignore_class_split
                    and not np.array_equal(np.unique(y[:split]), np.unique(y[split:]))):
                raise ValueError("Training and validation subsets have different number of classes after the split. "
                                 "If your numpy arrays are sorted by the label, you might want to shuffle them.")
            part = slice(None, split) if subset == "validation" else slice(split, None)
            x = x[part]
            x_misc = [np.asarray(xx[part]) for xx in x_misc]
            if y is not None:
                y = y[part]
            if sample_weight is not None:
                sample_weight = sample_weight[part]
        self.x = np.asarray(x, dtype=self.dtype)
        self.x_misc = x_misc
        if self.x.ndim != 4:
            raise ValueError(f"Input data in `NumpyArrayIterator` should have rank 4. You passed an array with shape "
                             f"{self.x.shape}")
        channels_axis = 3 if data_format == "channels_last" else 1
        if self.x.shape[channels_axis] not in {1, 3, 4}:
            warnings.warn(f'NumpyArrayIterator is set to use the data format convention "{data_format}" (channels on '
                          f"axis {channels_axis}), i.e. expected either 1, 3, or 4 channels on axis {channels_axis}. "
                          f"However, it was passed an array with shape {self.x.shape} "
                          f"({self.x.shape[channels_axis]} channels).", stacklevel=3)
        self.y = np.asarray(y) if y is not None else None
        self.sample_weight = np.asarray(sample_weight) if sample_weight is not None else None
        self.image_data_generator = image_data_generator
        self.data_format = data_format
        self.save_to_dir = save_to_dir
        self.save_prefix = save_prefix
        self.save_format = save_format
        super().__init__(self.x.shape[0], batch_size, shuffle, seed, **kwargs)

    def _get_batches_of_transformed_samples(self, index_array):
        batch_x = np.zeros((len(index_array),) + self.x.shape[1:], dtype=self.dtype)
        for i, j in enumerate(index_array):
            batch_x[i] = _transform_one(self.image_data_generator, self.x[j].astype(self.dtype))
        if self.save_to_dir:
            self._save_batch(batch_x, index_array, 10000)
        miscs = [xx[index_array] for xx in self.x_misc]
        output = (batch_x if not miscs else [batch_x] + miscs,)
        if self.y is None:
            return output[0]
        output += (self.y[index_array],)
        if self.sample_weight is not None:
            output += (self.sample_weight[index_array],)
        return output


class BatchFromFilesMixin:
    """Loading, augmenting and labelling batches of image files (shared by the directory and DataFrame
    iterators)."""

    def set_processing_attrs(self, image_data_generator, target_size, color_mode, data_format, save_to_dir,
                             save_prefix, save_format, subset, interpolation, keep_aspect_ratio=False):
        self.image_data_generator = image_data_generator
        self.target_size = tuple(target_size)
        self.keep_aspect_ratio = keep_aspect_ratio
        channels = {"rgba": 4, "rgb": 3, "grayscale": 1}.get(color_mode)
        if channels is None:
            raise ValueError(f'Invalid color mode: {color_mode}; expected "rgb", "rgba", or "grayscale".')
        self.color_mode = color_mode
        self.data_format = data_format
        self.image_shape = (self.target_size + (channels,) if data_format == "channels_last"
                            else (channels,) + self.target_size)
        self.save_to_dir = save_to_dir
        self.save_prefix = save_prefix
        self.save_format = save_format
        self.interpolation = interpolation
        split = None
        if subset is not None:
            validation_split = image_data_generator._validation_split
            if subset == "validation":
                split = (0, validation_split)
            elif subset == "training":
                split = (validation_split, 1)
            else:
                raise ValueError(f'Invalid subset name: {subset};expected "training" or "validation"')
        self.split = split
        self.subset = subset

    def _get_batches_of_transformed_samples(self, index_array):
        batch_x = np.zeros((len(index_array),) + self.image_shape, dtype=self.dtype)
        filepaths = self.filepaths
        for i, j in enumerate(index_array):
            img = image_utils.load_img(filepaths[j], color_mode=self.color_mode, target_size=self.target_size,
                                       interpolation=self.interpolation, keep_aspect_ratio=self.keep_aspect_ratio)
            x = image_utils.img_to_array(img, data_format=self.data_format)
            if hasattr(img, "close"):
                img.close()
            if self.image_data_generator:
                x = _transform_one(self.image_data_generator, x)
            batch_x[i] = x
        if self.save_to_dir:
            self._save_batch(batch_x, index_array, 10 ** 7)
        if self.class_mode == "input":
            batch_y = batch_x.copy()
        elif self.class_mode in {"binary", "sparse"}:
            batch_y = np.array([self.classes[j] for j in index_array], dtype=self.dtype)
        elif self.class_mode == "categorical":
            batch_y = np.zeros((len(batch_x), len(self.class_indices)), dtype=self.dtype)
            for i, j in enumerate(index_array):
                batch_y[i, self.classes[j]] = 1.0
        elif self.class_mode == "multi_output":
            batch_y = [output[index_array] for output in self.labels]
        elif self.class_mode == "raw":
            batch_y = self.labels[index_array]
        else:
            return batch_x
        if self.sample_weight is None:
            return batch_x, batch_y
        return batch_x, batch_y, self.sample_weight[index_array]

    @property
    def filepaths(self):
        raise NotImplementedError(f"`filepaths` property method has not been implemented in {type(self).__name__}.")

    @property
    def labels(self):
        raise NotImplementedError(f"`labels` property method has not been implemented in {type(self).__name__}.")

    @property
    def sample_weight(self):
        raise NotImplementedError(
            f"`sample_weight` property method has not been implemented in {type(self).__name__}.")


def _iter_valid_files(directory, white_list_formats, follow_links):
    for root, _, files in sorted(os.walk(directory, followlinks=follow_links), key=lambda entry: entry[0]):
        for fname in sorted(files):
            if fname.lower().endswith(".tiff"):
                warnings.warn('Using ".tiff" files with multiple bands will cause distortion. Please verify your '
                              "output.", stacklevel=2)
            if fname.lower().endswith(white_list_formats):
                yield root, fname


def _list_valid_filenames_in_directory(directory, white_list_formats, split, class_indices, follow_links):
    """`(class indices, paths relative to the parent of directory)` of the images under `directory`."""
    dirname = os.path.basename(directory)
    files = list(_iter_valid_files(directory, white_list_formats, follow_links))
    if split:
        start, stop = int(split[0] * len(files)), int(split[1] * len(files))
        files = files[start:stop]
    classes, filenames = [], []
    for root, fname in files:
        classes.append(class_indices[dirname])
        filenames.append(os.path.join(dirname, os.path.relpath(os.path.join(root, fname), directory)))
    return classes, filenames


@keras_export("keras.preprocessing.image.DirectoryIterator", "keras._legacy.preprocessing.image.DirectoryIterator")
class DirectoryIterator(BatchFromFilesMixin, Iterator):
    """Batches of augmented images read from `directory`, one sub-folder per class (sorted names, unless
    `classes` lists them). `class_mode`: `"categorical"` (one-hot), `"binary"`, `"sparse"` (class index),
    `"input"` (the images themselves) or None (no labels)."""

    allowed_class_modes = {"categorical", "binary", "sparse", "input", None}

    def __init__(self, directory, image_data_generator, target_size=(256, 256), color_mode="rgb", classes=None,
                 class_mode="categorical", batch_size=32, shuffle=True, seed=None, data_format=None,
                 save_to_dir=None, save_prefix="", save_format="png", follow_links=False, subset=None,
                 interpolation="nearest", keep_aspect_ratio=False, dtype=None, **kwargs):
        data_format = data_format or config.image_data_format()
        self.set_processing_attrs(image_data_generator, target_size, color_mode, data_format, save_to_dir,
                                  save_prefix, save_format, subset, interpolation, keep_aspect_ratio)
        self.directory = directory
        if class_mode not in self.allowed_class_modes:
            raise ValueError(f"Invalid class_mode: {class_mode}; expected one of: {self.allowed_class_modes}")
        self.class_mode = class_mode
        self.dtype = dtype or config.floatx()
        if not classes:
            classes = [d for d in sorted(os.listdir(directory)) if os.path.isdir(os.path.join(directory, d))]
        self.num_classes = len(classes)
        self.class_indices = dict(zip(classes, range(len(classes))))
        self.filenames = []
        labels = []
        for subdir in classes:
            found, names = _list_valid_filenames_in_directory(os.path.join(directory, subdir),
                                                              self.white_list_formats, self.split,
                                                              self.class_indices, follow_links)
            labels += found
            self.filenames += names
        self.samples = len(self.filenames)
        self.classes = np.array(labels, dtype="int32")
        io_utils.print_msg(f"Found {self.samples} images belonging to {self.num_classes} classes.")
        self._filepaths = [os.path.join(self.directory, fname) for fname in self.filenames]
        super().__init__(self.samples, batch_size, shuffle, seed, **kwargs)

    @property
    def filepaths(self):
        return self._filepaths

    @property
    def labels(self):
        return self.classes

    @property
    def sample_weight(self):
        return None


def _validate_filename(filename, white_list_formats):
    return filename.lower().endswith(white_list_formats) and os.path.isfile(filename)


@keras_export("keras.preprocessing.image.DataFrameIterator", "keras._legacy.preprocessing.image.DataFrameIterator")
class DataFrameIterator(BatchFromFilesMixin, Iterator):
    """Batches of augmented images whose paths are in the column `x_col` of a pandas DataFrame (relative to
    `directory`), labels in `y_col` (`class_mode`: `"categorical"`, `"binary"`, `"sparse"`, `"input"`,
    `"multi_output"`, `"raw"` or None) and optional sample weights in `weight_col`."""

    allowed_class_modes = {"binary", "categorical", "input", "multi_output", "raw", "sparse", None}

    def __init__(self, dataframe, directory=None, image_data_generator=None, x_col="filename", y_col="class",
                 weight_col=None, target_size=(256, 256), color_mode="rgb", classes=None, class_mode="categorical",
                 batch_size=32, shuffle=True, seed=None, data_format="channels_last", save_to_dir=None,
                 save_prefix="", save_format="png", subset=None, interpolation="nearest", keep_aspect_ratio=False,
                 dtype="float32", validate_filenames=True, **kwargs):
        self.set_processing_attrs(image_data_generator, target_size, color_mode, data_format, save_to_dir,
                                  save_prefix, save_format, subset, interpolation, keep_aspect_ratio)
        df = dataframe.copy()
        self.directory = directory or ""
        self.class_mode = class_mode
        self.dtype = dtype
        self._check_params(df, x_col, y_col, weight_col, classes)
        if validate_filenames:
            df = self._filter_valid_filepaths(df, x_col)
        labelled = class_mode not in ("input", "multi_output", "raw", None)
        if labelled:
            df, classes = self._filter_classes(df, y_col, classes)
            num_classes = len(classes)
            self.class_indices = dict(zip(classes, range(len(classes))))
        if self.split:
            start, stop = int(self.split[0] * len(df)), int(self.split[1] * len(df))
            df = df.iloc[start:stop, :]
        if labelled:
            self.classes = self.get_classes(df, y_col)
        self.filenames = df[x_col].tolist()
        self._sample_weight = df[weight_col].values if weight_col else None
        if class_mode == "multi_output":
            self._targets = [np.array(df[col].tolist()) for col in y_col]
        if class_mode == "raw":
            self._targets = df[y_col].values
        self.samples = len(self.filenames)
        validated = "validated" if validate_filenames else "non-validated"
        if labelled:
            io_utils.print_msg(f"Found {self.samples} {validated} image filenames belonging to {num_classes} classes.")
        else:
            io_utils.print_msg(f"Found {self.samples} {validated} image filenames.")
        self._filepaths = [os.path.join(self.directory, fname) for fname in self.filenames]
        super().__init__(self.samples, batch_size, shuffle, seed, **kwargs)

    def _check_params(self, df, x_col, y_col, weight_col, classes):
        if self.class_mode not in self.allowed_class_modes:
            raise ValueError(f"Invalid class_mode: {self.class_mode}; expected one of: {self.allowed_class_modes}")
        if self.class_mode == "multi_output" and not isinstance(y_col, list):
            raise TypeError(f'If class_mode="{self.class_mode}", y_col must be a list. Received '
                            f"{type(y_col).__name__}.")
        if not all(df[x_col].apply(lambda v: isinstance(v, str))):
            raise TypeError(f"All values in column x_col={x_col} must be strings.")
        if self.class_mode in {"binary", "sparse"} and not all(df[y_col].apply(lambda v: isinstance(v, str))):
            raise TypeError(f'If class_mode="{self.class_mode}", y_col="{y_col}" column values must be strings.')
        if self.class_mode == "binary":
            count = len(set(classes)) if classes else df[y_col].nunique()
            if count != 2:
                found = f"{count} class/es were given" if classes else f"Found {count} classes"
                raise ValueError(f'If class_mode="binary" there must be 2 classes. {found}.')
        if self.class_mode == "categorical" and not all(df[y_col].apply(lambda v: isinstance(v, (str, list, tuple)))):
            raise TypeError(f'If class_mode="{self.class_mode}", y_col="{y_col}" column values must be type string, '
                            "list or tuple.")
        if classes and self.class_mode in {"input", "multi_output", "raw", None}:
            warnings.warn(f'`classes` will be ignored given the class_mode="{self.class_mode}"', stacklevel=3)
        if weight_col and not issubclass(df[weight_col].dtype.type, np.number):
            raise TypeError(f"Column weight_col={weight_col} must be numeric.")

    def get_classes(self, df, y_col):
        labels = []
        for label in df[y_col]:
            if isinstance(label, (list, tuple)):
                labels.append([self.class_indices[v] for v in label])
            else:
                labels.append(self.class_indices[label])
        return labels

    @staticmethod
    def _filter_classes(df, y_col, classes):
        df = df.copy()

        def keep_known(labels, known):
            if isinstance(labels, (list, tuple)):
                return [v for v in labels if v in known] or None
            if isinstance(labels, str):
                return labels if labels in known else None
            raise TypeError(f"Expect string, list or tuple but found {type(labels)} in {y_col} column ")

        if classes:
            classes = list(collections.OrderedDict.fromkeys(classes).keys())
            df[y_col] = df[y_col].apply(lambda v: keep_known(v, classes))
        else:
            found = set()
            for v in df[y_col]:
                found.update(v) if isinstance(v, (list, tuple)) else found.add(v)
            classes = sorted(found)
        return df.dropna(subset=[y_col]), classes

    def _filter_valid_filepaths(self, df, x_col):
        paths = df[x_col].map(lambda fname: os.path.join(self.directory, fname))
        mask = paths.apply(_validate_filename, args=(self.white_list_formats,))
        invalid = int((~mask).sum())
        if invalid:
            warnings.warn(f'Found {invalid} invalid image filename(s) in x_col="{x_col}". These filename(s) will be '
                          "ignored.", stacklevel=3)
        return df[mask]

    @property
    def filepaths(self):
        return self._filepaths

    @property
    def labels(self):
        return self._targets if self.class_mode in {"multi_output", "raw"} else self.classes

    @property
    def sample_weight(self):
        return self._sample_weight
