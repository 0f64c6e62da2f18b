"""Fashion-MNIST: 60,000 training and 10,000 test 28x28 grayscale images of 10 kinds of clothing."""
import gzip
import os

import numpy as np

from torchkeras.api_export import keras_export
from torchkeras.datasets import urls
from torchkeras.utils.file_utils import get_file


def _read_idx(path, header_bytes):
    with gzip.open(path, "rb") as f:
        return np.frombuffer(f.read(), np.uint8, offset=header_bytes)


@keras_export("keras.datasets.fashion_mnist.load_data")
def load_data():
    """Load Fashion-MNIST: `(x_train, y_train), (x_test, y_test)` as uint8 NumPy arrays.

    `x_*` have shape `(N, 28, 28)`; `y_*` hold labels 0-9 (T-shirt/top, Trouser, Pullover, Dress, Coat,
    Sandal, Shirt, Sneaker, Bag, Ankle boot). The four gzipped IDX files are cached in
    `~/.keras/datasets/fashion-mnist`.
    """
    dirname = os.path.join("datasets", "fashion-mnist")
    paths = [get_file(name, origin=urls.TF_KERAS_DATASETS + name, cache_subdir=dirname)
             for name in urls.FASHION_MNIST_FILES]
    y_train = _read_idx(paths[0], 8)
    x_train = _read_idx(paths[1], 16).reshape(len(y_train), 28, 28)
    y_test = _read_idx(paths[2], 8)
    x_test = _read_idx(paths[3], 16).reshape(len(y_test), 28, 28)
    return (x_train, y_train), (x_test, y_test)
