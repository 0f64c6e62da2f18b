"""CIFAR10: 50,000 training and 10,000 test 32x32 color images in 10 classes."""
import os

import numpy as np

from torchkeras.api_export import keras_export
from torchkeras.datasets import cifar
from torchkeras.datasets import urls
from torchkeras.utils.file_utils import get_file


@keras_export("keras.datasets.cifar10.load_data")
def load_data():
    """Load CIFAR10: `(x_train, y_train), (x_test, y_test)` as uint8 NumPy arrays.

    `x_*` have shape `(N, 32, 32, 3)` (channels_last; `(N, 3, 32, 32)` for channels_first) and `y_*` shape
    `(N, 1)` with labels 0-9 (airplane, automobile, bird, cat, deer, dog, frog, horse, ship, truck).
    """
    path = get_file(fname="cifar-10-batches-py-target", origin=urls.CIFAR10_ORIGIN, extract=True,
                    file_hash=urls.CIFAR10_HASH)
    path = os.path.join(path, "cifar-10-batches-py")
    parts = [cifar.load_batch(os.path.join(path, f"data_batch_{i}")) for i in range(1, 6)]
    x_train = np.concatenate([np.asarray(p[0], dtype="uint8") for p in parts])
    y_train = np.concatenate([np.asarray(p[1], dtype="uint8") for p in parts])
    x_test, y_test = cifar.load_batch(os.path.join(path, "test_batch"))
    y_train = cifar.column(y_train)
    y_test = cifar.column(y_test, dtype=y_train.dtype)
    x_train = cifar.to_image_data_format(x_train)
    x_test = cifar.to_image_data_format(np.asarray(x_test).astype(x_train.dtype))
    return (x_train, y_train), (x_test, y_test)
