"""Keras 2's `keras.preprocessing.image.ImageDataGenerator`: real-time image augmentation and normalization.

Every argument does what it did in Keras 2 (and `tf.keras`), with the same random draws for the same seed:
random geometric transforms (rotation, shifts, shear, zoom) resampled like `scipy.ndimage` (without needing
SciPy), flips, channel and brightness shifts, then `standardize` (preprocessing function, rescale,
sample-wise and feature-wise centering and normalization, ZCA whitening; the feature-wise statistics come from
`fit`). `flow`, `flow_from_directory` and `flow_from_dataframe` return PyDataset iterators that `fit` accepts.
Keras 3 keeps this class as a legacy utility; its preprocessing layers are the modern spelling.
"""
import warnings

import numpy as np

from torchkeras.api_export import keras_export
from torchkeras.backend import config
from torchkeras.preprocessing import image_iterators
from torchkeras.preprocessing import image_transforms


def _warn_not_fit(what):
    warnings.warn(f"This ImageDataGenerator specifies `{what}`, but it hasn't been fit on any training data. Fit it "
                  "first by calling `.fit(numpy_data)`.", stacklevel=3)


@keras_export("keras.preprocessing.image.ImageDataGenerator",
              "keras._legacy.preprocessing.image.ImageDataGenerator")
class ImageDataGenerator:
    """Generate batches of image data with real-time augmentation (see the module docstring).

    Args mirror Keras 2: `featurewise_center`, `samplewise_center`, `featurewise_std_normalization`,
    `samplewise_std_normalization`, `zca_whitening`, `zca_epsilon=1e-6`, `rotation_range` (degrees),
    `width_shift_range`/`height_shift_range` (a float: fraction of the size if < 1, else pixels; an int: pixels
    in `[-n, n)`; a list: choices), `brightness_range` (two factors), `shear_range` (degrees), `zoom_range` (a
    float `z`: `[1 - z, 1 + z]`, or two floats), `channel_shift_range`, `fill_mode` (`"constant"`, `"nearest"`,
    `"reflect"`, `"wrap"`), `cval`, `horizontal_flip`, `vertical_flip`, `rescale`, `preprocessing_function`
    (applied first), `data_format`, `validation_split`, `interpolation_order` and `dtype`.
    """

    def __init__(self, featurewise_center=False, samplewise_center=False, featurewise_std_normalization=False,
                 samplewise_std_normalization=False, zca_whitening=False, zca_epsilon=1e-6, rotation_range=0,
                 width_shift_range=0.0, height_shift_range=0.0, brightness_range=None, shear_range=0.0,
                 zoom_range=0.0, channel_shift_range=0.0, fill_mode="nearest", cval=0.0, horizontal_flip=False,
                 vertical_flip=False, rescale=None, preprocessing_function=None, data_format=None,
                 validation_split=0.0, interpolation_order=1, dtype=None):
        from torchkeras.utils.keras2_paths import warn_once

        warn_once("keras.preprocessing.image.ImageDataGenerator",
                  "the preprocessing layers (keras.layers.RandomRotation, RandomTranslation, RandomZoom, RandomFlip, "
                  "Rescaling, Normalization) with keras.utils.image_dataset_from_directory",
                  what="Keras 2's augmentation API (Keras 3 keeps it only as a legacy utility)")
        data_format = data_format or config.image_data_format()
        self.featurewise_center = featurewise_center
        self.samplewise_center = samplewise_center
        self.featurewise_std_normalization = featurewise_std_normalization
        self.samplewise_std_normalization = samplewise_std_normalization
        self.zca_whitening = zca_whitening
        self.zca_epsilon = zca_epsilon
        self.rotation_range = rotation_range
        self.width_shift_range = width_shift_range
        self.height_shift_range = height_shift_range
        self.shear_range = shear_range
        self.zoom_range = zoom_range
        self.channel_shift_range = channel_shift_range
        self.fill_mode = fill_mode
        self.cval = cval
        self.horizontal_flip = horizontal_flip
        self.vertical_flip = vertical_flip
        self.rescale = rescale
        self.preprocessing_function = preprocessing_function
        self.dtype = dtype or config.floatx()
        self.interpolation_order = interpolation_order
        if data_format not in {"channels_last", "channels_first"}:
            raise ValueError('`data_format` should be `"channels_last"` (channel after row and column) or '
                             f'`"channels_first"` (channel before row and column). Received: {data_format}')
        self.data_format = data_format
        self.channel_axis, self.row_axis, self.col_axis = (1, 2, 3) if data_format == "channels_first" else (3, 1, 2)
        if validation_split and not 0 < validation_split < 1:
            raise ValueError(f"`validation_split` must be strictly between 0 and 1.  Received: {validation_split}")
        self._validation_split = validation_split
        self.mean = None
        self.std = None
        self.zca_whitening_matrix = None
        if isinstance(zoom_range, (float, int)):
            self.zoom_range = [1 - zoom_range, 1 + zoom_range]
        elif len(zoom_range) == 2 and all(isinstance(v, (float, int)) for v in zoom_range):
            self.zoom_range = [zoom_range[0], zoom_range[1]]
        else:
            raise ValueError(f"`zoom_range` should be a float or a tuple or list of two floats. Received: {zoom_range}")
        if zca_whitening:
            if not featurewise_center:
                self.featurewise_center = True
                warnings.warn("This ImageDataGenerator specifies `zca_whitening`, which overrides setting of "
                              "`featurewise_center`.", stacklevel=2)
            if featurewise_std_normalization:
                self.featurewise_std_normalization = False
                warnings.warn("This ImageDataGenerator specifies `zca_whitening` which overrides setting of"
                              "`featurewise_std_normalization`.", stacklevel=2)
        if featurewise_std_normalization and not featurewise_center:
            self.featurewise_center = True
            warnings.warn("This ImageDataGenerator specifies `featurewise_std_normalization`, which overrides "
                          "setting of `featurewise_center`.", stacklevel=2)
        if samplewise_std_normalization and not samplewise_center:
            self.samplewise_center = True
            warnings.warn("This ImageDataGenerator specifies `samplewise_std_normalization`, which overrides "
                          "setting of `samplewise_center`.", stacklevel=2)
        if brightness_range is not None and (not isinstance(brightness_range, (tuple, list))
                                             or len(brightness_range) != 2):
            raise ValueError(f"`brightness_range should be tuple or list of two floats. Received: {brightness_range}")
        self.brightness_range = brightness_range

    @property
    def principal_components(self):
        """Keras 2.2's name of the ZCA whitening matrix."""
        return self.zca_whitening_matrix

    # --- iterators ---------------------------------------------------------------------------------------
    def flow(self, x, y=None, batch_size=32, shuffle=True, sample_weight=None, seed=None, save_to_dir=None,
             save_prefix="", save_format="png", ignore_class_split=False, subset=None):
        """Batches of augmented data from arrays `x` (rank 4) and optional labels `y`."""
        return image_iterators.NumpyArrayIterator(
            x, y, self, batch_size=batch_size, shuffle=shuffle, sample_weight=sample_weight, seed=seed,
            data_format=self.data_format, save_to_dir=save_to_dir, save_prefix=save_prefix, save_format=save_format,
            ignore_class_split=ignore_class_split, subset=subset, dtype=self.dtype)

    def flow_from_directory(self, directory, target_size=(256, 256), color_mode="rgb", classes=None,
                            class_mode="categorical", batch_size=32, shuffle=True, seed=None, save_to_dir=None,
                            save_prefix="", save_format="png", follow_links=False, subset=None,
                            interpolation="nearest", keep_aspect_ratio=False):
        """Batches of augmented images from `directory`, one sub-folder per class."""
        return image_iterators.DirectoryIterator(
            directory, self, target_size=target_size, color_mode=color_mode, keep_aspect_ratio=keep_aspect_ratio,
            classes=classes, class_mode=class_mode, data_format=self.data_format, batch_size=batch_size,
            shuffle=shuffle, seed=seed, save_to_dir=save_to_dir, save_prefix=save_prefix, save_format=save_format,
            follow_links=follow_links, subset=subset, interpolation=interpolation, dtype=self.dtype)

    def flow_from_dataframe(self, dataframe, directory=None, x_col="filename", y_col="class", weight_col=None,
                            target_size=(256, 256), color_mode="rgb", classes=None, class_mode="categorical",
                            batch_size=32, shuffle=True, seed=None, save_to_dir=None, save_prefix="",
                            save_format="png", subset=None, interpolation="nearest", validate_filenames=True,
                            **kwargs):
        """Batches of augmented images listed in a pandas DataFrame (paths in `x_col`, labels in `y_col`)."""
        for old, message in (("has_ext", "has_ext is deprecated, filenames in the dataframe have to match the exact "
                                          "filenames in disk."),
                             ("sort", "sort is deprecated, batches will be created in the same order than the "
                                      "filenames provided if shuffle is set to False."),
                             ("drop_duplicates", "drop_duplicates is deprecated, you can drop duplicates by using "
                                                 "the pandas.DataFrame.drop_duplicates method.")):
            if kwargs.pop(old, None) is not None:
                warnings.warn(message, DeprecationWarning, stacklevel=2)
        if kwargs:
            raise TypeError(f"flow_from_dataframe() got unexpected keyword arguments: {sorted(kwargs)}")
        if class_mode == "other":
            warnings.warn('`class_mode` "other" is deprecated, please use `class_mode` "raw".', DeprecationWarning,
                          stacklevel=2)
            class_mode = "raw"
        return image_iterators.DataFrameIterator(
            dataframe, directory, self, x_col=x_col, y_col=y_col, weight_col=weight_col, target_size=target_size,
            color_mode=color_mode, classes=classes, class_mode=class_mode, data_format=self.data_format,
            batch_size=batch_size, shuffle=shuffle, seed=seed, save_to_dir=save_to_dir, save_prefix=save_prefix,
            save_format=save_format, subset=subset, interpolation=interpolation,
            validate_filenames=validate_filenames, dtype=self.dtype)

    # --- normalization -----------------------------------------------------------------------------------
    def standardize(self, x):
        """Apply the normalization configuration to a batch (or an image) `x`, in place where possible."""
        if self.preprocessing_function:
            x = self.preprocessing_function(x)
        if self.rescale:
            x *= self.rescale
        if self.samplewise_center:
            x -= np.mean(x, keepdims=True)
        if self.samplewise_std_normalization:
            x /= np.std(x, keepdims=True) + 1e-6
        if self.featurewise_center:
            if self.mean is not None:
                x -= self.mean
            else:
                _warn_not_fit("featurewise_center")
        if self.featurewise_std_normalization:
            if self.std is not None:
                x /= self.std + 1e-6
            else:
                _warn_not_fit("featurewise_std_normalization")
        if self.zca_whitening:
            if self.zca_whitening_matrix is not None:
                flat = x.reshape(-1, int(np.prod(x.shape[-3:])))
                x = np.reshape(flat @ self.zca_whitening_matrix, x.shape)
            else:
                _warn_not_fit("zca_whitening")
        return x

    # --- random transforms -------------------------------------------------------------------------------
    def _shift(self, rng, shift_range, size):
        if not shift_range:
            return 0
        try:  # an int or a list: a choice, with a random sign
            shift = rng.choice(shift_range)
            shift *= rng.choice([-1, 1])
        except ValueError:  # a float: uniform
            shift = rng.uniform(-shift_range, shift_range)
        if np.max(shift_range) < 1:
            shift *= size
        return shift

    def get_random_transform(self, img_shape, seed=None):
        """Random parameters for `apply_transform` (a dict), drawn in Keras 2's order.

        With `seed`, from `RandomState(seed)`; otherwise from the current batch's stream (inside an iterator)
        or NumPy's global random state."""
        rng = np.random.RandomState(seed) if seed is not None else image_iterators.current_rng()
        theta = rng.uniform(-self.rotation_range, self.rotation_range) if self.rotation_range else 0
        tx = self._shift(rng, self.height_shift_range, img_shape[self.row_axis - 1])
        ty = self._shift(rng, self.width_shift_range, img_shape[self.col_axis - 1])
        shear = rng.uniform(-self.shear_range, self.shear_range) if self.shear_range else 0
        if self.zoom_range[0] == 1 and self.zoom_range[1] == 1:
            zx, zy = 1, 1
        else:
            zx, zy = rng.uniform(self.zoom_range[0], self.zoom_range[1], 2)
        flip_horizontal = (rng.random() < 0.5) * self.horizontal_flip
        flip_vertical = (rng.random() < 0.5) * self.vertical_flip
        channel_shift_intensity = None
        if self.channel_shift_range != 0:
            channel_shift_intensity = rng.uniform(-self.channel_shift_range, self.channel_shift_range)
        brightness = None
        if self.brightness_range is not None:
            brightness = rng.uniform(self.brightness_range[0], self.brightness_range[1])
        return {"theta": theta, "tx": tx, "ty": ty, "shear": shear, "zx": zx, "zy": zy,
                "flip_horizontal": flip_horizontal, "flip_vertical": flip_vertical,
                "channel_shift_intensity": channel_shift_intensity, "brightness": brightness}

    def apply_transform(self, x, transform_parameters):
        """Transform the image `x` (rank 3) by the parameters of `get_random_transform` (missing keys: no-op)."""
        row, col, channel = self.row_axis - 1, self.col_axis - 1, self.channel_axis - 1
        p = transform_parameters
        x = image_transforms.apply_affine_transform(
            x, p.get("theta", 0), p.get("tx", 0), p.get("ty", 0), p.get("shear", 0), p.get("zx", 1), p.get("zy", 1),
            row_axis=row, col_axis=col, channel_axis=channel, fill_mode=self.fill_mode, cval=self.cval,
            order=self.interpolation_order)
        if p.get("channel_shift_intensity") is not None:
            x = image_transforms.apply_channel_shift(x, p["channel_shift_intensity"], channel)
        if p.get("flip_horizontal", False):
            x = image_transforms.flip_axis(x, col)
        if p.get("flip_vertical", False):
            x = image_transforms.flip_axis(x, row)
        if p.get("brightness") is not None:
            x = image_transforms.apply_brightness_shift(x, p["brightness"], False)
        return x

    def random_transform(self, x, seed=None):
        """`apply_transform(x, get_random_transform(x.shape, seed))`."""
        return self.apply_transform(x, self.get_random_transform(x.shape, seed))

    # --- statistics ----------------------------------------------------------------------------------------
    def fit(self, x, augment=False, rounds=1, seed=None):
        """Compute the feature-wise mean, standard deviation and ZCA matrix of the sample data `x` (rank 4),
        after `rescale`; with `augment=True`, over `rounds` randomly augmented copies."""
        x = np.asarray(x, dtype=self.dtype)
        if x.ndim != 4:
            raise ValueError(f"Input to `.fit()` should have rank 4. Got array with shape: {x.shape}")
        if x.shape[self.channel_axis] not in {1, 3, 4}:
            warnings.warn(f'Expected input to be images (as Numpy array) following the data format convention '
                          f'"{self.data_format}" (channels on axis {self.channel_axis}), i.e. expected either 1, 3 or '
                          f"4 channels on axis {self.channel_axis}. However, it was passed an array with shape "
                          f"{x.shape} ({x.shape[self.channel_axis]} channels).", stacklevel=2)
        x = np.copy(x)
        if self.rescale:
            x *= self.rescale
        if augment:
            rng = np.random.RandomState(seed) if seed is not None else np.random
            augmented = np.zeros((rounds * x.shape[0],) + x.shape[1:], dtype=self.dtype)
            with image_iterators._BatchStream(rng):
                for r in range(rounds):
                    for i in range(x.shape[0]):
                        augmented[i + r * x.shape[0]] = self.random_transform(x[i])
            x = augmented
        broadcast = [1, 1, 1]
        broadcast[self.channel_axis - 1] = x.shape[self.channel_axis]
        if self.featurewise_center:
            self.mean = np.reshape(np.mean(x, axis=(0, self.row_axis, self.col_axis)), broadcast)
            x -= self.mean
        if self.featurewise_std_normalization:
            self.std = np.reshape(np.std(x, axis=(0, self.row_axis, self.col_axis)), broadcast)
            x /= self.std + 1e-6
        if self.zca_whitening:
            n = len(x)
            flat = np.reshape(x, (n, -1))
            u, s, _ = np.linalg.svd(flat.T, full_matrices=False)
            s_inv = np.sqrt(n) / (s + self.zca_epsilon)
            self.zca_whitening_matrix = (u * s_inv).dot(u.T)
